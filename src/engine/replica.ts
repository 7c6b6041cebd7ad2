// One replica's core as the node and the simulator run it: the protocol module's core (ordering plus
// the service inside it) wrapped by the accountability layer (SPEC C1–C4), built the same way in
// both, from the protocol's name.

import type { AccountableOptions, AccountableReplica } from '../accountability/accountable.ts';
import { createAccountable, restoreAccountable } from '../accountability/accountable.ts';
import type { EvidenceRules } from '../accountability/evidence.ts';
import { quorumConfig } from '../core/quorum.ts';
import type { ReplicaStatus } from '../protocol/types.ts';
import type { CoreOptions, EngineParams, EvidenceRulesOptions, ProtocolCore, ProtocolModule } from './module.ts';

/** The accountable core, with the protocol core's executed state and captures at a seq (on-demand certificate shares). */
export type ReplicaCore = AccountableReplica<ReplicaStatus> & Pick<ProtocolCore, 'executedState' | 'captureAt' | 'certifiedStable' | 'refuses'>;

/** The protocol's evidence rules for a cluster of n (the same at every replica and for a verifier). */
export function evidenceRulesFor(module: ProtocolModule, o: EvidenceRulesOptions): EvidenceRules {
  return module.evidenceRules(o);
}

/**
 * A replica in requestAuth "shared" checks client signatures (CoreOptions.sharedRequestAuth), so its
 * rules judge a PREPARE's verdicts by them; in the other modes no PREPARE names a request.
 */
export function accountableOptionsFor(module: ProtocolModule, o: Omit<CoreOptions<EngineParams>, 'app'>): AccountableOptions {
  const requests = o.sharedRequestAuth === undefined ? {} : { requests: { verify: o.sharedRequestAuth, domain: o.domain } };
  const rules = evidenceRulesFor(module, { n: o.n, params: o.params, hash: o.hash, ...requests, ...(o.bugs === undefined ? {} : { bugs: o.bugs }) });
  return { id: o.id, n: o.n, f: quorumConfig(o.n).f, signer: o.signer, domain: o.domain, hash: o.hash, rules };
}

/** Wraps a protocol core (fresh, or restored when `records` come from the disk) in accountability. */
export function wrapAccountable(module: ProtocolModule, core: ProtocolCore, o: Omit<CoreOptions<EngineParams>, 'app'>, records?: ReadonlyMap<string, Uint8Array>): ReplicaCore {
  const acct = accountableOptionsFor(module, o);
  const wrapped = records === undefined ? createAccountable(core, acct) : restoreAccountable(core, acct, records);
  return { ...wrapped, executedState: () => core.executedState(), captureAt: (at) => core.captureAt(at), certifiedStable: () => core.certifiedStable(), refuses: (c, n) => core.refuses(c, n) };
}

/** A replica core: fresh when `records` is empty or absent, else recovered from them (SPEC D2). */
export function startReplicaCore(module: ProtocolModule, o: CoreOptions<EngineParams>, records?: ReadonlyMap<string, Uint8Array>): ReplicaCore {
  if (o.domain.protocol !== module.name) throw new RangeError(`the signing domain names protocol "${o.domain.protocol}" but the core is "${module.name}"`);
  const params = module.params.fromEngine(o.params);
  const opts = { ...o, params };
  if (records === undefined || records.size === 0) return wrapAccountable(module, module.create(opts), opts);
  return wrapAccountable(module, module.recover(opts, records), opts, records);
}
