/**
 * The two things the kernel reads from an executable before any system call we can see:
 * the `#!` line of a script and the PT_INTERP (ELF loader) of a dynamic binary.
 */

const PT_INTERP = 3;

export type ExecFormat =
  | { kind: "elf"; interpreter: string | null }
  | { kind: "script"; interpreter: string }
  | { kind: "other" };

/** Classify an executable from its first bytes (64 KiB is plenty for any real program header table). */
export function execFormat(head: Buffer): ExecFormat {
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) {
    const end = head.indexOf(0x0a);
    const line = head.subarray(2, end < 0 ? Math.min(head.length, 256) : end).toString("utf8");
    const interpreter = line.trim().split(/[ \t]+/)[0];
    return interpreter ? { kind: "script", interpreter } : { kind: "other" };
  }
  const interp = elfInterpreter(head);
  return interp === undefined ? { kind: "other" } : { kind: "elf", interpreter: interp };
}

/** PT_INTERP of an ELF file: the path, null for a static ELF, undefined when not ELF or out of range. */
export function elfInterpreter(head: Buffer): string | null | undefined {
  if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = head[4] === 2;
  const le = head[5] !== 2;
  const u16 = (o: number) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number) => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  const u64 = (o: number) => Number(le ? head.readBigUInt64LE(o) : head.readBigUInt64BE(o));
  if (is64 && head.length < 64) return undefined;
  const phoff = is64 ? u64(0x20) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + (is64 ? 56 : 32) > head.length) return undefined;
    if (u32(ph) !== PT_INTERP) continue;
    const offset = is64 ? u64(ph + 8) : u32(ph + 4);
    const size = is64 ? u64(ph + 32) : u32(ph + 16);
    if (offset + size > head.length) return undefined;
    const raw = head.subarray(offset, offset + size);
    const nul = raw.indexOf(0);
    return raw.subarray(0, nul < 0 ? raw.length : nul).toString("utf8");
  }
  return null;
}
