// One worker thread of a parallel sweep (src/cli/sweep-jobs.ts): takes seed numbers, runs each as the
// sequential sweep does (runSweepSeed) and answers with its outcome.

import { parentPort, workerData } from 'node:worker_threads';
import type { SimOptions } from '../sim/options.ts';
import { runSweepSeed } from '../sim/sweep.ts';
import { loadAppModule } from '../app-loader/load.ts';
import type { SweepWorkerData, SweepWorkerReply } from './sweep-jobs.ts';

const port = parentPort;
if (port === null) throw new Error('sweep-worker.ts runs as a worker thread of src/cli/sweep-jobs.ts');
const data = workerData as SweepWorkerData;
const reply = (r: SweepWorkerReply): void => port.postMessage(r);

async function options(): Promise<SimOptions> {
  if (data.appPath === undefined) return data.base;
  const loaded = await loadAppModule(data.appPath);
  if (!loaded.ok) throw new Error(loaded.error);
  const { name, create, workload } = loaded.value;
  if (workload === undefined) throw new Error(`--app ${data.appPath}: the module exports no workload`);
  return { ...data.base, app: { path: data.appPath, name, create, workload } };
}

const fixed = new Set(data.fixed);
options().then(
  (base) => {
    port.on('message', (seed: number) => {
      try {
        reply({ type: 'outcome', outcome: runSweepSeed(base, seed, fixed).outcome });
      } catch (e) {
        reply({ type: 'error', seed, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    });
  },
  (e: unknown) => reply({ type: 'error', seed: undefined, message: e instanceof Error ? e.message : String(e) }),
);
