// The simulator benchmark (issue #6, item 3): message complexity from the deterministic simulator
// (src/sim, no faults), core CPU per op without a network (core-bench.ts), and the cost of the
// crypto primitives on this machine, from which the crypto-only throughput ceiling follows.

import { createSimulation } from '../sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../sim/options.ts';
import type { Channel } from '../sim/network.ts';
import { ed25519Suite, sha256 } from '../crypto/ed25519.ts';
import type { CoreBenchResult } from './core-bench.ts';
import { runCoreBench } from './core-bench.ts';
import { round } from './measure.ts';

export interface MessageComplexity {
  readonly n: number;
  readonly clients: number;
  readonly ops: number;
  readonly batches: number;
  readonly meanBatch: number;
  /** Replica-to-replica message copies (one per destination) and their bytes, per committed op and per batch. */
  readonly replicaMessagesPerOp: number;
  readonly replicaBytesPerOp: number;
  readonly replicaMessagesPerBatch: number;
  /** Requests and replies per op, and their bytes. */
  readonly clientMessagesPerOp: number;
  readonly clientBytesPerOp: number;
  readonly ok: boolean;
}

/** A fault-free simulation with `clients` closed-loop clients; counts what the network carried. */
export function messageComplexity(n: number, clients: number, ops: number, seed = 1, protocol = DEFAULT_SIM_OPTIONS.protocol): MessageComplexity {
  const sim = createSimulation({ ...DEFAULT_SIM_OPTIONS, protocol, replicas: n, clients, ops, seed, crypto: 'sim', delayMin: 1, delayMax: 1 });
  const net = sim.cluster.network;
  const count: Record<Channel, { messages: number; bytes: number }> = { replica: { messages: 0, bytes: 0 }, request: { messages: 0, bytes: 0 }, reply: { messages: 0, bytes: 0 } };
  const send = net.send.bind(net);
  net.send = (from, to, channel, bytes, now) => {
    count[channel].messages++;
    count[channel].bytes += bytes.length;
    send(from, to, channel, bytes, now);
  };
  while (sim.step()) {
    // one virtual tick per step
  }
  const s = sim.summary();
  const done = Math.max(1, s.ops.committed);
  const client = { messages: count.request.messages + count.reply.messages, bytes: count.request.bytes + count.reply.bytes };
  return {
    n,
    clients,
    ops: s.ops.committed,
    batches: s.batches,
    meanBatch: s.meanBatchSize,
    replicaMessagesPerOp: round(count.replica.messages / done),
    replicaBytesPerOp: round(count.replica.bytes / done, 1),
    replicaMessagesPerBatch: round(count.replica.messages / Math.max(1, s.batches), 1),
    clientMessagesPerOp: round(client.messages / done),
    clientBytesPerOp: round(client.bytes / done, 1),
    ok: s.ok,
  };
}

export interface PrimitiveCosts {
  /** CPU microseconds per call on this machine. */
  readonly signUs: number;
  readonly verifyUs: number;
  readonly sha256Us: number;
}

/** Ed25519 sign/verify and SHA-256 over a request-sized message (CPU time, not wall time). */
export function primitiveCosts(iterations = 2000): PrimitiveCosts {
  const signer = ed25519Suite.signer(new Uint8Array(32).fill(7));
  const data = new Uint8Array(160).fill(1);
  const sig = signer.sign(data);
  const cpuUs = (f: () => void, times: number): number => {
    f();
    const c0 = process.cpuUsage();
    for (let i = 0; i < times; i++) f();
    const c = process.cpuUsage(c0);
    return round((c.user + c.system) / times, 2);
  };
  return {
    signUs: cpuUs(() => signer.sign(data), iterations),
    verifyUs: cpuUs(() => ed25519Suite.verify(signer.publicKey, data, sig), iterations),
    sha256Us: cpuUs(() => sha256(data), iterations * 10),
  };
}

export interface CoreCpu {
  readonly ed25519: CoreBenchResult;
  readonly sim: CoreBenchResult;
  /** µs of Ed25519 work per op (replicas + clients) at the measured primitive costs. */
  readonly cryptoUsPerOp: number;
  /** Ops/s the machine's cores could sustain doing nothing but that crypto. */
  readonly cryptoCeilingOpsPerSec: number;
}

export function coreCpu(n: number, clients: number, ops: number, costs: PrimitiveCosts, cores: number): CoreCpu {
  const ed = runCoreBench({ n, clients, ops, payload: 0, crypto: 'ed25519' });
  const sim = runCoreBench({ n, clients, ops: ops * 4, payload: 0, crypto: 'sim' });
  const c = ed.cryptoPerOp;
  const us = (c.replicas.signs + c.clients.signs) * costs.signUs + (c.replicas.verifies + c.clients.verifies) * costs.verifyUs;
  return { ed25519: ed, sim, cryptoUsPerOp: round(us, 1), cryptoCeilingOpsPerSec: Math.round((cores * 1e6) / us) };
}
