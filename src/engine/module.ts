// The seam between the replicated service and an ordering protocol. A protocol module is one folder
// (src/pbft today; src/hotstuff next) that says, as plain data and functions:
//   - its name, as spelled in the config ("protocol": "pbft") and on the command line (--protocol);
//   - its wire messages (their names; the codec and docs/PROTOCOL.md give their tags and schema);
//   - its parameters: defaults, validation, and how the cluster config's timing maps onto them;
//   - its evidence rules (SPEC C1), which the accountability layer and `byz evidence verify` use;
//   - how a third party checks its decision certificates (the audit trail, `byz audit verify`);
//   - create and recover: a pure core (handle(input) → output) ordering batches for the service.
// The node, the simulator, Twins, config validation, evidence verification and the bench look a
// module up in the registry (registry.ts) by name; none of them imports a protocol folder.
// A protocol folder exports its module as a plain object (src/pbft/module.ts); it does not import
// this interface (imports flow from src/engine down to the protocol folders), the registry's type
// annotation checks that it fits.

import type { HashFn } from '../core/crypto-port.ts';
import type { ClientSignatureCheck } from '../wire/domain.ts';
import type { EvidenceRules } from '../accountability/evidence.ts';
import type { EngineParams } from '../protocol/params.ts';
import type { CoreOptions, ProtocolCore } from '../protocol/core.ts';

export type { CoreOptions, InvariantChecks, ProtocolCore } from '../protocol/core.ts';

export type { EngineParams } from '../protocol/params.ts';
import type { ReplicaMessage } from '../wire/messages.ts';
import type { CertificateClaim, CertificateContext } from '../protocol/types.ts';

/** A decided batch as a third party sees it: the claim and the certificate that proves it. */
/** What a protocol's evidence rules are built from: cluster-wide constants, never a replica's state. */
export interface EvidenceRulesOptions<P = EngineParams> {
  readonly n: number;
  readonly params: P;
  readonly hash: HashFn;
  /** Client-signature checks under the cluster's domain (PBFT: to judge a PREPARE's verdicts); absent, such evidence is not adopted. */
  readonly requests?: ClientSignatureCheck;
  readonly bugs?: Readonly<Record<string, boolean>>;
}

export interface CertifiedBatch {
  readonly claim: CertificateClaim;
  readonly certificate: readonly ReplicaMessage[];
}

export interface ProtocolModule<P = EngineParams> {
  /** The name in the config and on the command line. */
  readonly name: string;
  /** One line for `--help` and docs. */
  readonly summary: string;
  /** The replica messages this protocol sends (a subset of the wire's message types). */
  readonly messages: readonly ReplicaMessage['type'][];
  readonly params: {
    readonly defaults: P;
    /** Problems with p, each naming the parameter and the rule (empty when usable). */
    validate(p: P): string[];
    /** The module's parameters from the protocol-neutral ones the cluster config gives. */
    fromEngine(e: EngineParams): P;
  };
  /** Names of the protocol's planted bugs (tests only: each must be caught by a checker, SPEC G3). */
  readonly plantedBugs: readonly string[];
  /** State-independent evidence rules (SPEC C1), the same at every replica and for a third party. */
  evidenceRules(cfg: EvidenceRulesOptions<P>): EvidenceRules;
  /**
   * Why `certificate` (ExecutedBatch.committed.certificate) does not prove that the batch with
   * `claim.digest` was decided at `claim.seq` in `claim.view`, or undefined when it does — checked with
   * the public keys alone (signatures under ctx.domain, quorum from src/core/quorum.ts). The audit
   * trail's verifier (src/audit) calls it for the protocol its configuration record names.
   */
  verifyCertificate(claim: CertificateClaim, certificate: readonly ReplicaMessage[], ctx: CertificateContext): string | undefined;
  /**
   * Optional: why the batch at seq n + 1 does not extend the batch at seq n, both certificates already
   * checked (HotStuff: the block's header names its parent), or undefined. The audit verifier calls it
   * for consecutive batches within a run; a protocol whose certificates fix the order by seq alone (PBFT)
   * has none.
   */
  linkFault?(prev: CertifiedBatch, next: CertifiedBatch): string | undefined;
  create(opts: CoreOptions<P>): ProtocolCore;
  /** Rebuilds a core from its durable records after a crash (durable before sent, SPEC D2). */
  recover(opts: CoreOptions<P>, records: ReadonlyMap<string, Uint8Array>): ProtocolCore;
}
