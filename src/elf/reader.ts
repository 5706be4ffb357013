/**
 * A small ELF reader: just what slimming needs (interpreter, DT_NEEDED, search paths, soname, class,
 * machine, stripped or not). Written here because npm has no maintained ELF parser; the packages that
 * exist are abandoned, read whole files into memory, or only understand one class/endianness.
 *
 * Everything dynamic comes from PROGRAM headers (PT_INTERP, PT_DYNAMIC, PT_LOAD), exactly what the
 * kernel and ld.so use, so binaries whose section headers were removed still read correctly. Section
 * headers, when present, are only consulted for hasSymtab / hasDebugInfo.
 */
import type { RandomAccess } from "./random-access.js";
import * as C from "./constants.js";
import { interpreterText, type ElfDecoder, type ProgramHeader, type SectionHeader } from "./decoder.js";
import { isElfMagic, readElfHead } from "./sniff.js";
import { StringTable } from "./string-table.js";

export interface ElfInfo {
  class: 32 | 64;
  endian: "le" | "be";
  /** e_machine. */
  machine: number;
  /** Short name of e_machine: "x86_64", "aarch64", "i386", "arm", … */
  machineName: string;
  type: "rel" | "exec" | "dyn" | "core" | "other";
  /** PT_INTERP contents, e.g. "/lib64/ld-linux-x86-64.so.2". */
  interpreter?: string;
  /** DT_NEEDED entries in file order. */
  needed: string[];
  /** DT_RPATH entries, split on ":" and not expanded ($ORIGIN stays as written). */
  rpath: string[];
  /** DT_RUNPATH entries, split on ":" and not expanded. */
  runpath: string[];
  soname?: string;
  /** No PT_INTERP and no DT_NEEDED: nothing else has to be present for it to run. */
  isStatic: boolean;
  /** DT_FLAGS_1 has DF_1_PIE, or (older linkers) an ET_DYN with an interpreter and no soname. */
  isPie: boolean;
  /** A .symtab section exists (not stripped). */
  hasSymtab: boolean;
  /** A .debug_info / .zdebug_info section exists. */
  hasDebugInfo: boolean;
  /** DT_FLAGS_1 when present (DF_1_NODEFLIB changes library search). */
  flags1?: number;
}

export { isElfMagic };

/** The first read: enough for the file header, the program headers and PT_INTERP of usual layouts. */
const HEAD_BYTES = 4096;

const TYPES: Record<number, ElfInfo["type"]> = {
  [C.ET_REL]: "rel",
  [C.ET_EXEC]: "exec",
  [C.ET_DYN]: "dyn",
  [C.ET_CORE]: "core",
};

/**
 * Reads the ELF facts of a file. Resolves to undefined when the bytes are not ELF at all; throws
 * InputError naming the problem when they are ELF but truncated or inconsistent.
 */
export async function readElf(ra: RandomAccess): Promise<ElfInfo | undefined> {
  // First step: the sniff's decoding of the head; the rest is read only when it lies beyond.
  const first = readElfHead(await ra.read(0, HEAD_BYTES), ra);
  if (!first) return undefined;
  const { dec, header: eh } = first;

  const phdrs = first.complete ? first.phdrs : await dec.programHeaders(eh);
  const interpreter = first.interpreter !== undefined ? (first.interpreter ?? undefined) : await readInterpreter(dec, phdrs);
  const dyn = await readDynamic(dec, phdrs);
  const { sections, shstrndx } = await dec.sectionHeaders(eh);
  const { hasSymtab, hasDebugInfo } = await inspectSections(dec, sections, shstrndx);

  const type = TYPES[eh.type] ?? "other";
  const pieFlag = dyn.flags1 !== undefined && (dyn.flags1 & C.DF_1_PIE) !== 0;
  return {
    class: dec.is64 ? 64 : 32,
    endian: dec.le ? "le" : "be",
    machine: eh.machine,
    machineName: C.machineName(eh.machine),
    type,
    ...(interpreter !== undefined ? { interpreter } : {}),
    needed: dyn.needed,
    rpath: dyn.rpath,
    runpath: dyn.runpath,
    ...(dyn.soname !== undefined ? { soname: dyn.soname } : {}),
    isStatic: interpreter === undefined && dyn.needed.length === 0,
    isPie: pieFlag || (type === "dyn" && interpreter !== undefined && dyn.soname === undefined),
    hasSymtab,
    hasDebugInfo,
    ...(dyn.flags1 !== undefined ? { flags1: dyn.flags1 } : {}),
  };
}

async function readInterpreter(dec: ElfDecoder, phdrs: ProgramHeader[]): Promise<string | undefined> {
  const ph = phdrs.find((p) => p.type === C.PT_INTERP);
  if (!ph) return undefined;
  return interpreterText(await dec.readExact(ph.offset, ph.filesz, "PT_INTERP segment"));
}

interface DynamicFacts {
  needed: string[];
  rpath: string[];
  runpath: string[];
  soname?: string;
  flags1?: number;
}

async function readDynamic(dec: ElfDecoder, phdrs: ProgramHeader[]): Promise<DynamicFacts> {
  const facts: DynamicFacts = { needed: [], rpath: [], runpath: [] };
  const ph = phdrs.find((p) => p.type === C.PT_DYNAMIC);
  if (!ph || ph.filesz === 0) return facts;
  const entries = dec.dynamicEntries(await dec.readExact(ph.offset, ph.filesz, "PT_DYNAMIC segment"));

  let strtab: bigint | undefined;
  let strsz: number | undefined;
  const pending: { tag: number; value: bigint }[] = [];
  for (const { tag, value } of entries) {
    if (tag === C.DT_STRTAB) strtab = value;
    else if (tag === C.DT_STRSZ) strsz = dec.toNumber(value, "DT_STRSZ");
    else if (tag === C.DT_FLAGS_1) facts.flags1 = Number(value & 0xffffffffn);
    else if (tag === C.DT_NEEDED || tag === C.DT_SONAME || tag === C.DT_RPATH || tag === C.DT_RUNPATH) {
      pending.push({ tag, value });
    }
  }
  if (pending.length === 0) return facts;
  if (strtab === undefined) throw dec.corrupt("dynamic section has string entries but no DT_STRTAB");

  const seg = mapAddress(phdrs, strtab);
  if (!seg) throw dec.corrupt(`DT_STRTAB address 0x${strtab.toString(16)} is not inside any PT_LOAD segment`);
  const offset = seg.offset + Number(strtab - seg.vaddr);
  const extent = seg.offset + seg.filesz - offset;
  const strings = new StringTable(dec, offset, strsz !== undefined ? Math.min(strsz, extent) : extent, ".dynstr");

  for (const { tag, value } of pending) {
    const s = await strings.get(dec.toNumber(value, "dynamic string offset"));
    if (tag === C.DT_NEEDED) facts.needed.push(s);
    else if (tag === C.DT_SONAME) facts.soname = s;
    else if (tag === C.DT_RPATH) facts.rpath.push(...s.split(":"));
    else facts.runpath.push(...s.split(":"));
  }
  return facts;
}

/** The PT_LOAD segment whose file-backed bytes contain virtual address `addr`. */
function mapAddress(phdrs: ProgramHeader[], addr: bigint): ProgramHeader | undefined {
  return phdrs.find((p) => p.type === C.PT_LOAD && addr >= p.vaddr && addr < p.vaddr + BigInt(p.filesz));
}

const DEBUG_INFO_NAMES = new Set([".debug_info", ".zdebug_info"]);
const SHF_ALLOC = 0x2n;

async function inspectSections(
  dec: ElfDecoder,
  sections: SectionHeader[],
  shstrndx: number,
): Promise<{ hasSymtab: boolean; hasDebugInfo: boolean }> {
  const hasSymtab = sections.some((s) => s.type === C.SHT_SYMTAB);
  if (sections.length === 0 || shstrndx === 0) return { hasSymtab, hasDebugInfo: false };
  const strSec = sections[shstrndx];
  if (!strSec) throw dec.corrupt(`e_shstrndx ${shstrndx} is beyond the ${sections.length} section headers`);
  const names = new StringTable(dec, strSec.offset, strSec.size, ".shstrtab");
  await names.check();
  for (const s of sections) {
    // Debug sections are never loaded; skipping allocated ones saves most name lookups.
    if ((s.flags & SHF_ALLOC) !== 0n || s.type === 0 || s.name >= strSec.size) continue;
    if (DEBUG_INFO_NAMES.has(await names.get(s.name))) return { hasSymtab, hasDebugInfo: true };
  }
  return { hasSymtab, hasDebugInfo: false };
}
