// Entry of the load-generator child process (forked by the bench runner, driven over IPC).
//   env BYZ_BENCH_LOAD = JSON { configPath, clientKeyPath, spec: LoadSpec }
//   parent → child: { type: 'begin' } | { type: 'end' } | { type: 'rate', rate } | { type: 'quit' }
//                   | { type: 'attack' } (track acknowledged puts from now on; malicious clients run in
//                     their own child, attacker-main.ts)
//                   | { type: 'halt' } (stop all load, report the tracked puts)
//   child → parent: { type: 'ready', sessions } | { type: 'begun' } | { type: 'window', stats } | { type: 'error', message }
//                   | { type: 'attacking' } | { type: 'halted', writes }

import { loadClusterConfig, loadKeyFile } from '../config/index.ts';
import type { LoadSpec } from './loadgen.ts';
import { startLoad } from './loadgen.ts';

export interface LoadChildInput {
  readonly configPath: string;
  readonly clientKeyPath: string;
  readonly spec: LoadSpec;
}

export type ParentMessage = { type: 'begin' } | { type: 'end' } | { type: 'rate'; rate: number } | { type: 'quit' } | { type: 'attack' } | { type: 'halt' };

/** The child's answer to 'halt': the acknowledged puts since 'attack' (a sample). */
export interface Halted {
  readonly writes: readonly (readonly [string, string])[];
}

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
  let stopped: Promise<unknown> | undefined;
  const stopAll = (): Promise<unknown> => (stopped ??= load.stop());
  process.on('message', (m: ParentMessage) => {
    switch (m.type) {
      case 'attack':
        load.track();
        send({ type: 'attacking' });
        return;
      case 'halt':
        void stopAll().then(() => send({ type: 'halted', writes: load.tracked() } satisfies Halted & { type: string }));
        return;
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
        void stopAll().then(() => process.exit(0));
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
