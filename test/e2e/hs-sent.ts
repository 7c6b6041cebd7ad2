// Checks a HotStuff replica's sent-message log (hex lines written before each send, across all its
// lives) with the simulator's contradiction checker (src/sim/contradiction.ts; Jolteon, FC '22 §4):
// one vote and one proposal per round, rounds only grow, no vote in a round it timed out in.

import { fromHex } from '../../src/core/ids.ts';
import { decodeMessage, isClientMessage } from '../../src/wire/codec.ts';
import { createContradictionChecker } from '../../src/sim/contradiction.ts';

/** `stateFetches`: FETCH-STATEs sent (a state transfer, src/hotstuff/transfer.ts). */
export function hsSentCheck(logText: string): { messages: number; votes: number; stateFetches: number; byType: Record<string, number>; violations: string[] } {
  const checker = createContradictionChecker(() => undefined);
  const violations: string[] = [];
  let messages = 0;
  let votes = 0;
  let stateFetches = 0;
  const byType: Record<string, number> = {};
  for (const line of logText.split('\n')) {
    const bytes = line.length === 0 ? undefined : fromHex(line);
    if (bytes === undefined) continue; // empty, or a line cut short by kill -9
    const d = decodeMessage(bytes);
    if (!d.ok || isClientMessage(d.value)) continue;
    const m = d.value;
    messages++;
    byType[m.type] = (byType[m.type] ?? 0) + 1;
    if (m.type === 'hs-vote') votes++;
    if (m.type === 'fetch-state') stateFetches++;
    const v = checker.onSent(m.replica, m, bytes, 0);
    if (v !== undefined) violations.push(JSON.stringify(v));
  }
  return { messages, votes, stateFetches, byType, violations };
}
