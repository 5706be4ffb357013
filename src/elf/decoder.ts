/**
 * Decodes the fixed-layout ELF structures (file header, program headers, section headers, dynamic
 * entries) for both classes and both byte orders, with bounds checks that name what was truncated.
 */
import { InputError } from "../errors.js";
import type { RandomAccess } from "./random-access.js";
import * as C from "./constants.js";

export interface ElfHeader {
  type: number;
  machine: number;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
}

export interface SectionHeader {
  name: number;
  type: number;
  flags: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
}

export interface DynamicEntry {
  tag: number;
  value: bigint;
}

/** Refuse absurd table sizes from corrupt headers before allocating for them. */
const MAX_TABLE_BYTES = 64 * 1024 * 1024;

export class ElfDecoder {
  private constructor(
    readonly ra: RandomAccess,
    readonly is64: boolean,
    readonly le: boolean,
  ) {}

  static fromIdent(head: Buffer, ra: RandomAccess): ElfDecoder {
    const label = ra.name ?? "ELF file";
    if (head.length < 16) throw new InputError(`${label}: truncated ELF identification (${head.length} bytes)`);
    const cls = head[4];
    const data = head[5];
    if (cls !== C.ELFCLASS32 && cls !== C.ELFCLASS64) throw new InputError(`${label}: invalid ELF class ${cls}`);
    if (data !== C.ELFDATA2LSB && data !== C.ELFDATA2MSB) {
      throw new InputError(`${label}: invalid ELF data encoding ${data}`);
    }
    return new ElfDecoder(ra, cls === C.ELFCLASS64, data === C.ELFDATA2LSB);
  }

  corrupt(message: string): InputError {
    return new InputError(`${this.ra.name ?? "ELF file"}: corrupt ELF: ${message}`);
  }

  u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  u64(b: Buffer, o: number): bigint {
    return this.le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
  }
  i64(b: Buffer, o: number): bigint {
    return this.le ? b.readBigInt64LE(o) : b.readBigInt64BE(o);
  }
  /** An address or offset field: 4 bytes in ELF32, 8 in ELF64. */
  word(b: Buffer, o: number): bigint {
    return this.is64 ? this.u64(b, o) : BigInt(this.u32(b, o));
  }

  toNumber(v: bigint, what: string): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.corrupt(`${what} 0x${v.toString(16)} is out of range`);
    return Number(v);
  }

  /** Exactly `length` bytes at `offset`, or an InputError saying which structure runs past the end. */
  async readExact(offset: number, length: number, what: string): Promise<Buffer> {
    if (length > MAX_TABLE_BYTES) throw this.corrupt(`${what} claims ${length} bytes`);
    if (offset + length > this.ra.size) {
      throw new InputError(
        `${this.ra.name ?? "ELF file"}: truncated ELF: ${what} at offset ${offset} (+${length} bytes) ` +
          `extends past the end of the file (${this.ra.size} bytes)`,
      );
    }
    return this.ra.read(offset, length);
  }

  header(head: Buffer): ElfHeader {
    const need = this.is64 ? 64 : 52;
    if (head.length < need) {
      throw new InputError(`${this.ra.name ?? "ELF file"}: truncated ELF header (${head.length} of ${need} bytes)`);
    }
    const w = this.is64 ? 8 : 4;
    const phoffAt = 24 + w; // after e_type, e_machine, e_version, e_entry
    const shoffAt = phoffAt + w;
    const rest = shoffAt + w + 4 + 2; // skip e_flags and e_ehsize
    return {
      type: this.u16(head, 16),
      machine: this.u16(head, 18),
      phoff: this.toNumber(this.word(head, phoffAt), "e_phoff"),
      shoff: this.toNumber(this.word(head, shoffAt), "e_shoff"),
      phentsize: this.u16(head, rest),
      phnum: this.u16(head, rest + 2),
      shentsize: this.u16(head, rest + 4),
      shnum: this.u16(head, rest + 6),
      shstrndx: this.u16(head, rest + 8),
    };
  }

  /** Section header 0, which carries the real counts when they overflow 16 bits. */
  private async sectionZero(eh: ElfHeader): Promise<SectionHeader | undefined> {
    if (eh.shoff === 0) return undefined;
    this.checkEntSize(eh.shentsize, this.is64 ? 64 : 40, "e_shentsize");
    return this.section(await this.readExact(eh.shoff, eh.shentsize, "section header 0"), 0);
  }

  checkEntSize(actual: number, min: number, field: string): void {
    if (actual < min) throw this.corrupt(`${field} is ${actual}, expected at least ${min}`);
  }

  async programHeaders(eh: ElfHeader): Promise<ProgramHeader[]> {
    let count = eh.phnum;
    if (count === C.PN_XNUM) count = (await this.sectionZero(eh))?.info ?? count;
    if (count === 0 || eh.phoff === 0) return [];
    this.checkEntSize(eh.phentsize, this.is64 ? 56 : 32, "e_phentsize");
    const table = await this.readExact(eh.phoff, count * eh.phentsize, `program header table (${count} entries)`);
    return this.decodeProgramHeaders(table, count, eh.phentsize);
  }

  /** Decode `count` program headers of `entsize` bytes each from a buffer holding the table. */
  decodeProgramHeaders(table: Buffer, count: number, entsize: number): ProgramHeader[] {
    const out: ProgramHeader[] = [];
    for (let i = 0; i < count; i++) {
      const o = i * entsize;
      const ph = this.is64
        ? {
            type: this.u32(table, o),
            offset: this.toNumber(this.u64(table, o + 8), "p_offset"),
            vaddr: this.u64(table, o + 16),
            filesz: this.toNumber(this.u64(table, o + 32), "p_filesz"),
          }
        : {
            type: this.u32(table, o),
            offset: this.u32(table, o + 4),
            vaddr: BigInt(this.u32(table, o + 8)),
            filesz: this.u32(table, o + 16),
          };
      out.push(ph);
    }
    return out;
  }

  /** The section headers and the index of the section-name string table (0 when absent). */
  async sectionHeaders(eh: ElfHeader): Promise<{ sections: SectionHeader[]; shstrndx: number }> {
    if (eh.shoff === 0) return { sections: [], shstrndx: 0 };
    const zero = await this.sectionZero(eh);
    const count = eh.shnum !== 0 ? eh.shnum : (zero?.size ?? 0);
    if (count === 0) return { sections: [], shstrndx: 0 };
    const table = await this.readExact(eh.shoff, count * eh.shentsize, `section header table (${count} entries)`);
    const sections: SectionHeader[] = [];
    for (let i = 0; i < count; i++) sections.push(this.section(table, i * eh.shentsize));
    const shstrndx = eh.shstrndx === C.SHN_XINDEX ? (zero?.link ?? 0) : eh.shstrndx;
    return { sections, shstrndx };
  }

  private section(b: Buffer, o: number): SectionHeader {
    return this.is64
      ? {
          name: this.u32(b, o),
          type: this.u32(b, o + 4),
          flags: this.u64(b, o + 8),
          offset: this.toNumber(this.u64(b, o + 24), "sh_offset"),
          size: this.toNumber(this.u64(b, o + 32), "sh_size"),
          link: this.u32(b, o + 40),
          info: this.u32(b, o + 44),
        }
      : {
          name: this.u32(b, o),
          type: this.u32(b, o + 4),
          flags: BigInt(this.u32(b, o + 8)),
          offset: this.u32(b, o + 16),
          size: this.u32(b, o + 20),
          link: this.u32(b, o + 24),
          info: this.u32(b, o + 28),
        };
  }

  /** Dynamic entries up to (not including) DT_NULL. */
  dynamicEntries(b: Buffer): DynamicEntry[] {
    const size = this.is64 ? 16 : 8;
    const out: DynamicEntry[] = [];
    for (let o = 0; o + size <= b.length; o += size) {
      const tag = this.is64 ? this.i64(b, o) : BigInt(this.le ? b.readInt32LE(o) : b.readInt32BE(o));
      if (tag === BigInt(C.DT_NULL)) break;
      // Tags that matter all fit in 32 bits; others (e.g. processor-specific) are kept but never looked at.
      out.push({ tag: Number(BigInt.asIntN(53, tag)), value: this.word(b, o + (this.is64 ? 8 : 4)) });
    }
    return out;
  }
}

/** The text of a PT_INTERP segment: up to its first NUL. */
export function interpreterText(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString("utf8");
}
