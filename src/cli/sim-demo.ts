// `byz sim-demo`: a narrated simulation of a 4-replica cluster (primary, batches, a partition that heals).

import type { Command } from 'commander';
import { runDemo } from '../sim/demo.ts';

export function registerSimDemo(program: Command): void {
  program
    .command('sim-demo')
    .description('narrate a deterministic simulation of a 4-replica cluster: batches, a partition, a view change')
    .action(() => {
      const summary = runDemo((line) => process.stdout.write(`${line}\n`));
      process.exitCode = summary.ok ? 0 : 1;
    });
}
