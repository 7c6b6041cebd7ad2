// State transfer's choice of source and its patience (src/pbft/state-transfer.ts, TOCS '02 §5.3):
// a replica behind the cluster's stable checkpoint asks the checkpoint's signers it is linked to
// first, and waits twice as long for a chunk each time it moves to the next source, so a crashed
// signer costs one wait and a slow link still delivers (a netns run over a 300–500 ms round trip
// once rotated every 200 ms for 22 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../../src/core/ids.ts';
import type { Checkpoint } from '../../src/wire/messages.ts';
import { deliver, deliverRequest, flood, makeClient, makeCluster, request, tick } from './harness.ts';
import type { Output } from '../../src/protocol/types.ts';

const RETRANSMIT = 10;

test('a replica behind the stable checkpoint asks a linked signer first, and doubles its wait per source it moves on from', () => {
  const c = makeCluster(4, { checkpointInterval: 2, batchMaxRequests: 1, retransmitTicks: RETRANSMIT });
  // Replica 3 is cut off while 0, 1 and 2 order two batches and make seq 2 stable.
  const checkpoints: Checkpoint[] = [];
  const keep = (_s: number, _d: number, m: { type: string }): boolean => {
    if (m.type === 'checkpoint') checkpoints.push(m as Checkpoint);
    return true;
  };
  for (const [i, cl] of [makeClient(41), makeClient(42)].entries()) flood(c, 0, deliverRequest(c, 0, request(cl, 1, `k${i}`, 'v')), new Set([3]), keep);
  assert.equal(c.replicas[0]!.status().stableCheckpoint, 2);
  // Replica 3 is linked to 1 and 2 only (0's process is gone), then learns the certificate.
  c.replicas[3]!.handle({ type: 'peers', connected: [replicaId(1), replicaId(2)] });
  const fetches = (outs: Output[]): number[] => outs.flatMap((o) => o.send.filter((s) => s.message.type === 'fetch-state').map((s) => Number(s.to)));
  const seen = new Map<number, Checkpoint>();
  for (const cp of checkpoints) if (cp.seq === 2) seen.set(cp.replica, cp);
  assert.equal(seen.size, 3, 'the certificate: 2f+1 signed checkpoints for seq 2');
  for (const cp of seen.values()) deliver(c, 3, cp);
  // It starts the transfer after a retransmission period without progress; then no chunk ever comes
  // back, and it moves to the next source after one period, two, four.
  const asked: { source: number; tick: number }[] = [];
  for (let t = 1; t <= RETRANSMIT * 10 && asked.length < 4; t++) for (const source of fetches(tick(c, 3, 1))) asked.push({ source, tick: t });
  assert.ok(asked.length === 4, JSON.stringify(asked));
  assert.deepEqual(asked.map((a) => a.source), [1, 2, 0, 1], 'linked signers (1, 2) before the unlinked one (0)');
  const waits = asked.slice(1).map((a, i) => a.tick - asked[i]!.tick);
  assert.deepEqual(waits, [RETRANSMIT, 2 * RETRANSMIT, 4 * RETRANSMIT], 'the wait for a chunk doubles per source');
});
