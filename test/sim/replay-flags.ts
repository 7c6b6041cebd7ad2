// The flags of a printed `npx byz sim …` replay command, as commander would hand them over: shared
// by the tests that check a printed command reproduces its run (byzantine.test.ts, sweep-options.test.ts).

import type { RawSimFlags } from '../../src/cli/sim.ts';

/** Flags that may be given more than once (commander collects them into a list). */
const REPEATED = ['partition', 'oneWay', 'pause', 'crash', 'restart', 'plantedBug'];

export function flagsOfReplay(replay: string): RawSimFlags {
  const words = replay.replace(/^npx byz sim /, '').match(/"[^"]*"|\S+/g) ?? [];
  const args = words.map((w) => w.replace(/^"|"$/g, ''));
  const raw: Record<string, string | boolean | string[]> = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) raw[flag] = true;
    else {
      raw[flag] = REPEATED.includes(flag) ? [...((raw[flag] as string[] | undefined) ?? []), next] : next;
      i++;
    }
  }
  return raw;
}
