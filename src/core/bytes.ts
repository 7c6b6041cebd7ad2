// Minimal canonical byte writer/reader for the replica's own persisted records and checkpoint
// state (not a wire message: the wire format is src/wire/codec.ts).

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  /** `capacity`: the bytes expected (growing by doubling and copying otherwise). */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.len, v);
    this.len += 1;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.len, v);
    this.len += 4;
    return this;
  }

  u64(v: number): this {
    this.ensure(8);
    this.view.setBigUint64(this.len, BigInt(v));
    this.len += 8;
    return this;
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  bytes(b: Uint8Array): this {
    return this.u32(b.length).raw(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reader that records the first failure instead of throwing; check `ok` at the end. */
export class ByteReader {
  private pos = 0;
  private readonly view: DataView;
  ok = true;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private has(n: number): boolean {
    if (!this.ok || this.pos + n > this.buf.length) {
      this.ok = false;
      return false;
    }
    return true;
  }

  u8(): number {
    if (!this.has(1)) return 0;
    return this.view.getUint8(this.pos++);
  }

  u32(): number {
    if (!this.has(4)) return 0;
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    if (!this.has(8)) return 0;
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.ok = false;
      return 0;
    }
    return Number(v);
  }

  raw(n: number): Uint8Array {
    if (!this.has(n)) return new Uint8Array(0);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(): Uint8Array {
    return this.raw(this.u32());
  }

  get done(): boolean {
    return this.ok && this.pos === this.buf.length;
  }
}
