/**
 * Files the kernel opens on its own during execve, which no traced system call shows: the
 * executable's real file behind symlinks, a script's `#!` interpreter and an ELF's loader
 * (PT_INTERP) — recursively, as the kernel does.
 */
import { posix } from "node:path";
import type { ContainerFiles } from "./container-files.js";
import { execFormat } from "./elf-interp.js";

const MAX_DEPTH = 8;

/** Paths the kernel reaches from executing `path`, beyond `path` itself. Memoised in `cache`. */
export async function kernelMappedPaths(files: ContainerFiles, path: string, cache: Map<string, string[]>): Promise<string[]> {
  const cached = cache.get(path);
  if (cached) return cached;
  const out = new Set<string>();
  const seen = new Set<string>();

  async function visit(p: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH || seen.has(p)) return;
    seen.add(p);
    const real = await files.realPath(p);
    if (!real) return;
    if (real !== p) out.add(real);
    const entry = await files.head(real);
    if (!entry || entry.type !== "file") return;
    const fmt = execFormat(entry.head);
    const interp = fmt.kind === "other" ? null : fmt.interpreter;
    if (!interp) return;
    const abs = posix.resolve(posix.dirname(p), interp);
    out.add(abs);
    await visit(abs, depth + 1);
  }

  await visit(path, 0);
  const result = [...out];
  cache.set(path, result);
  return result;
}
