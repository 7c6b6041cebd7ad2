// The `byz` command line (bin/byz.mjs imports this file). Each command lives in its own module and
// exposes register<Name>(program); add new commands in registerCommands below.
// Exit codes shared by every command: 0 success, 1 the command ran and failed, 2 bad usage.

import { Command, CommanderError } from 'commander';
import { registerSim } from './sim.ts';
import { runDemo } from '../sim/demo.ts';

/** `byz start`: for now a narrated demo simulation (a later issue replaces it with a real node). */
function registerStart(program: Command): void {
  program
    .command('start')
    .description('run a narrated demo simulation of a 4-replica cluster (the real node comes later)')
    .action(() => {
      const summary = runDemo((line) => process.stdout.write(`${line}\n`));
      process.exitCode = summary.ok ? 0 : 1;
    });
}

export function registerCommands(program: Command): void {
  registerSim(program);
  registerStart(program);
}

export function buildProgram(): Command {
  const program = new Command('byz')
    .description('byzantium: Byzantine-fault-tolerant state machine replication (PBFT)')
    .showHelpAfterError('(run with --help for usage)')
    // Commander errors (unknown flag, missing value) become exit code 2 below; set before the
    // subcommands are added so they inherit it.
    .exitOverride();
  registerCommands(program);
  return program;
}

export function main(argv: readonly string[]): void {
  const program = buildProgram();
  try {
    program.parse([...argv]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  }
}

main(process.argv);
