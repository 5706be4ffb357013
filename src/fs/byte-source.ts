/**
 * Pull-style reader over an async stream of Buffers: read exact byte counts, stream a byte
 * range onward, or skip it. Holds at most the chunks needed for the current request.
 */
export class ByteSource {
  private readonly it: AsyncIterator<Buffer>;
  private head: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Total bytes consumed so far (offset of the next byte). */
  position = 0;

  constructor(source: AsyncIterable<Buffer | Uint8Array>) {
    this.it = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    return true;
  }

  /** Exactly n bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Buffer> {
    while (this.head.length < n) {
      if (!(await this.fill())) break;
    }
    const take = Math.min(n, this.head.length);
    const out = this.head.subarray(0, take);
    this.head = this.head.subarray(take);
    this.position += take;
    return out;
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
    this.head = Buffer.alloc(0);
    while (await this.fill()) {
      this.position += this.head.length;
      this.head = Buffer.alloc(0);
    }
  }
}
