/**
 * Pull-style reader over an async stream of Buffers: read exact byte counts, stream a byte
 * range onward, or skip it. Holds at most the chunk being consumed: a read that straddles chunks
 * copies only the bytes asked for (never the whole chunk), so large upstream chunks stay cheap.
 *
 * Buffers handed out by read() and take() may be views into the upstream chunk: use them before
 * asking for more, or copy them.
 */
export class ByteSource {
  private readonly it: AsyncIterator<Buffer>;
  private head: Buffer = EMPTY;
  private ended = false;
  /** Total bytes consumed so far (offset of the next byte). */
  position = 0;

  constructor(source: AsyncIterable<Buffer | Uint8Array>) {
    this.it = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Replace `head` by the next non-empty chunk; false at end of stream. */
  private async fill(): Promise<boolean> {
    while (!this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      const v = r.value as Buffer | Uint8Array;
      if (v.length === 0) continue;
      this.head = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      return true;
    }
    this.head = EMPTY;
    return false;
  }

  /** Exactly n bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Buffer> {
    if (this.head.length >= n) {
      const out = this.head.subarray(0, n);
      this.head = this.head.subarray(n);
      this.position += n;
      return out;
    }
    // Straddles chunks: gather just n bytes.
    const out = Buffer.allocUnsafe(n);
    let have = 0;
    while (have < n) {
      if (this.head.length === 0 && !(await this.fill())) break;
      const take = Math.min(n - have, this.head.length);
      this.head.copy(out, have, 0, take);
      this.head = this.head.subarray(take);
      have += take;
    }
    this.position += have;
    return have === n ? out : out.subarray(0, have);
  }

  /** Stream the next n bytes as chunks; returns early only at end of stream (caller checks). */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.head.length === 0 && !(await this.fill())) return;
      const take = Math.min(left, this.head.length);
      const out = this.head.subarray(0, take);
      this.head = this.head.subarray(take);
      this.position += take;
      left -= take;
      yield out;
    }
  }

  /** Skip n bytes; returns how many were actually skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.head.length === 0 && !(await this.fill())) break;
      const take = Math.min(left, this.head.length);
      this.head = this.head.subarray(take);
      this.position += take;
      left -= take;
    }
    return n - left;
  }

  /** Drain the rest of the stream (so upstream digest checks run to the end). */
  async drain(): Promise<void> {
    this.position += this.head.length;
    this.head = EMPTY;
    while (await this.fill()) {
      this.position += this.head.length;
      this.head = EMPTY;
    }
  }

  /** Stop reading early: lets the upstream release what it holds (files, workers). */
  async close(): Promise<void> {
    this.head = EMPTY;
    if (this.ended) return;
    this.ended = true;
    await this.it.return?.();
  }
}

const EMPTY = Buffer.alloc(0);
