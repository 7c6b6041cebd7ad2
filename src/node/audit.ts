// The replica's audit trail (src/audit, docs/AUDIT.md): opened at start with this start's
// configuration record, fed once per driver round with the round's executed batches and events
// (after the round's messages left: a record, not safety state, so not part of "durable before
// sent"), flushed on stop. A write failure stops the trail, not the replica.

import { join } from 'node:path';
import type { ReplicaId } from '../core/ids.ts';
import type { PublicKey } from '../core/ids.ts';
import type { EngineParams } from '../engine/module.ts';
import type { ReplicaCore } from '../engine/replica.ts';
import type { ClusterConfig } from '../config/index.ts';
import type { CoreEvent, ExecutedBatch } from '../protocol/types.ts';
import { sha256 } from '../crypto/ed25519.ts';
import type { Logger } from '../log/logger.ts';
import { configBody, roundBodies } from '../audit/bodies.ts';
import type { AuditWriter } from '../audit/writer.ts';
import { openAuditWriter } from '../audit/writer.ts';

/** `byz node --audit-dir / --audit-retain-mb / --no-audit`. */
export interface AuditOptions {
  /** Folder of the segment files (default: <data>/replica-<id>/audit). */
  readonly dir?: string;
  /** Keep about this many bytes of the newest segments (default DEFAULT_AUDIT_RETAIN_MB MiB). */
  readonly retainBytes?: number;
}

export const DEFAULT_AUDIT_RETAIN_MB = 1024;

export interface NodeAudit {
  readonly dir: string;
  observe(executed: readonly ExecutedBatch[], events: readonly CoreEvent[]): void;
  flush(): Promise<void>;
}

export interface NodeAuditInput {
  readonly config: ClusterConfig;
  readonly id: ReplicaId;
  readonly keys: readonly PublicKey[];
  readonly params: EngineParams;
  readonly core: ReplicaCore;
  readonly log: Logger;
  /** The replica's own data folder (<data>/replica-<id>). */
  readonly replicaDir: string;
}

export async function openNodeAudit(opts: AuditOptions, x: NodeAuditInput): Promise<NodeAudit> {
  const dir = opts.dir ?? join(x.replicaDir, 'audit');
  const config = configBody({
    replica: x.id, clusterId: x.config.clusterId, epoch: 0, protocol: x.config.protocol, replicaKeys: x.keys,
    params: { windowSize: x.params.windowSize, checkpointInterval: x.params.checkpointInterval },
  });
  let writer: AuditWriter;
  try {
    writer = await openAuditWriter({
      dir, config, hash: sha256, retainBytes: opts.retainBytes ?? DEFAULT_AUDIT_RETAIN_MB * 1024 * 1024,
      onError: (err) => x.log.error({ err, dir }, 'audit trail write failed: the trail stops here (the replica keeps running); fix the disk and restart to resume it'),
    });
  } catch (e) {
    throw new Error(`cannot open the audit trail in ${dir} (--audit-dir; --no-audit turns it off): ${e instanceof Error ? e.message : String(e)}`);
  }
  const evidence = (accused: number, kind: string): Uint8Array | undefined =>
    x.core.accountability().evidence.find((e) => e.accused === accused && e.kind === kind)?.message;
  x.log.info({ dir }, 'audit trail open');
  return {
    dir,
    observe: (executed, events) => writer.append(roundBodies(executed, events, evidence)),
    flush: () => writer.flush(),
  };
}
