// Mutable transport counters, shared by the TCP and in-memory implementations.

import type { PayloadDropReason, RejectReason, TransportStats } from './port.ts';
import { PAYLOAD_DROP_REASONS, REJECT_REASONS } from './port.ts';

export interface Counters {
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
  writes: number;
  replaced: number;
  readonly rejections: Record<RejectReason, number>;
  readonly drops: Record<PayloadDropReason, number>;
}

export function newCounters(): Counters {
  const rejections = {} as Record<RejectReason, number>;
  for (const r of REJECT_REASONS) rejections[r] = 0;
  const drops = {} as Record<PayloadDropReason, number>;
  for (const d of PAYLOAD_DROP_REASONS) drops[d] = 0;
  return { bytesIn: 0, bytesOut: 0, framesIn: 0, framesOut: 0, writes: 0, replaced: 0, rejections, drops };
}

export function snapshot(
  c: Counters,
  live: { connectedReplicas: number; connectedClients: number; queuedFrames: number },
): TransportStats {
  return {
    bytesIn: c.bytesIn,
    bytesOut: c.bytesOut,
    framesIn: c.framesIn,
    framesOut: c.framesOut,
    writes: c.writes,
    rejections: { ...c.rejections },
    drops: { ...c.drops },
    replaced: c.replaced,
    ...live,
  };
}
