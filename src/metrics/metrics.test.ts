import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeMetrics } from './metrics.ts';

/** The value of one sample line `name{labels} value` in the exposition text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('increments and observations show up in the rendered text with the replica label', async () => {
  const m = createNodeMetrics({ replica: 'r2' });
  m.committedOps.inc(5);
  m.committedOps.inc();
  m.committedBatches.inc();
  m.batchSize.observe(6);
  m.commitLatency.observe(0.0007);
  m.commitLatency.observe(1.5);
  m.view.set(3);
  m.viewChanges.inc();
  m.stableCheckpoint.set(128);
  m.checkpoints.inc();
  m.messagesIn.inc({ type: 'prepare' }, 2);
  m.messagesOut.inc({ type: 'commit' });
  m.messagesDropped.inc({ reason: 'bad-signature' });
  m.peersConnected.set(3);
  m.queueDepth.set({ queue: 'ingress' }, 17);
  m.stateTransfers.inc();
  m.suspicionScore.set({ peer: 'r1' }, 4);
  m.evidence.inc({ kind: 'equivocation' });
  m.threatLevel.set(2);
  const text = await m.render();

  assert.equal(sample(text, 'byz_committed_ops_total{replica="r2"}'), 6);
  assert.equal(sample(text, 'byz_committed_batches_total{replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_batch_size_bucket{le="4",replica="r2"}'), 0);
  assert.equal(sample(text, 'byz_batch_size_bucket{le="8",replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_commit_latency_seconds_bucket{le="0.001",replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_commit_latency_seconds_bucket{le="1",replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_commit_latency_seconds_bucket{le="2",replica="r2"}'), 2);
  assert.equal(sample(text, 'byz_commit_latency_seconds_count{replica="r2"}'), 2);
  assert.equal(sample(text, 'byz_view{replica="r2"}'), 3);
  assert.equal(sample(text, 'byz_view_changes_total{replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_stable_checkpoint{replica="r2"}'), 128);
  assert.equal(sample(text, 'byz_checkpoints_total{replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_messages_in_total{type="prepare",replica="r2"}'), 2);
  assert.equal(sample(text, 'byz_messages_out_total{type="commit",replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_messages_dropped_total{reason="bad-signature",replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_peers_connected{replica="r2"}'), 3);
  assert.equal(sample(text, 'byz_queue_depth{queue="ingress",replica="r2"}'), 17);
  assert.equal(sample(text, 'byz_state_transfers_total{replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_suspicion_score{peer="r1",replica="r2"}'), 4);
  assert.equal(sample(text, 'byz_evidence_total{kind="equivocation",replica="r2"}'), 1);
  assert.equal(sample(text, 'byz_threat_level{replica="r2"}'), 2);
});

test('each node has its own registry (no clash, no sharing)', async () => {
  const a = createNodeMetrics({ replica: 'a' });
  const b = createNodeMetrics({ replica: 'b' });
  a.committedOps.inc(7);
  assert.equal(sample(await a.render(), 'byz_committed_ops_total{replica="a"}'), 7);
  const bText = await b.render();
  assert.equal(sample(bText, 'byz_committed_ops_total{replica="b"}'), 0);
  assert.ok(!bText.includes('replica="a"'));
  assert.notEqual(a.registry, b.registry);
});

test('process metrics are opt-in', async () => {
  const plain = await createNodeMetrics({ replica: 'p' }).render();
  assert.ok(!plain.includes('byz_process_cpu'));
  const withProcess = await createNodeMetrics({ replica: 'q' }, { processMetrics: true }).render();
  assert.ok(withProcess.includes('byz_process_cpu_user_seconds_total{replica="q"}'));
});
