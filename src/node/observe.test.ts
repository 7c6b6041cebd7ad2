import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { createNodeMetrics } from '../metrics/metrics.ts';
import { createLogger } from '../log/logger.ts';
import type { ExecutedBatch } from '../protocol/types.ts';
import { encodeRefusal } from '../service/quota.ts';
import { createRoundObserver } from './observe.ts';

const sink = new Writable({ write: (_c, _e, cb) => cb() });

/** A batch whose executed requests returned these results (the observer reads only the results). */
const batch = (results: Uint8Array[]): ExecutedBatch =>
  ({ view: 0, seq: 1, digest: '', executed: results.map((result) => ({ request: {}, result })), committed: {} }) as unknown as ExecutedBatch;

test('observer: quota refusals count in byz_quota_refusals_total by quota; app results do not', async () => {
  const m = createNodeMetrics({ replica: 'r0' });
  const observe = createRoundObserver(m, createLogger({ name: 't', destination: sink }));
  const results = [
    encodeRefusal('request bytes: 90 executed since seq 0 + 20 would exceed maxRequestBytesPerWindow 100 per 10 sequence numbers; retry later'),
    encodeRefusal('state bytes: this client owns 61 and the op adds up to 60, over maxStateBytesPerClient 100; delete data first'),
    encodeRefusal('state bytes: again'),
    Uint8Array.from([1, 2, 3]),
    Uint8Array.from([0xff, 0x42]),
    new Uint8Array(0),
  ];
  observe([batch(results)], [], { inputs: 1, persistOps: 0, flushMs: 0, handleMs: 0, waitedMs: 0, queued: 0 });
  const text = await m.render();
  assert.match(text, /^byz_quota_refusals_total\{reason="request-bytes",replica="r0"\} 1$/m);
  assert.match(text, /^byz_quota_refusals_total\{reason="state-bytes",replica="r0"\} 2$/m);
  assert.equal(/byz_quota_refusals_total\{reason="(?!request-bytes|state-bytes)/.test(text), false);
  assert.equal(await m.render().then((t) => t.match(/^byz_committed_ops_total\{[^}]*\} (\d+)$/m)?.[1]), '6');
});
