// The protocol modules this build knows, by name. Adding a protocol: a new folder exporting its
// module (see src/pbft/module.ts), one line in MODULES, and a row in docs/ARCHITECTURE.md.

import type { ProtocolModule } from './module.ts';
import { pbftModule } from '../pbft/module.ts';
import { hotstuffModule } from '../hotstuff/module.ts';

const MODULES: readonly ProtocolModule[] = [pbftModule, hotstuffModule];

/** The protocol a config or command line gets when it names none. */
export const DEFAULT_PROTOCOL = 'pbft';

export const PROTOCOL_NAMES: readonly string[] = MODULES.map((m) => m.name);

export function findProtocol(name: string): ProtocolModule | undefined {
  return MODULES.find((m) => m.name === name);
}

/** The module for `name`, or a RangeError naming the protocols this build has. */
export function protocolModule(name: string): ProtocolModule {
  const m = findProtocol(name);
  if (m === undefined) throw new RangeError(`unknown protocol "${name}": this build has ${PROTOCOL_NAMES.map((p) => `"${p}"`).join(', ')}`);
  return m;
}
