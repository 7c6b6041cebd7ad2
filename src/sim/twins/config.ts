// How a Twins scenario is run: the timing of rounds, the clients, the network and the protocol
// parameters. Everything but the scenario itself; the defaults are what `byz twins` uses, and a
// replay command names every value that differs from them.

import type { EngineParams } from '../../engine/module.ts';
import { DEFAULT_PROTOCOL, findProtocol, protocolModule, PROTOCOL_NAMES } from '../../engine/registry.ts';

export interface TwinsConfig {
  /** The ordering protocol under test, by registry name (`--protocol`). */
  readonly protocol: string;
  /** Closed-loop clients; they submit ops during the rounds and stop at the heal. */
  readonly clients: number;
  /** Ticks per round: long enough for a view change, or a few, to complete (see docs/TWINS.md). */
  readonly roundTicks: number;
  /** After the heal every submitted op must commit within this many ticks (liveness). */
  readonly healTicks: number;
  /** One-way latency in ticks, uniform in [delayMin, delayMax]; links are FIFO, nothing is lost. */
  readonly delayMin: number;
  readonly delayMax: number;
  /** T, the view-change timeout (TOCS '02 §4.4); it doubles on each failed view change (§4.5.2). */
  readonly requestTimeoutTicks: number;
  /** K; the log window is 4K. Small, so checkpoints, garbage collection and state transfer happen. */
  readonly checkpointInterval: number;
  /** The client's first retransmission timeout (it then broadcasts to every replica, TOCS '02 §4.1). */
  readonly clientRetransmitTicks: number;
}

export const DEFAULT_TWINS_CONFIG: TwinsConfig = {
  protocol: DEFAULT_PROTOCOL,
  clients: 2,
  roundTicks: 120,
  healTicks: 3000,
  delayMin: 1,
  delayMax: 2,
  requestTimeoutTicks: 24,
  checkpointInterval: 4,
  clientRetransmitTicks: 12,
};

/**
 * The core's parameters for a Twins run: the defaults with the timers scaled to the short links;
 * own messages are re-sent after 8 worst one-way latencies (fewer resends of large VIEW-CHANGEs
 * during the long view changes of these runs).
 */
export function twinsParams(c: TwinsConfig): EngineParams {
  return {
    ...protocolModule(c.protocol).params.defaults,
    checkpointInterval: c.checkpointInterval,
    windowSize: 4 * c.checkpointInterval,
    batchTimeoutTicks: 2 * c.delayMax,
    retransmitTicks: 8 * c.delayMax,
    requestTimeoutTicks: c.requestTimeoutTicks,
  };
}

const isInt = (v: number, min: number, max: number): boolean => Number.isSafeInteger(v) && v >= min && v <= max;

/** Problems with a configuration, each naming the CLI flag (empty when usable). */
export function validateTwinsConfig(c: TwinsConfig): string[] {
  const p: string[] = [];
  if (findProtocol(c.protocol) === undefined) p.push(`--protocol must be one of ${PROTOCOL_NAMES.join(', ')}, got ${c.protocol}`);
  if (!isInt(c.clients, 1, 64)) p.push(`--clients must be an integer in [1, 64], got ${c.clients}`);
  if (!isInt(c.roundTicks, 1, 1_000_000)) p.push(`--round-ticks must be an integer in [1, 1000000], got ${c.roundTicks}`);
  if (!isInt(c.healTicks, 1, 10_000_000)) p.push(`--heal-ticks must be an integer in [1, 10000000], got ${c.healTicks}`);
  if (!isInt(c.delayMin, 1, 1000) || !isInt(c.delayMax, c.delayMin, 1000)) p.push(`delays must satisfy 1 ≤ min ≤ max ≤ 1000, got ${c.delayMin}:${c.delayMax}`);
  if (!isInt(c.requestTimeoutTicks, 1, 1_000_000)) p.push(`requestTimeoutTicks must be a positive integer, got ${c.requestTimeoutTicks}`);
  if (!isInt(c.checkpointInterval, 2, 4096)) p.push(`checkpointInterval must be an integer in [2, 4096], got ${c.checkpointInterval}`);
  if (!isInt(c.clientRetransmitTicks, 1, 1_000_000)) p.push(`clientRetransmitTicks must be a positive integer, got ${c.clientRetransmitTicks}`);
  return p;
}

/** The flags that reproduce `c` on the `byz twins` command line (only those that differ from the defaults). */
export function configFlags(c: TwinsConfig): string[] {
  const d = DEFAULT_TWINS_CONFIG;
  const flags: string[] = [];
  if (c.protocol !== d.protocol) flags.push(`--protocol ${c.protocol}`);
  if (c.clients !== d.clients) flags.push(`--clients ${c.clients}`);
  if (c.roundTicks !== d.roundTicks) flags.push(`--round-ticks ${c.roundTicks}`);
  if (c.healTicks !== d.healTicks) flags.push(`--heal-ticks ${c.healTicks}`);
  return flags;
}

/** The values without a flag: a configuration that changes them (a test's) is named in the replay. */
function unflagged(c: TwinsConfig): string[] {
  const d = DEFAULT_TWINS_CONFIG;
  const out: string[] = [];
  if (c.delayMin !== d.delayMin || c.delayMax !== d.delayMax) out.push(`delay ${c.delayMin}:${c.delayMax}`);
  if (c.requestTimeoutTicks !== d.requestTimeoutTicks) out.push(`requestTimeoutTicks ${c.requestTimeoutTicks}`);
  if (c.checkpointInterval !== d.checkpointInterval) out.push(`checkpointInterval ${c.checkpointInterval}`);
  if (c.clientRetransmitTicks !== d.clientRetransmitTicks) out.push(`clientRetransmitTicks ${c.clientRetransmitTicks}`);
  return out;
}

/** The command that replays one scenario under this configuration. */
export function replayCommand(encoded: string, c: TwinsConfig): string {
  const cmd = ['npx byz twins', ...configFlags(c), `--scenario "${encoded}"`].join(' ');
  const other = unflagged(c);
  return other.length === 0 ? cmd : `${cmd}  # with TwinsConfig ${other.join(', ')} (no CLI flag)`;
}
