// What every protocol core is built from and what it offers (src/engine/module.ts builds on it; a
// protocol folder's own options extend it, e.g. src/pbft/replica.ts).

import type { ClientId, PublicKey, ReplicaId, ReqNo, Seq } from '../core/ids.ts';
import type { HashFn, Signer, VerifyFn } from '../core/crypto-port.ts';
import type { App } from '../app/types.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { CertifiedState, ExecutedState, Protocol, ReplicaStatus } from './types.ts';

/**
 * The core's own state invariants, checked after every input (a violation throws: a bug in this
 * replica, never a peer's fault): 'all' (tests), 'cheap' (time bounded by n; the default, what the
 * production node runs), 'off'. The simulator runs 'cheap' after every input and the whole set
 * (ProtocolCore.invariantViolations('all')) after each replica step, before the step's output leaves.
 */
export type InvariantChecks = 'all' | 'cheap' | 'off';

/** What a protocol core needs to run one replica (the service is built inside from `app`). */
export interface CoreOptions<P> {
  readonly id: ReplicaId;
  readonly n: number;
  readonly replicaKeys: readonly PublicKey[];
  readonly signer: Signer;
  /** What every signature and reply MAC covers: cluster id, epoch, protocol (src/wire/domain.ts). */
  readonly domain: SigningDomain;
  readonly hash: HashFn;
  /**
   * requestAuth "shared" (docs/PROTOCOL.md §5.1): the signature check the core runs on the batched
   * requests assigned to it and, at execution, on those f+1 replicas did not vouch for. Its presence
   * selects the mode; a protocol without verdicts in its votes (HotStuff) refuses it.
   */
  readonly sharedRequestAuth?: VerifyFn;
  readonly app: App;
  readonly params: P;
  /** Planted bugs, tests only (each module defines its own; unknown names are ignored). */
  readonly bugs?: Readonly<Record<string, boolean>>;
  readonly checkInvariants?: InvariantChecks;
  /**
   * Tests only: the whole-state checker also reports a change to the core's state that skipped the
   * mark it relies on to skip unchanged parts (PBFT: a log slot changed without `LogEntry.changed`,
   * src/pbft/invariants.ts wholeStateCheck). Costs a copy of every slot's contents per check; a core
   * without such marks ignores it.
   */
  readonly auditChangeMarks?: boolean;
}

/** A running protocol core: pure handle(input) → output, plus a status snapshot. */
export interface ProtocolCore extends Protocol {
  status(): ReplicaStatus;
  /**
   * The state after the last executed sequence number, for on-demand certificate shares
   * (docs/PROTOCOL.md §4c); undefined while that state is not whole (a state transfer or catch-up
   * is under way) or the app has no state root to prove against. Reads only: the core is unchanged.
   */
  executedState(): ExecutedState | undefined;
  /**
   * Asks for the state right after `seq` to be captured when it executes, reported as that
   * ExecutedBatch's `state` (on-demand certificate shares at a given seq, docs/PROTOCOL.md §4c).
   * An observation: nothing the core decides, sends or persists changes; ignored once `seq` executed.
   */
  captureAt(seq: Seq): void;
  /**
   * The last stable checkpoint's certified state (2f+1 signed CHECKPOINTs and the roots they cover,
   * docs/PROTOCOL.md §4b) when this core holds its roots — after a restart, the one it recovered from
   * disk, so a restarted replica answers checkpoint proofs at once. Undefined for a protocol without
   * certified checkpoints (HotStuff), before the first, or when its roots are unknown (a state transfer
   * or an app without a state root). Reads only.
   */
  certifiedStable(): CertifiedState | undefined;
  /**
   * The drop reason this core would give a request from `client` numbered `reqNo` whatever its
   * signature (stale, or over the client's queue limit: src/service/requests.ts refusedUnverified),
   * so the node drops it before the verify. Reads only.
   */
  refuses(client: ClientId, reqNo: ReqNo): 'stale-request' | 'request-queue-full' | undefined;
  /**
   * The invariants that do not hold now at `level` (empty when all hold). Changes nothing the core
   * decides; a core may remember how far an 'all' check got so that the next one skips what cannot
   * have changed since (PBFT: slots executed before it).
   */
  invariantViolations(level: InvariantChecks): string[];
}
