/**
 * The ELF reader's first step, on the first bytes of a file: identification, file header and the
 * program headers that lie inside those bytes (in every linker's default layout they all do, with
 * PT_INTERP right after them). readElf (reader.ts) starts here and reads further only when needed;
 * sniffElf is this step alone, enough to tell static from dynamic while a layer streams by.
 */
import * as C from "./constants.js";
import { ElfDecoder, interpreterText, type ElfHeader, type ProgramHeader } from "./decoder.js";
import { bufferAccess, type RandomAccess } from "./random-access.js";

/** What the first bytes of an ELF file say: enough to tell static from dynamic without reading it all. */
export interface ElfSniff {
  linking: "static" | "dynamic" | "library";
  interpreter?: string;
}

export interface ElfHead {
  dec: ElfDecoder;
  header: ElfHeader;
  /** The program headers that lie inside the head. */
  phdrs: ProgramHeader[];
  /** All of the table lies inside the head. */
  complete: boolean;
  /** PT_INTERP text; null when the (complete) table has none; undefined when unknown (outside the head). */
  interpreter?: string | null;
}

/** True when `head` starts with the four ELF magic bytes. */
export function isElfMagic(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32BE(0) === 0x7f454c46;
}

/**
 * Decode what `head` (the first bytes of a file) holds. Undefined when it is not ELF; throws
 * InputError (naming `ra`) when the identification or file header is truncated or corrupt.
 */
export function readElfHead(head: Buffer, ra: RandomAccess = bufferAccess(head)): ElfHead | undefined {
  if (!isElfMagic(head)) return undefined;
  const dec = ElfDecoder.fromIdent(head, ra);
  const header = dec.header(head);
  if (header.phnum === C.PN_XNUM) return { dec, header, phdrs: [], complete: false }; // the real count sits in section 0
  if (header.phnum === 0 || header.phoff === 0) return { dec, header, phdrs: [], complete: true, interpreter: null };
  dec.checkEntSize(header.phentsize, dec.is64 ? 56 : 32, "e_phentsize");
  const fit = Math.max(0, Math.min(header.phnum, Math.floor((head.length - header.phoff) / header.phentsize)));
  const phdrs = dec.decodeProgramHeaders(head.subarray(header.phoff), fit, header.phentsize);
  const complete = fit === header.phnum;
  const interp = phdrs.find((p) => p.type === C.PT_INTERP);
  if (!interp) return { dec, header, phdrs, complete, ...(complete ? { interpreter: null } : {}) };
  const inside = interp.offset + interp.filesz <= head.length;
  const text = inside ? { interpreter: interpreterText(head.subarray(interp.offset, interp.offset + interp.filesz)) } : {};
  return { dec, header, phdrs, complete, ...text };
}

/**
 * Tell static from dynamic ELF from the first page of a file (executables and shared objects only).
 * Never throws: a file that only looks like ELF is simply not sniffed.
 */
export function sniffElf(head: Buffer): ElfSniff | undefined {
  let h: ElfHead | undefined;
  try {
    h = readElfHead(head);
  } catch {
    return undefined;
  }
  if (!h || (h.header.type !== C.ET_EXEC && h.header.type !== C.ET_DYN)) return undefined;
  if (h.interpreter) return { linking: "dynamic", interpreter: h.interpreter };
  const phdrs = h.phdrs;
  if (phdrs.some((p) => p.type === C.PT_INTERP)) return { linking: "dynamic" };
  // PT_DYNAMIC without an interpreter: a shared library (or a static-pie, which is rare).
  return { linking: phdrs.some((p) => p.type === C.PT_DYNAMIC) ? "library" : "static" };
}
