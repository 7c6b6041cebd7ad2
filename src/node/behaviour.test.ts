// TEST-ONLY behaviours on a real replica (issue 18 item 1): every behaviour flag is refused without
// the acknowledgement; the wrapper passes everything through until armed, then the simulator's
// adversary decides what leaves (the same code the simulator runs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { digest, replicaId, seq, view } from '../core/ids.ts';
import type { ReplicaStatus, Send } from '../protocol/types.ts';
import type { PrePrepare, Prepare } from '../wire/messages.ts';
import { ed25519Suite, sha256 } from '../crypto/ed25519.ts';
import { DEFAULT_CONFIG_PARAMS, engineParamsFromConfig } from '../config/index.ts';
import { REPLICA_BEHAVIOUR_NAMES } from '../sim/byzantine/names.ts';
import { slowHoldTicks } from '../sim/byzantine/slow.ts';
import { signNew } from '../sim/byzantine/util.ts';
import { entryArgs } from '../cli/runtime.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';
import { UNSAFE_BEHAVIOUR_ENV, createBehaviourShell, emit, testBehaviourOf } from './behaviour.ts';
import type { TestBehaviour } from './behaviour.ts';
import { NO_INVALID } from '../wire/messages.ts';

test('every behaviour flag is refused without the acknowledgement, accepted with the flag or the env', () => {
  for (const name of REPLICA_BEHAVIOUR_NAMES) {
    const refused = testBehaviourOf({ behaviour: name }, {});
    assert.equal(typeof refused, 'string', name);
    assert.match(refused as string, /--unsafe-test-behaviour/, name);
    assert.match(refused as string, new RegExp(UNSAFE_BEHAVIOUR_ENV), name);
    assert.equal(typeof testBehaviourOf({ behaviour: name }, { [UNSAFE_BEHAVIOUR_ENV]: '0' }), 'string', `${name}: only "1" acknowledges`);
    assert.deepEqual(testBehaviourOf({ behaviour: name, unsafeTestBehaviour: true }, {}), { name, start: 'armed' });
    assert.deepEqual(testBehaviourOf({ behaviour: name, behaviourStart: 'signal' }, { [UNSAFE_BEHAVIOUR_ENV]: '1' }), { name, start: 'signal' });
  }
  assert.equal(testBehaviourOf({}, {}), undefined, 'no flag: an honest replica');
  assert.match(testBehaviourOf({ behaviour: 'nasty', unsafeTestBehaviour: true }, {}) as string, /--behaviour must be one of equivocate, /);
  assert.match(testBehaviourOf({ behaviour: 'slow', behaviourStart: 'later', unsafeTestBehaviour: true }, {}) as string, /--behaviour-start must be armed or signal/);
  assert.match(testBehaviourOf({ behaviourStart: 'signal' }, {}) as string, /--behaviour-start needs --behaviour/);
});

test('byz node --behaviour without the acknowledgement exits 2 before starting, and --help does not list it', () => {
  const entry = entryArgs('cli/main');
  const env = { ...process.env, [UNSAFE_BEHAVIOUR_ENV]: '' };
  let err = '';
  try {
    execFileSync(process.execPath, [...entry, 'node', '--config', '/nonexistent/cluster.json', '--id', '0', '--behaviour', 'equivocate'], { env, stdio: 'pipe' });
    assert.fail('byz node started a Byzantine replica without the acknowledgement');
  } catch (e) {
    const x = e as { status: number; stderr: Buffer };
    assert.equal(x.status, 2);
    err = x.stderr.toString();
  }
  assert.match(err, /makes this replica Byzantine on purpose/);
  assert.match(err, /--unsafe-test-behaviour/);
  const help = execFileSync(process.execPath, [...entry, 'node', '--help'], { env }).toString();
  assert.doesNotMatch(help, /--behaviour/);
});

const signer = ed25519Suite.signer(new Uint8Array(32).fill(7));
const params = engineParamsFromConfig(DEFAULT_CONFIG_PARAMS);
const shellOf = (b: TestBehaviour) =>
  createBehaviourShell(b, {
    id: replicaId(0), n: 4, f: 1, signer, domain: TEST_DOMAIN, hash: sha256, params,
    status: () => ({ lowWatermark: 0 }) as unknown as ReplicaStatus,
  });
const tick = { type: 'tick' } as const;
const core = { handle: () => ({ persist: [], send: [], replies: [], executed: [], events: [] }) };
const prepare = signNew<Prepare>({ signer, domain: TEST_DOMAIN }, { type: 'prepare', view: view(0), seq: seq(1), digest: digest('00'.repeat(32)), invalid: NO_INVALID, replica: replicaId(0) });
const sends: Send[] = [{ to: 'all', message: prepare }];

test('withhold: passes everything through until armed, then nothing leaves', () => {
  const s = shellOf({ name: 'withhold', start: 'signal' });
  assert.equal(s.release(sends, []).length, 1);
  s.arm();
  assert.deepEqual(s.release(sends, []), []);
  assert.deepEqual(s.counts(), { 'messages withheld': 1 });
});

test('slow: once armed, a send leaves only after the hold of ticks the core has seen (just under the request timeout)', () => {
  const s = shellOf({ name: 'slow', start: 'armed' });
  const hold = slowHoldTicks({ params });
  assert.ok(hold > 0 && hold < params.requestTimeoutTicks);
  assert.deepEqual(s.release(sends, []), []);
  for (let t = 1; t < hold; t++) {
    s.handle(core, tick);
    assert.deepEqual(s.release([], []), [], `tick ${t}`);
  }
  s.handle(core, tick);
  assert.equal(s.release([], []).length, 1);
});

test('equivocate: as primary, two halves of the backups get different validly signed pre-prepares', () => {
  const s = shellOf({ name: 'equivocate', start: 'armed' });
  const req = (no: number) => ({ type: 'request' as const, client: 'aa'.repeat(32), reqNo: no, op: new Uint8Array([no]), readOnly: false, sig: new Uint8Array(64), auth: new Uint8Array(0) });
  const pp = signNew<PrePrepare>({ signer, domain: TEST_DOMAIN }, {
    type: 'pre-prepare', view: view(0), seq: seq(1), digest: digest('00'.repeat(32)), requests: [req(1), req(2)] as unknown as PrePrepare['requests'], replica: replicaId(0),
  });
  const out = s.release([{ to: 'all', message: pp }], []);
  const sent = new Map<number, Uint8Array>();
  let copies = 0;
  for (const e of out) copies += emit(e, replicaId(0), 4, { sendToReplica: (r, b) => sent.set(r, b), sendToClient: () => assert.fail('no reply') });
  assert.equal(copies, 3);
  assert.deepEqual([...sent.keys()].sort((a, b) => a - b), [1, 2, 3]);
  assert.notDeepEqual(sent.get(1), sent.get(3), 'the halves got different pre-prepares');
  assert.deepEqual(s.counts(), { 'equivocating pre-prepares': 1 });
});
