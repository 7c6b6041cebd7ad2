// Crash consistency of the durable LMDB store with a real process: a child writes batches and
// acknowledges each one once apply() resolved; we kill -9 it at a random moment, reopen, and check
// that every acknowledged batch survived and no batch is partially present.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { openLmdbStorage } from '../../src/storage/lmdb.ts';
import { KEEP, KEYS_PER_BATCH, batchPrefix, batchValue, decodeHead } from './crash-batches.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly start: number;
  readonly acked: number[];
  readonly killed: boolean;
}

/** Runs the child until it has acknowledged `killAfter` batches, waits `extraMs`, then SIGKILLs it. */
function runAndKill(dir: string, killAfter: number, extraMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let start = -1;
    const acked: number[] = [];
    let killing = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const [word, num] = line.split(' ');
        if (word === 'start') start = Number(num);
        if (word === 'ack') acked.push(Number(num));
      }
      if (!killing && acked.length >= killAfter) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ start, acked, killed: signal === 'SIGKILL' });
    });
  });
}

async function checkRecovered(dir: string, run: Run): Promise<number> {
  const s = await openLmdbStorage({ path: dir, durable: true });
  try {
    const head = decodeHead(s.get('head'));
    const maxAcked = Math.max(-1, ...run.acked);
    assert.ok(maxAcked <= head, `acknowledged batch ${maxAcked} lost (head ${head})`);
    // Acks arrive in order and without gaps.
    assert.deepEqual(run.acked, Array.from({ length: run.acked.length }, (_, i) => run.start + i));
    const lowest = Math.max(0, head - KEEP + 1);
    for (let n = lowest; n <= head; n++) {
      const got = [...s.scan(batchPrefix(n))];
      assert.equal(got.length, KEYS_PER_BATCH, `batch ${n} partially present (${got.length} keys)`);
      got.forEach(([, v], j) => assert.deepEqual(v, batchValue(n, j)));
    }
    const batches = [...s.scan('b/')].length / KEYS_PER_BATCH;
    assert.equal(batches, head + 1 - lowest, 'batches outside the kept window (partial range delete?)');
    return head;
  } finally {
    await s.close();
  }
}

test('durable LMDB: kill -9 loses no acknowledged batch and leaves no partial batch', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'byz-crash-'));
  try {
    let lastHead = -1;
    for (let round = 0; round < 2; round++) {
      const killAfter = 1 + Math.floor(Math.random() * 40);
      const extraMs = Math.floor(Math.random() * 5);
      t.diagnostic(`round ${round}: kill after ${killAfter} acks + ${extraMs} ms`);
      const run = await runAndKill(dir, killAfter, extraMs);
      assert.ok(run.killed, 'child finished before it was killed');
      assert.equal(run.start, lastHead + 1, 'child did not resume after the recovered head');
      assert.ok(run.acked.length >= killAfter);
      lastHead = await checkRecovered(dir, run);
      t.diagnostic(`round ${round}: ${run.acked.length} acked, recovered head ${lastHead}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
