// Forensics over audit trails (issue 17 item 1): two honest replicas' trails from a simulated run in
// which two colluders (beyond f) broke agreement across views (the `amnesia` attack, without the
// accountability layer that would stop it) — `forensicsOfTrails` verifies both trails, finds the seq
// where they diverge and names the colluders from the NEW-VIEW the victim recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Output } from '../protocol/types.ts';
import { createSimulation } from '../sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../sim/options.ts';
import { parseByzantine } from '../sim/byzantine/spec.ts';
import { ed25519Suite } from '../crypto/index.ts';
import { configBody, roundBodies } from '../audit/bodies.ts';
import { openAuditWriter } from './writer.ts';
import { forensicsOfTrails } from './forensics.ts';

const HONEST = [2, 3];

/** Runs the attack and writes the honest replicas' audit trails; returns their folders and the verify options. */
async function divergedTrails(seed: number): Promise<{ dirs: string[]; opts: Parameters<typeof forensicsOfTrails>[1]; cleanup: () => void }> {
  const byz = parseByzantine('0:amnesia,1:amnesia');
  assert.ok(byz.ok);
  const outputs = new Map<string, Output[]>();
  const sim = createSimulation(
    { ...DEFAULT_SIM_OPTIONS, ops: 40, seed, crypto: 'ed25519', byzantine: byz.value, allowUnsafe: true, noAccountability: true },
    { onOutput: (node, out) => void (outputs.get(node) ?? outputs.set(node, []).get(node)!).push(out) },
  );
  while (sim.step()) { /* run to the end */ }
  const { cluster } = sim;
  const root = mkdtempSync(join(tmpdir(), 'byz-forensics-'));
  const dirs: string[] = [];
  for (const id of HONEST) {
    const node = cluster.replicas[id]!.name;
    const dir = join(root, `replica-${id}`);
    const config = configBody({ replica: id, clusterId: cluster.domain.clusterId, epoch: cluster.domain.epoch, protocol: cluster.domain.protocol, replicaKeys: cluster.replicaKeys, params: { windowSize: 256, checkpointInterval: 64 } });
    const w = await openAuditWriter({ dir, config, hash: ed25519Suite.hash, retainBytes: 1e9 });
    for (const out of outputs.get(node) ?? []) w.append(roundBodies(out.executed, out.events, () => undefined));
    await w.flush();
    dirs.push(dir);
  }
  return { dirs, opts: { replicaKeys: cluster.replicaKeys, clusterId: cluster.domain.clusterId }, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test('two honest trails that diverge across views name exactly the two colluders, with amnesia proofs', async () => {
  const { dirs, opts, cleanup } = await divergedTrails(1);
  try {
    const r = forensicsOfTrails(dirs, opts);
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.value.compared > 0);
    assert.ok(r.value.divergences.length > 0, 'the replicas diverged');
    for (const d of r.value.divergences) {
      assert.notEqual(d.views[0], d.views[1], 'across views');
      assert.ok(d.report.resolved, JSON.stringify(d.report));
      assert.deepEqual(d.report.culprits.map((e) => `${e.kind}:${e.accused}`), ['amnesia:0', 'amnesia:1']);
    }
  } finally {
    cleanup();
  }
});

test('a trail edited after the fact (its NEW-VIEWs stripped) does not verify, and forensics refuses it, naming the trail', async () => {
  const { dirs, opts, cleanup } = await divergedTrails(1);
  try {
    // Someone removes the NEW-VIEWs that convict the colluders from the victim's trail:
    const dir = dirs[1]!;
    const seg = readdirSync(dir).find((n) => n.endsWith('.jsonl'))!;
    const text = readFileSync(join(dir, seg), 'utf8');
    assert.match(text, /"type":"view","view":\d+,"primary":\d+,"newView":"/);
    writeFileSync(join(dir, seg), text.replace(/,"newView":"[0-9a-f]+"/g, ''));
    const broken = forensicsOfTrails(dirs, opts);
    assert.ok(!broken.ok && broken.error.dir === dir && /hash does not match/.test(broken.error.problem), JSON.stringify(broken));
  } finally {
    cleanup();
  }
});

test('byz audit forensics: fewer than two folders, or one that is not a folder, is a usage error (exit 2) naming it', async () => {
  const { runAuditForensics } = await import('../cli/audit.ts');
  const errs: string[] = [];
  const io = { out: () => undefined, err: (s: string) => void errs.push(s) };
  assert.equal(runAuditForensics([tmpdir()], { config: 'x.json' }, io), 2);
  assert.match(errs.pop() ?? '', /give at least two audit folders/);
  assert.equal(runAuditForensics([tmpdir(), '/no/such/folder'], { config: 'x.json' }, io), 2);
  assert.match(errs.pop() ?? '', /\/no\/such\/folder: not a folder/);
});
