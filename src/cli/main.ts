// The `byz` command line (bin/byz.mjs runs this file: dist/cli/main.js, or main.ts through tsx).
// Commands live in their own modules, listed in commands.ts and imported only when they run: `byz
// --help` and a mistyped command import none of them, `byz get` only the client commands.
// Exit codes shared by every command: 0 success, 1 the command ran and failed, 2 bad usage.

import { Command, CommanderError } from 'commander';
import { COMMANDS, commandEntry } from './commands.ts';
import { packageVersion } from './runtime.ts';

function baseProgram(): Command {
  return (
    new Command('byz')
      .description('byzantium: Byzantine-fault-tolerant state machine replication (PBFT)')
      .version(packageVersion(), '-V, --version', 'print the package version')
      .showHelpAfterError('(run with --help for usage)')
      // Commander errors (unknown flag, missing value) become exit code 2 below; set before the
      // subcommands are added so they inherit it.
      .exitOverride()
  );
}

/** The command a command line names: its first argument that is not an option (`help CMD`: CMD). */
function commandName(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * The program for this command line: the named command's module registers it; with no known
 * command (`--help`, `--version`, a typo) every command is listed from the table, unloaded.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = baseProgram();
  const entry = commandEntry(commandName(argv) ?? '');
  if (entry !== undefined) {
    (await entry.load())(program);
    return program;
  }
  for (const c of COMMANDS) c.names.forEach((name, i) => program.command(name).description(c.summaries[i] ?? ''));
  return program;
}

/** Every command, registered from its module (tests; `byz` itself loads only the one it runs). */
export async function registerCommands(program: Command): Promise<void> {
  for (const c of COMMANDS) (await c.load())(program);
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  }
}

await main(process.argv);
