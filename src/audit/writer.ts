// The audit trail's writer (docs/AUDIT.md): appends sealed records to segment files in a folder,
// continuing the chain a previous run left. It is a record, not safety state: records are written
// after the round's messages left (not part of "durable before sent", SPEC D2), one append per driver
// round, asynchronously and without fsync. Retention: a new segment starts past `segmentBytes`; the
// oldest segments are deleted while the folder holds more than `retainBytes`.

import { appendFile, mkdir, readdir, readFile, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { HashFn } from '../core/crypto-port.ts';
import type { AuditBody, AuditConfigBody } from './record.ts';
import { GENESIS, SEGMENT_RE, parseRecordLine, sealRecord, segmentName } from './record.ts';

export interface AuditWriterOptions {
  readonly dir: string;
  /** The configuration record written at start and at the top of every segment. */
  readonly config: Omit<AuditConfigBody, 'type' | 'reason'>;
  readonly hash: HashFn;
  /** Keep at most about this many bytes of segments (the newest segment is never deleted). */
  readonly retainBytes: number;
  /** Start a new segment once the current one reaches this size (default: retainBytes / 8, within 64 KiB … 64 MiB). */
  readonly segmentBytes?: number;
  /** Records waiting for the disk beyond this many bytes are skipped and a 'gap' record says so (default 64 MiB). */
  readonly maxPendingBytes?: number;
  /** The clock for the records' `time` (default: now). */
  readonly now?: () => Date;
  /** A write failed: the trail stops (the replica keeps running); default: ignored. */
  readonly onError?: (err: unknown) => void;
}

export interface AuditWriter {
  /** Seals the records in order and queues them as one append (call once per driver round). */
  append(bodies: readonly AuditBody[]): void;
  /** Resolves once everything queued so far is on its way to the disk (written, not fsynced). */
  flush(): Promise<void>;
  readonly stats: () => { readonly records: number; readonly skipped: number; readonly segment: number; readonly failed: boolean };
}

interface Chunk {
  readonly segment: number;
  text: string;
}

const MIB = 1024 * 1024;
export const defaultSegmentBytes = (retainBytes: number): number => Math.min(64 * MIB, Math.max(64 * 1024, Math.floor(retainBytes / 8)));

/** Segment numbers in the folder, ascending. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names.flatMap((n) => {
    const m = SEGMENT_RE.exec(n);
    return m === null ? [] : [Number(m[1])];
  }).sort((a, b) => a - b);
}

/** Where the chain stands: the last complete record on disk (a torn last line, left by a crash, is cut off). */
async function chainHead(dir: string, hash: HashFn, segments: readonly number[]): Promise<{ next: number; prev: string }> {
  for (let k = segments.length - 1; k >= 0; k--) {
    const file = join(dir, segmentName(segments[k]!));
    const text = await readFile(file, 'utf8');
    const end = text.lastIndexOf('\n');
    if (end + 1 !== text.length) await truncate(file, Buffer.byteLength(text.slice(0, end + 1)));
    if (end < 0) {
      await unlink(file);
      continue;
    }
    const last = text.slice(text.lastIndexOf('\n', end - 1) + 1, end);
    const r = parseRecordLine(hash, last);
    if (!r.ok) {
      throw new Error(`the audit trail in ${dir} ends with a record that does not check out (${file}, last line: ${r.error}); ` +
        'keep the folder for inspection (`byz audit verify`), move it away and restart, or pass another --audit-dir');
    }
    return { next: r.value.i + 1, prev: r.value.hash };
  }
  return { next: 0, prev: GENESIS };
}

/** Opens the trail in `dir` (created if missing) and writes the configuration record of this start. */
export async function openAuditWriter(opts: AuditWriterOptions): Promise<AuditWriter> {
  await mkdir(opts.dir, { recursive: true });
  const existing = await listSegments(opts.dir);
  const head = await chainHead(opts.dir, opts.hash, existing);
  const segmentBytes = opts.segmentBytes ?? defaultSegmentBytes(opts.retainBytes);
  const maxPending = opts.maxPendingBytes ?? 64 * MIB;
  const now = opts.now ?? ((): Date => new Date());
  const st = { next: head.next, prev: head.prev, segment: (existing.at(-1) ?? 0) + 1, segmentSize: 0, pending: 0, skipped: 0, records: 0, failed: false };
  const chunks: Chunk[] = [];
  let draining: Promise<void> | undefined;

  const seal = (body: AuditBody, time: string): void => {
    const r = sealRecord(opts.hash, st.next, body, time, st.prev);
    const text = `${r.line}\n`;
    st.next++;
    st.prev = r.hash;
    st.records++;
    st.segmentSize += text.length;
    st.pending += text.length;
    const last = chunks.at(-1);
    if (last !== undefined && last.segment === st.segment) last.text += text;
    else chunks.push({ segment: st.segment, text });
  };
  const rotate = (time: string): void => {
    st.segment++;
    st.segmentSize = 0;
    seal({ type: 'config', reason: 'segment', ...opts.config }, time);
  };
  const retain = async (current: number): Promise<void> => {
    const segs = await listSegments(opts.dir);
    const sizes = await Promise.all(segs.map(async (s) => (await stat(join(opts.dir, segmentName(s)))).size));
    let total = sizes.reduce((a, b) => a + b, 0);
    for (const [k, s] of segs.entries()) {
      if (total <= opts.retainBytes || s >= current) return;
      await unlink(join(opts.dir, segmentName(s)));
      total -= sizes[k]!;
    }
  };
  const drain = async (): Promise<void> => {
    let written = -1;
    for (let c = chunks.shift(); c !== undefined; c = chunks.shift()) {
      await appendFile(join(opts.dir, segmentName(c.segment)), c.text);
      st.pending -= c.text.length;
      if (c.segment !== written) await retain(c.segment);
      written = c.segment;
    }
  };
  const kick = (): void => {
    if (draining !== undefined || st.failed) return;
    draining = drain().catch((e: unknown) => {
      st.failed = true;
      chunks.length = 0;
      opts.onError?.(e);
    }).finally(() => {
      draining = undefined;
      if (chunks.length > 0) kick();
    });
  };

  const writer: AuditWriter = {
    append(bodies) {
      if (bodies.length === 0 || st.failed) return;
      if (st.pending > maxPending) {
        st.skipped += bodies.length;
        return;
      }
      const time = now().toISOString();
      if (st.skipped > 0) {
        seal({ type: 'gap', skipped: st.skipped }, time);
        st.skipped = 0;
      }
      for (const b of bodies) {
        if (st.segmentSize >= segmentBytes) rotate(time);
        seal(b, time);
      }
      kick();
    },
    async flush() {
      while (draining !== undefined) await draining;
    },
    stats: () => ({ records: st.records, skipped: st.skipped, segment: st.segment, failed: st.failed }),
  };
  seal({ type: 'config', reason: 'start', ...opts.config }, now().toISOString());
  kick();
  return writer;
}
