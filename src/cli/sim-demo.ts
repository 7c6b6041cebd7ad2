// `byz sim-demo`: a narrated simulation of a 4-replica cluster (primary, batches, a partition that
// heals, a view change). Its summary lives in src/cli/commands.ts.

import type { Command } from 'commander';
import { runDemo } from '../sim/demo.ts';

export function registerSimDemo(program: Command): void {
  program.command('sim-demo').action(() => {
    const summary = runDemo((line) => process.stdout.write(`${line}\n`));
    process.exitCode = summary.ok ? 0 : 1;
  });
}
