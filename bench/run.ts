// `npm run bench [-- flags]`: the same as `byz bench [flags]` (see bench/README.md).
import { Command } from 'commander';
import { registerBench } from '../src/cli/bench.ts';

const program = new Command('npm run').description('byzantium benchmarks').exitOverride();
registerBench(program);
try {
  await program.parseAsync(['bench', ...process.argv.slice(2)], { from: 'user' });
} catch (e) {
  // Commander has printed usage errors already; --help exits 0.
  process.exitCode = (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
}
