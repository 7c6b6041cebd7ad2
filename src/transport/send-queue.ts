// Bounded per-peer send queue (SPEC B4). Payloads wait here until the next flush, which hands all
// of them to the connection at once. Overflow drops the newest payload (the caller counts it).

export interface SendQueue {
  readonly maxFrames: number;
  readonly maxBytes: number;
  frames: Uint8Array[];
  bytes: number;
}

export function newSendQueue(maxFrames: number, maxBytes: number): SendQueue {
  return { maxFrames, maxBytes, frames: [], bytes: 0 };
}

/** Appends a payload; false (and nothing queued) when either bound would be exceeded. */
export function enqueue(q: SendQueue, payload: Uint8Array): boolean {
  if (q.frames.length >= q.maxFrames || q.bytes + payload.length > q.maxBytes) return false;
  q.frames.push(payload);
  q.bytes += payload.length;
  return true;
}

/** Removes and returns everything queued, oldest first. */
export function drain(q: SendQueue): Uint8Array[] {
  const out = q.frames;
  q.frames = [];
  q.bytes = 0;
  return out;
}
