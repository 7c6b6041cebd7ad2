// The `byz` command line (bin/byz.mjs runs this file: dist/cli/main.js, or main.ts through tsx).
// Each command lives in its own module, listed in src/cli/commands.ts and imported only when that
// command runs (src/cli/program.ts). Exit codes: 0 success, 1 the command ran and failed, 2 bad usage.

import { CommanderError } from 'commander';
import { buildProgram } from './program.ts';

export async function main(argv: readonly string[]): Promise<void> {
  const { program } = await buildProgram(argv.slice(2));
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  }
}

await main(process.argv);
