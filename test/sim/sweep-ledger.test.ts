// bench/sweep-ledger.ts, the long sweep that adds up across sessions: each run appends one JSON line
// per chunk, resumes every family after its last chunk, gives the next chunk to the family with the
// fewest seeds, --report sums the ledger (exit 1 when it holds a failure), and --recheck runs each
// recorded failure again on this tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'bench/sweep-ledger.ts', ...args], { cwd: root, encoding: 'utf8' });

test('the sweep ledger appends a chunk per run, resumes each family after its seeds, and reports the sum', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byz-ledger-'));
  const ledger = join(dir, 'ledger.jsonl');
  try {
    for (let i = 0; i < 2; i++) {
      const r = run(['--chunk', '2', '--jobs', '1', '--hours', '0.000001', '--ledger', ledger]);
      assert.equal(r.status, 0, r.stderr);
    }
    const chunks = readFileSync(ledger, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { family: string; firstSeed: number; seeds: number; passed: number; failures: unknown[] });
    assert.deepEqual(chunks.map((c) => [c.family, c.firstSeed, c.seeds, c.passed, c.failures.length]), [
      ['pbft-n4-byzantine', 10_000_000, 2, 2, 0],
      ['pbft-n4-honest-16-clients', 20_000_000, 2, 2, 0],
    ]);
    // A third line for the first family: the next run of it starts after its seeds.
    appendFileSync(ledger, `${JSON.stringify({ ...chunks[0], firstSeed: 10_000_002, failures: [{ seed: 10_000_003, reason: 'violation', detail: 'planted', replay: 'npx byz sim …' }], passed: 1 })}\n`);
    const rep = run(['--report', '--ledger', ledger]);
    assert.equal(rep.status, 1, 'a ledger with a failure reports it and exits 1');
    assert.match(rep.stdout, /\| \*\*all\*\* \| \*\*6\*\* \| \*\*1\*\* \|/);
    assert.match(rep.stdout, /FAILED pbft-n4-byzantine seed 10000003 .*planted/);
    assert.match(rep.stdout, /10,000,000\.\.10,000,003/);
    // --recheck runs the recorded failure again on this tree: the planted one is a seed that passes.
    const again = run(['--recheck', '--ledger', ledger]);
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /^passes at \S+: pbft-n4-byzantine seed 10000003 \(failed at /m);
    appendFileSync(ledger, `${JSON.stringify({ ...chunks[0], family: 'gone', failures: [{ seed: 1, reason: 'violation', detail: 'x', replay: 'y' }] })}\n`);
    const unknown = run(['--recheck', '--ledger', ledger]);
    assert.equal(unknown.status, 1, 'a failure that cannot be rechecked counts as still failing');
    assert.match(unknown.stdout, /UNKNOWN FAMILY gone \(seed 1\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sweep ledger refuses bad flags and unreadable ledgers with a message', () => {
  const bad = run(['--chunk', '0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /usage: bench\/sweep-ledger\.ts/);
  const dir = mkdtempSync(join(tmpdir(), 'byz-ledger-'));
  try {
    const ledger = join(dir, 'ledger.jsonl');
    appendFileSync(ledger, 'not json\n');
    const r = run(['--report', '--ledger', ledger]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /ledger\.jsonl:1: not a JSON line/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
