// Closed-loop writes for the cluster gates: W workers on a client pool, each putting a fresh key at
// a time and recording what was acknowledged (key → value, and when it was submitted and acked).

import type { ByzClientPool } from '../client/index.ts';

export interface Ack {
  readonly key: string;
  readonly value: string;
  readonly submittedAt: number;
  readonly ackedAt: number;
}

export interface Writes {
  readonly acks: readonly Ack[];
  /** Operations that failed (timeout, overload); not acknowledged, so not checked. */
  readonly errors: number;
  /** Stops the workers and waits for the operations in flight. */
  stop(): Promise<void>;
}

export function startWrites(pool: ByzClientPool, workers: number, prefix: string): Writes {
  const acks: Ack[] = [];
  let errors = 0;
  let stopping = false;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!stopping) {
      const i = next++;
      const key = `${prefix}${i}`;
      const value = `v${i}-${prefix}`;
      const submittedAt = performance.now();
      try {
        await pool.put(key, value);
        acks.push({ key, value, submittedAt, ackedAt: performance.now() });
      } catch {
        errors++;
      }
    }
  };
  const running = Promise.all(Array.from({ length: workers }, () => worker()));
  return {
    acks,
    get errors() {
      return errors;
    },
    async stop() {
      stopping = true;
      await running;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads every acked key back (ordered reads, `workers` at a time); the acks that came back wrong. */
export async function readBack(pool: ByzClientPool, acks: readonly Ack[], workers: number): Promise<{ ok: number; wrong: string[] }> {
  let next = 0;
  let ok = 0;
  const wrong: string[] = [];
  const decoder = new TextDecoder();
  const worker = async (): Promise<void> => {
    while (next < acks.length) {
      const a = acks[next++]!;
      try {
        const v = await pool.get(a.key);
        const got = v === null ? null : decoder.decode(v);
        if (got === a.value) ok++;
        else wrong.push(`${a.key}: wrote ${JSON.stringify(a.value)}, read ${JSON.stringify(got)}`);
      } catch (e) {
        wrong.push(`${a.key}: read failed (${e instanceof Error ? e.message : String(e)})`);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, () => worker()));
  return { ok, wrong };
}
