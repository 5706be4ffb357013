import type { ElfDecoder } from "./decoder.js";

const CHUNK = 256;

/**
 * NUL-terminated strings from an ELF string table, read on demand in small chunks so a large
 * table is never loaded for the handful of names the reader asks for.
 */
export class StringTable {
  constructor(
    private readonly dec: ElfDecoder,
    private readonly offset: number,
    private readonly size: number,
    private readonly what: string,
  ) {}

  /** Throws when the table itself runs past the end of the file. */
  async check(): Promise<void> {
    if (this.offset + this.size > this.dec.ra.size) {
      await this.dec.readExact(this.offset, this.size, this.what); // throws the "truncated" error
    }
  }

  async get(index: number): Promise<string> {
    if (index >= this.size) throw this.dec.corrupt(`string offset ${index} is beyond ${this.what} (${this.size} bytes)`);
    const parts: Buffer[] = [];
    for (let pos = index; pos < this.size; pos += CHUNK) {
      const want = Math.min(CHUNK, this.size - pos);
      const chunk = await this.dec.readExact(this.offset + pos, want, this.what);
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        parts.push(chunk.subarray(0, nul));
        return Buffer.concat(parts).toString("utf8");
      }
      parts.push(chunk);
    }
    throw this.dec.corrupt(`unterminated string at offset ${index} of ${this.what}`);
  }
}
