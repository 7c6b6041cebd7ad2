// The command table (src/cli/commands.ts) against the command modules, and lazy loading: `byz --help`
// imports no command module, `byz get --help` imports only src/cli/client-commands.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Help } from 'commander';
import { COMMANDS } from './commands.ts';
import type { Register } from './commands.ts';
import { buildProgram, commandWord } from './program.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const term = (entry: { name: string; args: string }): string => [entry.name, entry.args].filter((s) => s !== '').join(' ');

test('every command module registers exactly its table names, with the arguments the table shows', async () => {
  const loaders = [...new Set(COMMANDS.map((c) => c.load))];
  for (const load of loaders) {
    const program = new Command('byz');
    const register: Register = await load();
    register(program);
    const expected = COMMANDS.filter((c) => c.load === load);
    assert.deepEqual(program.commands.map((c) => c.name()).sort(), expected.map((c) => c.name).sort());
    for (const entry of expected) {
      const cmd = program.commands.find((c) => c.name() === entry.name);
      assert.ok(cmd !== undefined);
      assert.equal(term(entry), new Help().subcommandTerm(cmd), `table args of "${entry.name}"`);
      assert.equal(cmd.description(), '', `"${entry.name}" sets its own description; its summary lives only in src/cli/commands.ts`);
    }
  }
  assert.equal(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length, 'command names are unique');
});

test('the command word: first non-option argument, or the one after help', () => {
  assert.equal(commandWord(['get', 'k', '--json']), 'get');
  assert.equal(commandWord(['--help']), undefined);
  assert.equal(commandWord(['help', 'get']), 'get');
  assert.equal(commandWord(['-h', 'sim', '--seed', '3']), 'sim');
});

test('buildProgram loads only the named command module; help lists every command with its summary', async () => {
  const help = await buildProgram(['--help']);
  assert.deepEqual(help.loaded, []);
  const text = help.program.helpInformation();
  for (const entry of COMMANDS) {
    assert.ok(text.includes(`  ${term(entry)} `), `help lists "${term(entry)}"`);
    assert.ok(text.replace(/\s+/g, ' ').includes(entry.summary), `help shows the summary of "${entry.name}"`);
  }
  assert.deepEqual((await buildProgram(['get', 'k'])).loaded, ['put', 'get', 'del', 'cas']);
  assert.deepEqual((await buildProgram(['help', 'sim'])).loaded, ['sim']);
  assert.deepEqual((await buildProgram(['bogus'])).loaded, []);
  const get = (await buildProgram(['get', 'k'])).program.commands.find((c) => c.name() === 'get');
  assert.equal(get?.description(), COMMANDS.find((c) => c.name === 'get')?.summary);
  const sim = (await buildProgram(['help', 'sim'])).program.commands.find((c) => c.name() === 'sim');
  assert.ok(sim?.options.some((o) => o.long === '--seeds'), 'byz help sim shows the real options');
});

test('a mistyped command is commander\'s unknown-command error (exit 2 in main), with every command loaded as a stub', async () => {
  const { program } = await buildProgram(['simm']);
  let err = '';
  program.configureOutput({ writeErr: (s) => (err += s), writeOut: () => undefined });
  await assert.rejects(program.parseAsync(['node', 'byz', 'simm']), (e) => e instanceof CommanderError && e.code === 'commander.unknownCommand');
  assert.match(err, /unknown command 'simm'\n\(Did you mean sim\?\)/);
  assert.match(err, /\(run with --help for usage\)/);
});

/** The src/ files a `byz ARGS` process imports, traced by a resolve hook (registered after tsx). */
function importedFiles(args: readonly string[]): { files: string[]; status: number | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'byz-trace-'));
  const trace = join(dir, 'trace.txt');
  const hooks = `import { appendFileSync } from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.BYZ_TRACE_FILE, r.url + '\\n'); return r; }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(register)}`, 'src/cli/main.ts', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, BYZ_TRACE_FILE: trace },
    });
    const urls = readFileSync(trace, 'utf8').split('\n');
    const files = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).slice(root.length)).filter((f) => f.startsWith('src/'));
    return { files: [...new Set(files)].sort(), status: r.status, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('byz --help imports no command module; byz get --help imports the client commands and no other command', () => {
  const help = importedFiles(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /validate \[options\]/);
  assert.deepEqual(help.files, ['src/cli/commands.ts', 'src/cli/main.ts', 'src/cli/program.ts', 'src/cli/runtime.ts']);
  // The tracer's positive control: the module that runs is seen.
  const get = importedFiles(['get', '--help']);
  assert.equal(get.status, 0);
  assert.ok(get.files.includes('src/cli/client-commands.ts'), get.files.join(' '));
  for (const heavy of ['src/cli/sim.ts', 'src/cli/node.ts', 'src/cli/bench.ts', 'src/cli/gateway.ts', 'src/cli/validate.ts', 'src/cli/twins.ts', 'src/sim/demo.ts']) {
    assert.ok(!get.files.includes(heavy), `byz get imports ${heavy}`);
  }
});
