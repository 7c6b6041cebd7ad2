// Length-prefixed framing for byte streams (SPEC D1): every frame is a 4-byte big-endian payload
// length followed by the payload. Pure: the TCP transport feeds socket chunks into a FrameDecoder
// and hands the decoded payloads on. Zero-length frames are invalid (a frame always carries data).

import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { assert } from '../core/assert.ts';

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;
/** Largest length the 32-bit prefix can express. */
export const MAX_FRAME_LENGTH = 0xffff_ffff;

export type FrameErrorCode = 'oversized' | 'empty-frame';

export interface FrameError {
  readonly code: FrameErrorCode;
  readonly detail: string;
}

/** Frames one payload: 4-byte big-endian length, then the payload (copied). */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  return encodeFrames([payload]);
}

/** Frames several payloads into one contiguous buffer (one allocation, one socket write). */
export function encodeFrames(payloads: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of payloads) total += FRAME_HEADER_BYTES + p.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  for (const p of payloads) {
    assert(p.length <= MAX_FRAME_LENGTH, 'frame payload exceeds the 32-bit length prefix');
    view.setUint32(at, p.length, false);
    out.set(p, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + p.length;
  }
  return out;
}

/**
 * Streaming decoder. Feed it chunks in arrival order; it yields whole payloads. A frame that lies
 * inside one chunk is returned as a view of that chunk (no copy); a frame spanning chunks is copied
 * once. A declared length above maxFrameBytes is rejected as soon as its 4-byte prefix is seen,
 * before any of its body is waited for. After an error the decoder stays failed.
 */
export class FrameDecoder {
  private maxFrameBytes: number;
  private readonly chunks: Uint8Array[] = [];
  /** Read offset into chunks[0]. */
  private offset = 0;
  private buffered = 0;
  private failed: FrameError | undefined;

  constructor(maxFrameBytes: number) {
    assert(Number.isSafeInteger(maxFrameBytes) && maxFrameBytes >= 1, 'maxFrameBytes must be a positive integer');
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Appends a chunk and returns every frame completed so far (or the first framing error). */
  push(chunk: Uint8Array): Result<Uint8Array[], FrameError> {
    this.feed(chunk);
    const frames: Uint8Array[] = [];
    for (;;) {
      const next = this.next();
      if (!next.ok) return next;
      if (next.value === undefined) return ok(frames);
      frames.push(next.value);
    }
  }

  /** Appends a chunk without decoding (pair with next() to decode one frame at a time). */
  feed(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.failed !== undefined) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame, undefined if more bytes are needed, or the framing error. */
  next(): Result<Uint8Array | undefined, FrameError> {
    if (this.failed !== undefined) return err(this.failed);
    if (this.buffered < FRAME_HEADER_BYTES) return ok(undefined);
    const length = this.peekLength();
    if (length > this.maxFrameBytes) {
      return this.fail('oversized', `declared frame length ${length} exceeds the limit ${this.maxFrameBytes}`);
    }
    if (length === 0) return this.fail('empty-frame', 'zero-length frame');
    if (this.buffered < FRAME_HEADER_BYTES + length) return ok(undefined);
    this.skip(FRAME_HEADER_BYTES);
    return ok(this.take(length));
  }

  /** Changes the limit for frames not yet started (e.g. small during a handshake, larger after). */
  setMaxFrameBytes(maxFrameBytes: number): void {
    assert(Number.isSafeInteger(maxFrameBytes) && maxFrameBytes >= 1, 'maxFrameBytes must be a positive integer');
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as frames (non-zero at end of stream = truncated frame). */
  bufferedBytes(): number {
    return this.buffered;
  }

  private fail(code: FrameErrorCode, detail: string): Result<never, FrameError> {
    this.failed = { code, detail };
    this.chunks.length = 0;
    this.offset = 0;
    this.buffered = 0;
    return err(this.failed);
  }

  private peekLength(): number {
    let length = 0;
    let chunkIndex = 0;
    let at = this.offset;
    for (let i = 0; i < FRAME_HEADER_BYTES; i++) {
      let chunk = this.chunks[chunkIndex]!;
      while (at >= chunk.length) {
        chunkIndex++;
        at = 0;
        chunk = this.chunks[chunkIndex]!;
      }
      length = length * 256 + chunk[at]!;
      at++;
    }
    return length;
  }

  private skip(count: number): void {
    let left = count;
    while (left > 0) {
      const chunk = this.chunks[0]!;
      const here = Math.min(left, chunk.length - this.offset);
      left -= here;
      this.advance(here, chunk);
    }
  }

  private take(length: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= length) {
      const view = first.subarray(this.offset, this.offset + length);
      this.advance(length, first);
      return view;
    }
    const out = new Uint8Array(length);
    let at = 0;
    while (at < length) {
      const chunk = this.chunks[0]!;
      const here = Math.min(length - at, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + here), at);
      at += here;
      this.advance(here, chunk);
    }
    return out;
  }

  private advance(count: number, chunk: Uint8Array): void {
    this.offset += count;
    this.buffered -= count;
    if (this.offset === chunk.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
