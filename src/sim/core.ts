// The one place where the simulator creates a replica core (makeCore) and rebuilds one from its
// disk after a crash (recoverCore): the protocol module's core with a fresh app, wrapped in the
// accountability layer as the real node wraps it (src/engine/replica.ts, SPEC C1–C5) — or bare, for
// Twins. Everything else in src/sim sees only the SimCore interface below.

import type { AccountabilityStatus, AccountableInput } from '../accountability/accountable.ts';
import type { AppFactory } from '../app/types.ts';
import type { CoreOptions, EngineParams, ProtocolCore, ProtocolModule } from '../engine/module.ts';
import { wrapAccountable } from '../engine/replica.ts';
import type { Output, ReplicaStatus } from '../protocol/types.ts';
import { emptyOutput } from '../protocol/types.ts';
import { protocolModule } from '../engine/registry.ts';

/** A replica core as the simulator drives it. */
export interface SimCore {
  handle(input: AccountableInput): Output;
  status(): ReplicaStatus;
  /** What its accountability layer holds; undefined for a bare core (no layer). */
  accountability(): AccountabilityStatus | undefined;
  /**
   * The protocol core's whole invariant set (ProtocolCore.invariantViolations('all')), which the
   * simulator checks once per replica step, before anything the step produced leaves; the cheap
   * ones run after every input (handle throws on those).
   */
  invariantViolations(): string[];
}

/** Everything a core is built from; each core gets a fresh app, also on restart. */
export interface SimCoreOptions extends Omit<CoreOptions<EngineParams>, 'app'> {
  readonly makeApp: AppFactory;
  /** Inside the accountability wrapper (the normal simulator) or bare (Twins). */
  readonly accountable: boolean;
}

/** A fresh core. */
export function makeCore(o: SimCoreOptions): SimCore {
  const module = moduleOf(o);
  const { accountable, makeApp, ...opts } = withProtocolParams(module, o);
  const core = module.create({ ...opts, app: makeApp(), checkInvariants: 'cheap' });
  return checked(core, accountable ? wrapAccountable(module, core, opts) : bare(core));
}

/** A restarted core: rebuilt from the durable records with a fresh app (SPEC D2); evidence and quarantine come back too. */
export function recoverCore(o: SimCoreOptions, records: ReadonlyMap<string, Uint8Array>): SimCore {
  const module = moduleOf(o);
  const { accountable, makeApp, ...opts } = withProtocolParams(module, o);
  const core = module.recover({ ...opts, app: makeApp(), checkInvariants: 'cheap' }, records);
  return checked(core, accountable ? wrapAccountable(module, core, opts, records) : bare(core));
}

/** The protocol is the one the signing domain names (the cluster's `--protocol`). */
function moduleOf(o: SimCoreOptions): ProtocolModule {
  return protocolModule(o.domain.protocol);
}

function withProtocolParams(module: ProtocolModule, o: SimCoreOptions): SimCoreOptions {
  return { ...o, params: module.params.fromEngine(o.params) };
}

/** `outer` (accountable or bare) as a SimCore that checks `core`'s invariants. */
function checked(core: ProtocolCore, outer: Omit<SimCore, 'invariantViolations'>): SimCore {
  return { handle: (i) => outer.handle(i), status: () => outer.status(), accountability: () => outer.accountability(), invariantViolations: () => core.invariantViolations('all') };
}

/** A core without the accountability layer: a symptom has nobody to hear it and changes nothing. */
function bare(core: ProtocolCore): Omit<SimCore, 'invariantViolations'> {
  return {
    handle: (input) => (input.type === 'symptom' ? emptyOutput() : core.handle(input)),
    status: () => core.status(),
    accountability: () => undefined,
  };
}
