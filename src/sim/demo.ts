// A narrated demo simulation for `npm start` until the real node exists: four replicas, a few
// hundred ops, a partition that cuts the primary off and heals, and the final summary. The caller
// supplies `print` (the simulator itself never writes to the console).

import type { CoreEvent } from '../protocol/types.ts';
import type { ReplicaId } from '../core/ids.ts';
import type { SimOptions } from './options.ts';
import { DEFAULT_SIM_OPTIONS, formatPartition } from './options.ts';
import type { SimSummary } from './summary.ts';
import { formatSummary } from './summary.ts';
import { createSimulation } from './run.ts';
import { faultsTolerated } from '../core/quorum.ts';

export const DEMO_OPTIONS: SimOptions = {
  ...DEFAULT_SIM_OPTIONS,
  replicas: 4,
  clients: 4,
  ops: 400,
  seed: 7,
  loss: 0.02,
  partitions: [{ groups: [[0], [1, 2, 3]], from: 150, to: 700 }],
};

/** How many proposed batches are narrated one by one before switching to periodic progress lines. */
const NARRATED_BATCHES = 5;

export function runDemo(print: (line: string) => void, options: SimOptions = DEMO_OPTIONS): SimSummary {
  const at = (tick: number): string => `[tick ${String(tick).padStart(5)}]`;
  let batches = 0;
  let lastStable = 0;
  const narrate = (r: ReplicaId, ev: CoreEvent, tick: number): void => {
    switch (ev.type) {
      case 'batch-proposed':
        batches++;
        if (batches <= NARRATED_BATCHES) print(`${at(tick)} primary ${r} proposes batch seq ${ev.seq} with ${ev.size} request(s)`);
        if (batches === NARRATED_BATCHES) print(`${at(tick)} … (further batches are summarised below)`);
        return;
      case 'view-change-started':
        print(`${at(tick)} replica ${r} gave up on its primary and asks for view ${ev.view}`);
        return;
      case 'new-view-installed':
        print(`${at(tick)} replica ${r} enters view ${ev.view}; the primary is now replica ${ev.primary}`);
        return;
      case 'checkpoint-stable':
        if (ev.seq > lastStable) {
          lastStable = ev.seq;
          print(`${at(tick)} checkpoint at seq ${ev.seq} is stable (2f+1 replicas signed the same state); the log below it is discarded`);
        }
        return;
      case 'state-transfer-started':
        print(`${at(tick)} replica ${r} is behind and fetches the state at seq ${ev.seq} from replica ${ev.from}`);
        return;
      case 'state-transfer-done':
        print(`${at(tick)} replica ${r} caught up to seq ${ev.seq}`);
        return;
      case 'drop':
      case 'leader-suspected':
      case 'fault-found':
      case 'evidence':
      case 'peer-state':
      case 'threat-level':
        return;
    }
  };
  const n = options.replicas;
  print(`byzantium demo: a simulated PBFT cluster of ${n} replicas tolerating f=${faultsTolerated(n)} Byzantine fault(s)`);
  print(`${options.clients} clients run a mixed key-value workload (put/get/delete/cas) until ${options.ops} ops commit; seed ${options.seed}.`);
  print(`Every message goes through the codec and signature checks; the network loses ${options.loss * 100}% of messages.`);
  print(`${at(0)} view 0: the primary is replica 0`);
  const sim = createSimulation(options, {
    onCoreEvent: narrate,
    onPartition(kind, index, tick) {
      const p = options.partitions[index];
      if (p === undefined) return;
      print(kind === 'formed' ? `${at(tick)} partition ${formatPartition(p)}: these groups can no longer talk` : `${at(tick)} the partition heals`);
    },
    onAccepted(committed, tick) {
      if (committed % 50 === 0) print(`${at(tick)} ${committed} ops committed`);
    },
  });
  while (sim.step()) {
    // the observers narrate as the run goes
  }
  const summary = sim.summary();
  print('');
  print(formatSummary(summary, options));
  return summary;
}
