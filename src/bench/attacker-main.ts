// Entry of the attacker child process of a client attack (`byz bench --attack c:NAME`): the malicious
// clients (malicious.ts) in a process of their own, apart from the honest load generator, as an
// attacker's own machine would be — so their work does not slow the honest clients' event loop.
//   env BYZ_BENCH_ATTACKER = JSON { configPath, clientKeyPath, spec: MaliciousSpec }
//   parent → child: { type: 'attack' } (start sending) | { type: 'halt' } (stop, report) | { type: 'quit' }
//   child → parent: { type: 'ready' } (connected, first periods prepared) | { type: 'attacking' }
//                   | { type: 'halted', report: MaliciousReport } | { type: 'error', message }

import { loadClusterConfig, loadKeyFile } from '../config/index.ts';
import type { MaliciousReport, MaliciousSpec } from './malicious.ts';
import { startMaliciousClients } from './malicious.ts';

export interface AttackerChildInput {
  readonly configPath: string;
  readonly clientKeyPath: string;
  readonly spec: MaliciousSpec;
}

export type AttackerMessage = { type: 'attack' } | { type: 'halt' } | { type: 'quit' };

export interface AttackerHalted {
  readonly report: MaliciousReport;
}

const send = (m: unknown): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BYZ_BENCH_ATTACKER ?? '{}') as AttackerChildInput;
  const config = loadClusterConfig(input.configPath);
  const key = loadKeyFile(input.clientKeyPath);
  if (!config.ok || !key.ok) throw new Error(`attacker: cannot read ${input.configPath} or ${input.clientKeyPath}`);
  const bad = await startMaliciousClients(config.value, key.value.seed, input.spec);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= bad.stop());
  process.on('message', (m: AttackerMessage) => {
    switch (m.type) {
      case 'attack':
        bad.start();
        send({ type: 'attacking' });
        return;
      case 'halt':
        void stop().then(() => send({ type: 'halted', report: bad.report() } satisfies AttackerHalted & { type: string }));
        return;
      case 'quit':
        void stop().then(() => process.exit(0));
        return;
    }
  });
  send({ type: 'ready' });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
