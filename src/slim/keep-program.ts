import { bufferAccess } from "../elf/random-access.js";
import { readElf } from "../elf/reader.js";
import type { MissingLibrary } from "../elf/resolve.js";
import type { FileView } from "../elf/file-view.js";
import type { FileTree } from "../fs/file-tree.js";
import { resolvePath } from "../fs/resolve-path.js";
import type { FileFacts } from "../scan/scan.js";
import type { RunCommand } from "./command.js";
import { ProgramClosureWalk } from "./program-closure.js";
import type { Selection } from "./selection.js";
import { treeFacts } from "./tree-view.js";

/** What keeping programs reports: notes, libraries not in the image, and the facts of the ELF files kept. */
export interface KeptClosure {
  notes: string[];
  missing: MissingLibrary[];
  keptElves: FileFacts[];
}

/** Keep what the walk of one program finds: the program and its links, its ELF closure, its interpreters. */
export async function keepProgram(
  sel: Selection,
  walk: ProgramClosureWalk,
  factsOf: (path: string) => FileFacts | undefined,
  name: string,
  reason: string,
  out: KeptClosure,
  quiet = false,
): Promise<void> {
  for (const step of await walk.walk(name, reason)) {
    switch (step.kind) {
      case "not-found":
        if (!quiet || step.reason !== reason) out.notes.push(`program ${step.name} (${step.reason}) is not in the image`);
        break;
      case "program": {
        sel.add(step.path, step.reason);
        const f = factsOf(step.real);
        if (f?.elf) out.keptElves.push(f);
        break;
      }
      case "file": {
        // The closure's paths are canonical already (links by their own path): keep them as they are.
        sel.addExact(step.path, step.reason);
        const lf = factsOf(step.path);
        if (lf) out.keptElves.push(lf);
        break;
      }
      case "missing":
        out.missing.push(step.missing);
    }
  }
}

const rel = (p: string) => p.replace(/^\/+/, "");

/**
 * Keep a shared object that a package loads (a Node.js addon, a Python extension module) with its ELF
 * closure. The scan reads ELF facts only of executables and `*.so*` files; an addon outside those
 * (a `.node` file without the x bit) is read from its bytes here.
 */
export function elfKeeper(
  sel: Selection,
  tree: FileTree,
  view: FileView,
  facts: ReadonlyMap<string, FileFacts>,
  cmd: RunCommand,
  read: (path: string) => Promise<Buffer | undefined>,
  out: KeptClosure,
): (path: string, reason: string) => Promise<void> {
  const fromBytes: Map<string, FileFacts> = new Map();
  const scanned = treeFacts(tree, facts);
  const factsOf = (p: string) => scanned(p) ?? fromBytes.get(rel(p));
  const withRead: FileView = { ...view, elf: async (p) => (await view.elf(p)) ?? fromBytes.get(rel(p))?.elf };
  const walk = new ProgramClosureWalk(withRead, factsOf, cmd);
  return async (path, reason) => {
    const real = resolvePath(view, path)?.realPath;
    if (!real) return;
    if (!factsOf(real)?.elf) {
      const bytes = await read(real);
      const elf = bytes && (await readElf(bufferAccess(bytes)).catch(() => undefined));
      if (!elf) {
        sel.add(real, reason);
        return;
      }
      fromBytes.set(rel(real), { elf });
    }
    await keepProgram(sel, walk, factsOf, real, reason, out, true);
  };
}
