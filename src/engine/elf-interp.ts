/**
 * The two things the kernel reads from an executable before any system call we can see:
 * the `#!` line of a script and the PT_INTERP (ELF loader) of a dynamic binary. The ELF part is
 * the ELF reader's first step (elf/sniff.ts).
 */
import { readElfHead, type ElfHead } from "../elf/sniff.js";

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
  let h: ElfHead | undefined;
  try {
    h = readElfHead(head);
  } catch {
    return undefined; // looks like ELF but its header is corrupt or cut short
  }
  return h?.interpreter;
}
