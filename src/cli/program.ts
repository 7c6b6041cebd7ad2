// Builds the `byz` program for one command line, importing only the module of the command it names
// (src/cli/commands.ts): every other command is a stub with its name, arguments and summary, so
// `byz --help` lists them all and an unknown command still gets commander's error and suggestion.
// Exit codes shared by every command: 0 success, 1 the command ran and failed, 2 bad usage.

import { Command, Help } from 'commander';
import { COMMANDS } from './commands.ts';
import type { CommandEntry } from './commands.ts';
import { packageVersion } from './runtime.ts';

/**
 * The command a command line names (`args` without node and the script): its first word that is not
 * an option (top-level options take no value), or the word after `help` (`byz help get`).
 */
export function commandWord(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** The program for `args` and the names of the commands whose modules were imported for it. */
export async function buildProgram(args: readonly string[]): Promise<{ program: Command; loaded: string[] }> {
  const stubTerms = new Map<Command, string>();
  const defaultHelp = new Help();
  const program = new Command('byz')
    .description('byzantium: Byzantine-fault-tolerant state machine replication (PBFT)')
    .version(packageVersion(), '-V, --version', 'print the package version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ subcommandTerm: (cmd) => stubTerms.get(cmd) ?? defaultHelp.subcommandTerm(cmd) })
    // Commander errors (unknown flag, missing value) become exit code 2 in main; set before the
    // subcommands are added so they inherit it.
    .exitOverride();
  const word = commandWord(args);
  const wanted = COMMANDS.find((c) => c.name === word);
  const loaded: string[] = [];
  for (const entry of COMMANDS) {
    if (wanted !== undefined && entry.load === wanted.load) {
      if (loaded.length === 0) (await entry.load())(program);
      loaded.push(entry.name);
    } else {
      stubTerms.set(program.command(entry.name), [entry.name, entry.args].filter((s) => s !== '').join(' '));
    }
  }
  describe(program);
  return { program, loaded };
}

/** Sets every top-level command's description from the table (the one place for the summaries). */
function describe(program: Command): void {
  const byName = new Map<string, CommandEntry>(COMMANDS.map((c) => [c.name, c]));
  for (const cmd of program.commands) {
    const entry = byName.get(cmd.name());
    if (entry !== undefined) cmd.description(entry.summary);
  }
}
