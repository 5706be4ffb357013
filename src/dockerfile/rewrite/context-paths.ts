/**
 * Maps paths inside the image back to the build context, following the COPY/ADD instructions that put
 * them there — so the rewrite can read the Go sources a `go build` in the image would compile.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** One COPY/ADD from the build context: context-relative sources and an absolute destination in the image. */
export interface ContextCopy {
  sources: string[];
  dest: string;
  /** The destination is a directory (it ends with `/`, or several sources go into it). */
  destIsDir: boolean;
}

type Kind = "file" | "dir" | null;

async function kindOf(p: string): Promise<Kind> {
  return stat(p).then((s) => (s.isDirectory() ? "dir" : s.isFile() ? "file" : null), () => null);
}

/** True when `child` is `parent` or inside it (both absolute POSIX paths). */
export function isWithin(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent === "/" ? "/" : parent + "/");
}

export class ContextMap {
  private readonly root: string;

  constructor(contextDir: string, private readonly copies: ContextCopy[]) {
    this.root = path.resolve(contextDir);
  }

  private local(source: string): string | null {
    if (/[*?[]/.test(source) || /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith("git@")) return null;
    const resolved = path.resolve(this.root, source.replace(/^\/+/, ""));
    return isWithin(this.root, resolved) ? resolved : null;
  }

  /** Where the file at `imagePath` came from in the context (the last copy that wrote it), or null. */
  async fileAt(imagePath: string): Promise<string | null> {
    for (const copy of [...this.copies].reverse()) {
      for (const source of copy.sources) {
        const local = this.local(source);
        if (!local) continue;
        const kind = await kindOf(local);
        if (kind === "dir" && isWithin(copy.dest, imagePath)) {
          const candidate = path.join(local, path.posix.relative(copy.dest, imagePath));
          if ((await kindOf(candidate)) === "file") return candidate;
        } else if (kind === "file") {
          const landing = copy.destIsDir ? path.posix.join(copy.dest, path.basename(local)) : copy.dest;
          if (landing === imagePath) return local;
        }
      }
    }
    return null;
  }

  /** The context directory whose contents were copied to `imageDir` (or to a parent of it), or null. */
  async dirAt(imageDir: string): Promise<string | null> {
    for (const copy of [...this.copies].reverse()) {
      for (const source of copy.sources) {
        const local = this.local(source);
        if (!local || (await kindOf(local)) !== "dir" || !isWithin(copy.dest, imageDir)) continue;
        const candidate = path.join(local, path.posix.relative(copy.dest, imageDir));
        if ((await kindOf(candidate)) === "dir") return candidate;
      }
    }
    return null;
  }

  /** Context paths of the non-test .go files that end up directly in `imageDir`. */
  async goFilesAt(imageDir: string): Promise<string[]> {
    const byName = new Map<string, string>();
    const dir = await this.dirAt(imageDir);
    if (dir) {
      for (const name of await readdir(dir)) byName.set(name, path.join(dir, name));
    }
    for (const copy of this.copies) {
      for (const source of copy.sources) {
        const local = this.local(source);
        if (!local || (await kindOf(local)) !== "file") continue;
        const landing = copy.destIsDir ? path.posix.join(copy.dest, path.basename(local)) : copy.dest;
        if (path.posix.dirname(landing) === imageDir) byName.set(path.posix.basename(landing), local);
      }
    }
    return [...byName.entries()]
      .filter(([name]) => name.endsWith(".go") && !name.endsWith("_test.go"))
      .map(([, file]) => file)
      .sort();
  }
}

/** Every non-test .go file in the context, skipping vendor/, testdata/ and hidden directories. */
export async function allGoFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "vendor" && entry.name !== "testdata") found.push(...(await allGoFiles(full)));
    } else if (entry.name.endsWith(".go") && !entry.name.endsWith("_test.go")) found.push(full);
  }
  return found.sort();
}
