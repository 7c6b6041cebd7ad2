// Catch-up after a restart (issue 13): a HotStuff replica that comes back behind fetches the blocks it
// missed by id (src/hotstuff/fetch.ts) without making its peers ship the same blocks over and over.
//
// The kill -9 stall (test/e2e/hotstuff-kill.test.ts): a real replica restarted from disk first gets
// what its peers' transports queued for it while it was down (src/transport/tcp.ts keeps a down peer's
// frames until it reconnects): old proposals from three leaders, interleaved. Each one whose parent
// had not arrived yet was a wanted block; each want was asked of two peers at once, and again every
// retransmit period until answered; each answer carried up to MAX_FETCH_BLOCKS ancestors. Measured on
// real processes (the replicas' /metrics): the restarted replica sent 842 HS-FETCHes, its two live
// peers answered 280 each (about 18,000 blocks for a gap of 64), their heaps grew to 800-900 MB and
// their event loops stalled while the cluster needed the restarted replica for a quorum.
//
// The simulator drops what is sent to a crashed replica and has no CPU, so an answer there is never
// slower than the retransmit period; these tests drive the cores directly: the backlog is replayed
// into the restarted replica through its ingress, and answers are held back (slow peers) or relayed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulation } from '../../src/sim/run.ts';
import type { Simulation } from '../../src/sim/run.ts';
import { restartReplica } from '../../src/sim/cluster.ts';
import type { SimReplica } from '../../src/sim/cluster.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import { decodeMessage, encodeMessage } from '../../src/wire/codec.ts';
import type { HsFetch } from '../../src/wire/messages.ts';
import type { Output } from '../../src/protocol/types.ts';
import { replicaId } from '../../src/core/ids.ts';
import { MAX_FETCH_BLOCKS } from '../../src/core/limits.ts';
import { signMessage } from '../../src/protocol/emit.ts';
import { blockId } from '../../src/hotstuff/block.ts';
import { FETCH_BUDGET_BLOCKS } from '../../src/hotstuff/fetch.ts';

const DOWN = 3;

interface Setup {
  readonly sim: Simulation;
  /** What replicas 0–2 sent replica 3 while it was down, per sender, in order (the transport's queues). */
  readonly backlog: readonly (readonly Uint8Array[])[];
  /** The block id replica 0 executed at each height. */
  readonly history: ReadonlyMap<number, string>;
}

/** Replica 3 crashes early; the others commit every op; replica 3 is then rebuilt from its disk. */
function setup(seed: number): Setup {
  const backlog: Uint8Array[][] = [[], [], []];
  const history = new Map<number, string>();
  let down = false;
  const sim = createSimulation(
    { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, clients: 8, ops: 400, seed, checkpointInterval: 128, crashes: [{ replica: DOWN, at: 150 }] },
    {
      onReplicaFault: (kind, r) => {
        if (r === DOWN) down = kind === 'crash';
      },
      onOutput: (node, out) => {
        const from = Number(node);
        if (from === 0) for (const e of out.executed) history.set(e.seq, e.digest);
        if (!down || from === DOWN) return;
        for (const s of out.send) {
          // Requests travel on the client channel; everything else is what the replica link queues.
          if (s.message.type !== 'request' && (s.to === 'all' || s.to === DOWN)) backlog[from]!.push(encodeMessage(s.message).slice());
        }
      },
    },
  );
  while (sim.step()) {
    // one tick per step
  }
  assert.deepEqual(sim.summary().violations, []);
  restartReplica(sim.cluster, sim.cluster.replicas[DOWN]!);
  return { sim, backlog, history };
}

/** Feeds bytes from replica `from` into r through its ingress; the output, or undefined if ingress refused them. */
function deliver(r: SimReplica, from: number, bytes: Uint8Array): Output | undefined {
  const v = r.ingress.replicaMessage(bytes, replicaId(from));
  return v.ok ? r.core.handle({ type: 'message', message: v.value }) : undefined;
}

/** The backlog as three connections deliver it: one frame of each in turn. */
function interleaved(backlog: Setup['backlog']): { from: number; bytes: Uint8Array }[] {
  const out: { from: number; bytes: Uint8Array }[] = [];
  for (let i = 0; backlog.some((q) => i < q.length); i++) backlog.forEach((q, from) => q[i] !== undefined && out.push({ from, bytes: q[i]! }));
  return out;
}

function fetchesIn(out: Output): { to: number | 'all'; m: HsFetch }[] {
  return out.send.flatMap((s) => (s.message.type === 'hs-fetch' ? [{ to: s.to, m: s.message }] : []));
}

test('hotstuff catch-up: fed the backlog its peers queued while it was down, with peers slower than the retransmit period, a restarted replica keeps one block fetch in flight', () => {
  for (const seed of [1, 2]) {
    const { sim, backlog } = setup(seed);
    const r = sim.cluster.replicas[DOWN]!;
    const period = sim.cluster.params.retransmitTicks;
    const hash = sim.cluster.suite.hash;
    const frames = interleaved(backlog);
    /** Blocks replica 3 got (as proposals in the backlog; no answer ever comes: the peers are busy). */
    const got = new Set<string>();
    let tick = 0;
    let asks = 0;
    let last: { id: string; tick: number } | undefined;
    const check = (out: Output): void => {
      for (const a of fetchesIn(out)) {
        asks++;
        assert.notEqual(a.to, 'all', 'an ask goes to one peer');
        // The previous ask is answered (its block arrived) or has waited a whole retransmit period.
        if (last !== undefined) assert.ok(got.has(last.id) || tick - last.tick >= period, `seed ${seed}: ask ${asks} at tick ${tick} while the ask of tick ${last.tick} is in flight`);
        last = { id: a.m.blockId, tick };
      }
    };
    frames.forEach((f, i) => {
      const m = decodeMessage(f.bytes);
      if (m.ok && m.value.type === 'hs-proposal') got.add(blockId(hash, m.value));
      const out = deliver(r, f.from, f.bytes);
      if (out !== undefined) check(out);
      if (i % 8 === 7) {
        tick++;
        check(r.core.handle({ type: 'tick' }));
      }
    });
    const during = asks;
    for (let t = 0; t < 5 * period; t++) {
      tick++;
      check(r.core.handle({ type: 'tick' }));
    }
    assert.ok(r.core.status().stateTransfer, `seed ${seed}: replica 3 still lacks blocks`);
    assert.ok(during > 0 && asks <= during + 5, `seed ${seed}: ${asks - during} asks in 5 retransmit periods without answers`);
  }
});

test('hotstuff catch-up: with answers relayed, a restarted replica fills the gap behind the backlog, each block shipped about once, and executes the same history', () => {
  for (const seed of [1, 2]) {
    const { sim, backlog, history } = setup(seed);
    const reps = sim.cluster.replicas;
    const r = reps[DOWN]!;
    const start = r.core.status().lastExecuted;
    const target = Math.min(...[0, 1, 2].map((i) => reps[i]!.core.status().lastExecuted));
    let shipped = 0;
    const ids = new Set<string>();
    // A message pump among the cores: replica 3's sends reach the peers, their answers come back.
    const queue: { from: number; to: number; bytes: Uint8Array }[] = interleaved(backlog).map((f) => ({ ...f, to: DOWN }));
    const executed = new Map<number, string>();
    const emit = (from: number, out: Output): void => {
      if (from === DOWN) for (const e of out.executed) executed.set(e.seq, e.digest);
      for (const s of out.send) {
        if (s.message.type === 'request') continue;
        const tos = s.to === 'all' ? [0, 1, 2, 3].filter((i) => i !== from) : [s.to as number];
        // Only what concerns replica 3: its asks and votes to peers, their answers to it.
        for (const to of tos) if (from === DOWN || to === DOWN) queue.push({ from, to, bytes: encodeMessage(s.message).slice() });
      }
    };
    for (let steps = 0; steps < 200_000 && r.core.status().lastExecuted < target - 2; steps++) {
      const e = queue.shift();
      if (e === undefined) {
        emit(DOWN, r.core.handle({ type: 'tick' }));
        continue;
      }
      const m = decodeMessage(e.bytes);
      if (m.ok && m.value.type === 'hs-blocks' && e.to === DOWN) {
        shipped += m.value.blocks.length;
        for (const b of m.value.blocks) ids.add(blockId(sim.cluster.suite.hash, b));
      }
      const out = deliver(reps[e.to]!, e.from, e.bytes);
      if (out !== undefined) emit(e.to, out);
      if (steps % 8 === 7) emit(DOWN, r.core.handle({ type: 'tick' }));
    }
    const end = r.core.status().lastExecuted;
    assert.ok(target - start > MAX_FETCH_BLOCKS, `seed ${seed}: a gap of ${target - start} blocks (more than one answer)`);
    // The backlog's last proposals carry QCs up to the others' tip: every block but the last two commits.
    assert.ok(end >= target - 2, `seed ${seed}: replica 3 executed up to ${end}, the others ${target} (from ${start})`);
    assert.ok(shipped <= 2 * ids.size, `seed ${seed}: ${shipped} blocks shipped, ${ids.size} distinct`);
    // The same history: the block replica 0 executed at each height replica 3 executed.
    assert.equal(executed.size, end - start);
    for (const [seq, digest] of executed) assert.equal(digest, history.get(seq), `seed ${seed}: height ${seq}`);
  }
});

test('hotstuff catch-up: a peer asking for blocks without bound is served at most FETCH_BUDGET_BLOCKS per retransmit period', () => {
  const { sim, backlog } = setup(1);
  const reps = sim.cluster.replicas;
  const server = reps[0]!;
  const asker = reps[DOWN]!;
  const period = sim.cluster.params.retransmitTicks;
  // The newest block replica 0 proposed or saw: the last proposal in the backlog.
  const proposals = backlog.flat().map((b) => decodeMessage(b)).flatMap((m) => (m.ok && m.value.type === 'hs-proposal' ? [m.value] : []));
  const top = proposals.reduce((a, b) => (b.height > a.height ? b : a));
  const id = blockId(sim.cluster.suite.hash, top);
  const ask = (): Uint8Array =>
    encodeMessage(signMessage<HsFetch>(asker.options.signer, asker.options.domain, { type: 'hs-fetch', blockId: id, count: MAX_FETCH_BLOCKS, replica: replicaId(DOWN) }));
  const served = (out: Output | undefined): number =>
    (out?.send ?? []).reduce((k, s) => k + (s.message.type === 'hs-blocks' ? s.message.blocks.length : 0), 0);
  const refusals = (out: Output | undefined): number => (out?.events ?? []).filter((e) => e.type === 'drop' && e.reason === 'fetch-budget').length;
  let blocks = 0;
  let refused = 0;
  for (let i = 0; i < 20; i++) {
    const out = deliver(server, DOWN, ask());
    blocks += served(out);
    refused += refusals(out);
  }
  assert.ok(top.height > MAX_FETCH_BLOCKS, 'replica 0 holds more than one answer of blocks');
  assert.equal(blocks, FETCH_BUDGET_BLOCKS, '20 asks of 64 blocks in one period are served up to the budget');
  assert.equal(refused, 20 - FETCH_BUDGET_BLOCKS / MAX_FETCH_BLOCKS);
  for (let t = 0; t < period; t++) server.core.handle({ type: 'tick' });
  assert.equal(served(deliver(server, DOWN, ask())), MAX_FETCH_BLOCKS, 'served again in the next period');
  // Another peer has its own budget.
  const other = reps[1]!;
  const fromOther = encodeMessage(signMessage<HsFetch>(other.options.signer, other.options.domain, { type: 'hs-fetch', blockId: id, count: MAX_FETCH_BLOCKS, replica: replicaId(1) }));
  assert.equal(served(deliver(server, 1, fromOther)), MAX_FETCH_BLOCKS);
});
