import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import { createSimSuite } from '../crypto/sim.ts';
import { createKvApp } from '../app/kv.ts';
import { MESSAGE_TAGS } from '../wire/messages.ts';
import { INITIAL_EPOCH, signingDomain } from '../wire/domain.ts';
import { DEFAULT_PROTOCOL, findProtocol, protocolModule, PROTOCOL_NAMES } from './registry.ts';
import { startReplicaCore } from './replica.ts';

test('the registry has PBFT as the default protocol and names what it has when asked for another', () => {
  assert.deepEqual(PROTOCOL_NAMES, ['pbft', 'hotstuff']);
  assert.equal(DEFAULT_PROTOCOL, 'pbft');
  assert.equal(findProtocol('raft'), undefined);
  assert.throws(() => protocolModule('raft'), /unknown protocol "raft": this build has "pbft", "hotstuff"/);
});

test('every module declares wire messages the codec knows, usable default parameters and its planted bugs', () => {
  for (const name of PROTOCOL_NAMES) {
    const m = protocolModule(name);
    assert.ok(m.messages.length > 0);
    for (const type of m.messages) assert.ok(type in MESSAGE_TAGS, `${name}: ${type} has no wire tag`);
    assert.deepEqual(m.params.validate(m.params.defaults), [], `${name}: defaults must validate`);
    assert.ok(m.params.validate({ ...m.params.defaults, checkpointInterval: 0 }).length > 0, `${name}: validation can fail`);
    assert.ok(m.plantedBugs.length > 0, `${name}: each checker needs a planted bug to catch`);
  }
});

test('a replica core is built from a module by name, inside accountability, and must match its signing domain', () => {
  const suite = createSimSuite();
  const signers = Array.from({ length: 4 }, (_, i) => suite.signer(new Uint8Array(32).fill(i + 1)));
  const keys = signers.map((s) => s.publicKey);
  const m = protocolModule('pbft');
  const opts = { id: replicaId(1), n: 4, replicaKeys: keys, signer: signers[1]!, hash: suite.hash, app: createKvApp(), params: m.params.defaults };
  const core = startReplicaCore(m, { ...opts, domain: signingDomain('c', INITIAL_EPOCH, 'pbft') });
  assert.equal(core.status().id, 1);
  assert.equal(core.status().primary, 0);
  assert.deepEqual(core.accountability().evidence, [], 'the accountability layer wraps it');
  assert.throws(() => startReplicaCore(m, { ...opts, domain: signingDomain('c', INITIAL_EPOCH, 'other') }), /names protocol "other" but the core is "pbft"/);
});
