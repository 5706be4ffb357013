/** What the first bytes of an ELF file say: enough to tell static from dynamic without reading it all. */
export interface ElfSniff {
  linking: "static" | "dynamic" | "library";
  interpreter?: string;
}


const PT_DYNAMIC = 2;
const PT_INTERP = 3;

/**
 * Tell static from dynamic ELF from the first page of a file: program headers and PT_INTERP sit
 * right after the ELF header in every linker's default layout. Full parsing lives in src/elf.
 */
export function sniffElf(head: Buffer): ElfSniff | undefined {
  if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  const u16 = (o: number) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number) => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  const word = (o: number) => (is64 ? Number(le ? head.readBigUInt64LE(o) : head.readBigUInt64BE(o)) : u32(o));
  const type = u16(16);
  if (type !== 2 && type !== 3) return undefined; // only executables and shared objects
  const phoff = word(is64 ? 32 : 28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  let dynamic = false;
  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + phentsize > head.length) break;
    const ptype = u32(o);
    if (ptype === PT_DYNAMIC) dynamic = true;
    if (ptype === PT_INTERP) {
      const off = word(o + (is64 ? 8 : 4));
      const size = word(o + (is64 ? 32 : 16));
      if (off + size <= head.length) interpreter = head.toString("latin1", off, off + size).replace(/\0+$/, "");
      dynamic = true;
    }
  }
  if (interpreter) return { linking: "dynamic", interpreter };
  // PT_DYNAMIC without an interpreter: a shared library (or a static-pie, which is rare).
  return { linking: dynamic ? "library" : "static" };
}
