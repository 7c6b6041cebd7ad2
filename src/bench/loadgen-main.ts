// Entry of the load-generator child process (forked by the bench runner, driven over IPC).
//   env BYZ_BENCH_LOAD = JSON { configPath, clientKeyPath, spec: LoadSpec }
//   parent → child: { type: 'begin' } | { type: 'end' } | { type: 'rate', rate } | { type: 'quit' }
//   child → parent: { type: 'ready', sessions } | { type: 'begun' } | { type: 'window', stats } | { type: 'error', message }

import { loadClusterConfig, loadKeyFile } from '../config/index.ts';
import type { LoadSpec } from './loadgen.ts';
import { startLoad } from './loadgen.ts';

export interface LoadChildInput {
  readonly configPath: string;
  readonly clientKeyPath: string;
  readonly spec: LoadSpec;
}

export type ParentMessage = { type: 'begin' } | { type: 'end' } | { type: 'rate'; rate: number } | { type: 'quit' };

const send = (m: unknown): void => {
  process.send?.(m);
};
const log = (s: string): void => void process.stderr.write(`  [load] ${s}\n`);

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BYZ_BENCH_LOAD ?? '{}') as LoadChildInput;
  const config = loadClusterConfig(input.configPath);
  const key = loadKeyFile(input.clientKeyPath);
  if (!config.ok || !key.ok) throw new Error(`load generator: cannot read ${input.configPath} or ${input.clientKeyPath}`);
  const load = await startLoad(config.value, key.value.seed, input.spec, log);
  process.on('message', (m: ParentMessage) => {
    switch (m.type) {
      case 'begin':
        load.beginWindow();
        send({ type: 'begun' });
        return;
      case 'end':
        send({ type: 'window', stats: load.endWindow() });
        return;
      case 'rate':
        load.setRate(m.rate);
        return;
      case 'quit':
        void load.stop().then(() => process.exit(0));
        return;
    }
  });
  send({ type: 'ready', sessions: load.sessions });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
