// The `byz` command line (bin/byz.mjs runs this file: dist/cli/main.js, or main.ts through tsx). Each command lives in its own module and
// exposes register<Name>(program); add new commands in registerCommands below.
// Exit codes shared by every command: 0 success, 1 the command ran and failed, 2 bad usage.

import { Command, CommanderError } from 'commander';
import { registerSim } from './sim.ts';
import { registerKeygen } from './keygen.ts';
import { registerInit } from './init.ts';
import { registerNode } from './node.ts';
import { registerStart } from './start.ts';
import { registerClientCommands } from './client-commands.ts';
import { registerGateway } from './gateway.ts';
import { registerTour } from './tour.ts';
import { registerBench } from './bench.ts';
import { registerEvidence } from './evidence.ts';
import { registerAudit } from './audit.ts';
import { registerTwins } from './twins.ts';
import { registerValidate } from './validate.ts';
import { runDemo } from '../sim/demo.ts';
import { packageVersion } from './runtime.ts';

/** `byz demo`: a narrated simulation of a 4-replica cluster (primary, batches, a partition that heals). */
function registerDemo(program: Command): void {
  program
    .command('sim-demo')
    .description('narrate a deterministic simulation of a 4-replica cluster: batches, a partition, a view change')
    .action(() => {
      const summary = runDemo((line) => process.stdout.write(`${line}\n`));
      process.exitCode = summary.ok ? 0 : 1;
    });
}

/** Every command of `byz`; a new command module exports register<Name>(program) and is added here. */
export function registerCommands(program: Command): void {
  registerSim(program);
  registerDemo(program);
  registerKeygen(program);
  registerInit(program);
  registerNode(program);
  registerClientCommands(program);
  registerGateway(program);
  registerTour(program);
  registerStart(program);
  registerBench(program);
  registerEvidence(program);
  registerAudit(program);
  registerTwins(program);
  registerValidate(program);
}

export function buildProgram(): Command {
  const program = new Command('byz')
    .description('byzantium: Byzantine-fault-tolerant state machine replication (PBFT)')
    .version(packageVersion(), '-V, --version', 'print the package version')
    .showHelpAfterError('(run with --help for usage)')
    // Commander errors (unknown flag, missing value) become exit code 2 below; set before the
    // subcommands are added so they inherit it.
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  }
}

await main(process.argv);
