// Byte-for-byte replay across simulator speed-ups (issue 17 item 5): each fixed run's summary is
// hashed, and the digest must equal the one recorded BEFORE the speed-ups. A change that alters any
// message, signature, MAC or delivery order changes the summary and fails here. A deliberate protocol
// change alters runs too: then the digests are recorded again, in the same commit, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';

function byz(text: string): NonNullable<SimOptions['byzantine']> {
  const r = parseByzantine(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export const GOLDEN_RUNS: readonly { name: string; options: SimOptions }[] = [
  { name: 'pbft honest', options: { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops: 150, seed: 1, loss: 0.05, dup: 0.05, reorder: true } },
  { name: 'pbft byzantine random', options: { ...DEFAULT_SIM_OPTIONS, replicas: 4, ops: 60, seed: 7, byzantine: byz('random') } },
  { name: 'hotstuff honest', options: { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, ops: 150, seed: 1, loss: 0.05, dup: 0.05, reorder: true } },
  { name: 'hotstuff byzantine random', options: { ...DEFAULT_SIM_OPTIONS, protocol: 'hotstuff', replicas: 4, ops: 60, seed: 7, byzantine: byz('random') } },
];

export function digest(o: SimOptions): string {
  return createHash('sha256').update(JSON.stringify(runSimulation(o))).digest('hex');
}

/**
 * PBFT: recorded on `main` at 2b9e1c8, before any simulator speed-up. HotStuff: recorded again after
 * HotStuff's leader reputation (branch hse2e) changed who leads which round; 'hotstuff honest' again
 * after block fetches became one ask in flight, to one peer (branch hskill, src/hotstuff/fetch.ts):
 * under 5% loss some blocks are fetched, and by other asks (the run is still clean, 150/150 ops).
 * Both HotStuff runs again when HotStuff replicas began to sign and send CHECKPOINTs every
 * checkpointInterval blocks and to answer a fetch of a block they lack with their own checkpoints
 * (catch-up beyond the window, src/hotstuff/checkpoint.ts, transfer.ts), and `random` could draw
 * lying-state for HotStuff. 'hotstuff honest' again (session 15) when the leader began to take one
 * request per client per block, round-robin (src/service/scheduler.ts pickFair): still clean, 150/150
 * ops, in 2,319 ticks (2,654 before). Both PBFT runs again (session 23) for the all-n fast path
 * (docs/PROTOCOL.md §11): a VIEW-CHANGE carries Q (a new field) and batches commit on every backup's
 * PREPARE — 'pbft honest' still clean, 150/150 ops in 1,618 ticks with 3,347 messages (1,653 ticks
 * and 3,714 messages with --fast-commit off); 'pbft byzantine random' clean, 60/60 ops in 272 ticks.
 * 'pbft honest' again (session 32) when the primary began to hold a client's queued requests while
 * two of its requests are in flight (src/service/scheduler.ts MAX_IN_FLIGHT_PER_CLIENT): a client's
 * next request can reach a primary that has not executed its last one yet (the client needs f+1
 * replies); still clean, 150/150 ops, in 1,568 ticks with 3,331 messages. 'hotstuff honest' again
 * (session 33) when HotStuff began to re-send a round's vote, proposal or timeout at most every third
 * of the round timer (src/hotstuff/params.ts resendTicks): still clean, 150/150 ops, in 2,480 ticks
 * with 2,755 messages (2,319 and 2,878 before; over `byz sim --protocol hotstuff --seeds 30 --ops 200`
 * the ticks went 262,665 → 235,640). Both HotStuff runs again (session 35) when the re-send came an
 * eighth of the round timer after the send, backing off to the retransmit period: 'hotstuff honest'
 * still clean, 150/150 ops, in 1,971 ticks with 2,705 messages; 'hotstuff byzantine random' clean,
 * 60/60 ops, in 357 ticks with 1,360 messages (343 and 1,355 before); over `byz sim --protocol
 * hotstuff --seeds 30 --ops 200` the ticks went 235,640 → 175,662.
 */
const RECORDED: Record<string, string> = {
  'pbft honest': '0493f5018d42000f7825a8a3672cfdeb305095e17ece0163259e893eed220e4e',
  'pbft byzantine random': 'aee25e3bc796a673e736bfe8797353f9b10f736c60fd1dd0bd04adfd6172b11a',
  'hotstuff honest': '991c3b10487d1678da7a86da137d2f7d27cb95d30f41cb9f8fb50f96bad11ce6',
  'hotstuff byzantine random': '34206f0683bcdba9a72bc2289d1a1ccf9cf6f40f83d66a558c2660b3665898f0',
};

for (const run of GOLDEN_RUNS) {
  test(`${run.name}: the summary digest is unchanged since before the speed-ups`, () => {
    assert.equal(digest(run.options), RECORDED[run.name]);
  });
}
