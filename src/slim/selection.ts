import { posix } from "node:path";
import type { FileTree } from "../fs/file-tree.js";
import { resolvePath } from "../fs/resolve-path.js";
import type { FileView } from "../elf/file-view.js";

const rel = (p: string) => p.replace(/^\/+/, "").replace(/\/+$/, "");

/** The paths a slim image keeps, each with every reason it is kept, and content replacements. */
export class Selection {
  readonly reasons = new Map<string, Set<string>>();
  /** New content for a kept path (e.g. /etc/passwd holding only the image's user). */
  readonly overrides = new Map<string, Buffer>();

  constructor(
    private readonly tree: FileTree,
    private readonly view: FileView,
  ) {}

  has(path: string): boolean {
    return this.reasons.has(rel(path));
  }

  /** Keep exactly this path (no symlink following). */
  addExact(path: string, reason: string): void {
    const key = rel(path);
    if (key === "" || !this.tree.get(key)) return;
    let set = this.reasons.get(key);
    if (!set) this.reasons.set(key, (set = new Set()));
    set.add(reason);
  }

  /**
   * Keep what a path leads to: every symlink on the way (directory links included) and the real
   * file; `recursive` keeps a directory's whole content. Returns the real path, or undefined when
   * the path does not exist in the image.
   */
  add(path: string, reason: string, opts: { recursive?: boolean; cwd?: string } = {}): string | undefined {
    const r = resolvePath(this.view, path.startsWith("/") ? path : `${opts.cwd ?? "/"}/${path}`);
    if (!r) return undefined;
    // A link's reason is where it leads; why that is kept is the real path's own reason.
    for (const link of r.links) this.addExact(link, `symlink on the way to ${r.realPath}`);
    this.addExact(r.realPath, reason);
    const node = this.tree.get(rel(r.realPath));
    if (node?.type === "hardlink") this.addExact(node.linkname, `hardlink target of ${r.realPath}`);
    if (opts.recursive && r.stat.type === "dir") {
      for (const d of this.tree.descendants(rel(r.realPath))) {
        this.addExact(d.path, reason);
        if (d.type === "hardlink") this.addExact(d.linkname, `hardlink target of /${d.path}`);
      }
    }
    return r.realPath;
  }

  /**
   * For a path the program used that the image does not have (a file or directory it created, a
   * file the engine mounts): keep the deepest directory on its way that the image has, so the
   * program can create it again. Returns that directory, or undefined when none but the root.
   */
  addExistingParent(path: string, reason: string): string | undefined {
    let dir = posix.dirname(posix.resolve("/", path));
    while (dir !== "/") {
      const r = resolvePath(this.view, dir);
      if (r) {
        if (r.stat.type !== "dir") return undefined;
        return this.add(dir, reason);
      }
      dir = posix.dirname(dir);
    }
    return undefined;
  }

  remove(path: string): void {
    this.reasons.delete(rel(path));
    this.overrides.delete(rel(path));
  }

  override(path: string, content: Buffer, reason: string): void {
    this.addExact(path, reason);
    if (this.reasons.has(rel(path))) this.overrides.set(rel(path), content);
  }

  paths(): string[] {
    return [...this.reasons.keys()].sort();
  }
}
