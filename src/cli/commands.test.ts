// The lazy command table (commands.ts) against the modules: every registered command is in the table
// with the description its module gives it, and `byz --help` lists them all without loading any.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { COMMANDS } from './commands.ts';

test('the table names every command a module registers, with the same one-line summary', async () => {
  const program = new Command('byz');
  for (const c of COMMANDS) (await c.load())(program);
  const registered = new Map(program.commands.map((c) => [c.name(), c.description()]));
  const listed = new Map(COMMANDS.flatMap((c) => c.names.map((name, i) => [name, c.summaries[i]] as const)));
  assert.deepEqual([...listed.keys()].sort(), [...registered.keys()].sort(), 'table names = registered names');
  for (const [name, summary] of listed) assert.equal(summary, registered.get(name), `summary of ${name}`);
});

test('byz --help lists every command; a command still has its own help; a typo exits 2', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  const help = run('--help');
  assert.equal(help.status, 0, help.stderr);
  for (const c of COMMANDS) for (const name of c.names) assert.match(help.stdout, new RegExp(`\\n  ${name}\\b`), `${name} in --help`);
  const sim = run('help', 'sim');
  assert.equal(sim.status, 0, sim.stderr);
  assert.match(sim.stdout, /--seeds/, 'byz help sim shows the real options');
  const typo = run('simm');
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /unknown command 'simm'/);
});
