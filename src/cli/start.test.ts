import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStart } from './start.ts';
import { claimPortBlock } from '../../test/ports.ts';

function listen(port: number): Promise<Server> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(port, '127.0.0.1', () => done(srv));
  });
}

/** Runs fn with stdout/stderr captured (runStart reports on them). */
async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; err: string }> {
  const write = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  let err = '';
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true));
  process.stdout.write = (() => true);
  try {
    return { value: await fn(), err };
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
  }
}

test('byz start refuses to start when one of its ports is taken, naming the port and what to do; nothing is started', async () => {
  const ports = claimPortBlock();
  const data = mkdtempSync(join(tmpdir(), 'byz-start-'));
  // Replica 2's client port of the cluster that runInit lays out from this base port.
  const taken = await listen(ports.base + 102);
  try {
    const r = await captured(() => runStart({ data, replicas: '4', basePort: String(ports.base), gatewayPort: String(ports.base + 250) }));
    assert.equal(r.value, 2);
    assert.match(r.err, new RegExp(`port ${ports.base + 102} \\(replica 2 clients\\) on 127\\.0\\.0\\.1 is already in use`));
    assert.match(r.err, /--data OTHER_DIR --base-port PORT/);
    assert.equal(existsSync(join(data, 'logs')), false, 'no process was started (no logs folder)');
  } finally {
    await new Promise<void>((done) => taken.close(() => done()));
    ports.release();
    rmSync(data, { recursive: true, force: true });
  }
});
