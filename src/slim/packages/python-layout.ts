/**
 * Where an image's Python finds modules (its sys.path, read from the tree without running Python)
 * and which "package" a file belongs to: the top-level package directory (a namespace package's
 * portion), or a top-level module with its compiled variants, in the standard library as in
 * site-packages / dist-packages and the application's own directory.
 */
import { posix } from "node:path";
import type { FileTree } from "../../fs/file-tree.js";
import type { RunCommand } from "../command.js";

const rel = (p: string) => p.replace(/^\/+/, "").replace(/\/+$/, "");
const STDLIB = /(^|\/)lib\/python(\d+\.\d+)$/;
const SITE = /(^|\/)lib\/python(\d*(?:\.\d+)?)\/(site|dist)-packages$/;
/** Files that are Python code: sources, bytecode, extension modules. */
export const PYTHON_CODE = /\.(py|pyc|pyo|so|pyd)$/;
const METADATA = /\.(dist-info|egg-info)$/;
/** Never an application root: the whole filesystem or a system directory of programs. */
const NOT_APP_ROOT = /^(|bin|sbin|usr|usr\/bin|usr\/sbin|usr\/local\/bin|usr\/local\/sbin|usr\/lib|lib|etc)$/;

/** One import unit: a package directory or a top-level module's files. Paths are tree paths (no leading slash). */
export interface PythonUnit {
  /** Dotted module name ("flask", "google.protobuf", "os"), or the metadata directory's name. */
  name: string;
  /** The package or metadata directory, kept whole. */
  dir?: string;
  /** A module's files (source, bytecode in __pycache__, extension builds). */
  files?: string[];
  /** The first path kept for it, as a user reads it. */
  path: string;
  /** Reached through a namespace package (PEP 420): other roots may hold more portions. */
  viaNamespace?: boolean;
}

export interface PythonLayout {
  /** Module search path in sys.path order (tree paths). */
  roots: string[];
  /** site-packages / dist-packages directories (their .pth files run at start-up). */
  siteDirs: string[];
  /** Directories of the application's own modules (the script's directory, the working directory). */
  appRoots: string[];
}

/** The interpreter programs of the command: `python3 app.py`, `python3 -m pkg`. */
export function pythonCommand(cmd: RunCommand): { script?: string; module?: string } | undefined {
  if (!/(^|\/)python[\d.]*$/.test(cmd.argv[0] ?? "")) return undefined;
  const args = cmd.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-m") return { module: args[i + 1] };
    if (a === "-c") return {};
    if (/^-[WXQ]$/.test(a)) i++;
    else if (!a.startsWith("-")) return { script: posix.resolve(cmd.workdir, a) };
  }
  return {};
}

/**
 * The module search path of the image's Python. `versions` limits it to those interpreters' own
 * directories (e.g. ["3.11"] when only python3.11 is kept); empty means every Python found.
 */
export function pythonLayout(tree: FileTree, cmd: RunCommand, versions: ReadonlySet<string>): PythonLayout {
  const stdlibs: string[] = [];
  const sites: string[] = [];
  const wanted = (v: string) => versions.size === 0 || !v.includes(".") || versions.has(v);
  for (const n of tree.values()) {
    if (n.type !== "dir") continue;
    const s = STDLIB.exec(n.path);
    if (s && wanted(s[2]!) && (tree.has(`${n.path}/os.py`) || tree.has(`${n.path}/os.pyc`))) stdlibs.push(n.path);
    const site = SITE.exec(n.path);
    if (site && wanted(site[2]!)) sites.push(n.path);
  }
  stdlibs.sort();
  // /usr/local before /usr, versioned-less Debian dist-packages in between, as Debian's site.py orders them.
  sites.sort((a, b) => Number(!a.startsWith("usr/local/")) - Number(!b.startsWith("usr/local/")) || (a < b ? -1 : a > b ? 1 : 0));
  const appRoots: string[] = [];
  const py = pythonCommand(cmd);
  const scriptDir = py?.script ? rel(posix.dirname(py.script)) : undefined;
  for (const d of [scriptDir, rel(cmd.workdir)]) {
    if (d !== undefined && !NOT_APP_ROOT.test(d) && tree.get(d)?.type === "dir" && !appRoots.includes(d)) appRoots.push(d);
  }
  const pythonPath = (cmd.env.get("PYTHONPATH") ?? "")
    .split(":")
    .filter(Boolean)
    .map((p) => rel(posix.resolve(cmd.workdir, p)))
    .filter((p) => tree.get(p)?.type === "dir");
  const dynload = stdlibs.map((s) => `${s}/lib-dynload`).filter((d) => tree.get(d)?.type === "dir");
  const roots = [...new Set([...appRoots, ...pythonPath, ...stdlibs, ...dynload, ...sites])];
  return { roots, siteDirs: sites, appRoots };
}

/** The deepest search-path entry holding a path, if any. */
export function rootOf(layout: PythonLayout, path: string): string | undefined {
  let best: string | undefined;
  for (const r of layout.roots) if (path.startsWith(r + "/") && (!best || r.length > best.length)) best = r;
  return best;
}

export function isPackageDir(tree: FileTree, dir: string): boolean {
  return tree.list(dir).some((c) => /\/__init__(\.[^/]*)?\.(py|pyc|so)$/.test(c));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A top-level module's files in a directory: NAME.py, NAME.pyc, NAME.<abi>.so, __pycache__/NAME.<tag>.pyc. */
function moduleFiles(tree: FileTree, dir: string, name: string): string[] {
  const own = new RegExp(`^${escape(name)}(\\.[^/]*)?\\.(py|pyc|pyo|so|pyd)$`);
  const cached = new RegExp(`^${escape(name)}\\.[^/]*\\.pyc$`);
  const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
  const files = tree.list(dir).filter((c) => own.test(base(c)) && tree.get(c)?.type !== "dir");
  if (files.length === 0) return [];
  const cache = dir ? `${dir}/__pycache__` : "__pycache__";
  return [...files, ...tree.list(cache).filter((c) => cached.test(base(c)))];
}

const dotted = (root: string, dir: string) => dir.slice(root.length + 1).replace(/\//g, ".");

/** The unit a file of a search-path entry belongs to, if it is Python code or distribution metadata. */
export function unitOf(tree: FileTree, layout: PythonLayout, path: string): PythonUnit | undefined {
  const root = rootOf(layout, path);
  if (!root) return undefined;
  const parts = path.slice(root.length + 1).split("/");
  if (METADATA.test(parts[0]!)) return { name: parts[0]!, dir: `${root}/${parts[0]}`, path: `${root}/${parts[0]}` };
  if (!PYTHON_CODE.test(path)) return undefined;
  if (parts.length === 1 || (parts.length === 2 && parts[0] === "__pycache__")) {
    const name = parts[parts.length - 1]!.split(".")[0]!;
    const files = moduleFiles(tree, root, name);
    return files.length ? { name, files, path: files[0]! } : undefined;
  }
  // Into a namespace package (no __init__) until a regular package, or a module directly in it.
  let dir = `${root}/${parts[0]}`;
  for (let k = 1; !isPackageDir(tree, dir); k++) {
    const last = k === parts.length - 1 || (k === parts.length - 2 && parts[k] === "__pycache__");
    if (last) {
      const name = parts[parts.length - 1]!.split(".")[0]!;
      const files = moduleFiles(tree, dir, name);
      return files.length ? { name: `${dotted(root, dir)}.${name}`, files, path: files[0]!, viaNamespace: true } : undefined;
    }
    dir = `${dir}/${parts[k]}`;
  }
  return { name: dotted(root, dir), dir, path: dir, ...(dir.split("/").length - root.split("/").length > 1 ? { viaNamespace: true } : {}) };
}

/** Where `import a.b.c` finds its top unit in one search-path entry (package, namespace portion, or module). */
function locate(tree: FileTree, root: string, parts: readonly string[]): PythonUnit | undefined {
  let dir = root;
  for (let k = 0; k < parts.length; k++) {
    const name = parts[k]!;
    const sub = `${dir}/${name}`;
    if (tree.get(sub)?.type === "dir") {
      if (isPackageDir(tree, sub)) return { name: dotted(root, sub), dir: sub, path: sub, ...(k > 0 ? { viaNamespace: true } : {}) };
      if (k === parts.length - 1) return undefined; // `import ns` alone loads no file of a namespace package
      dir = sub;
      continue;
    }
    const files = moduleFiles(tree, dir, name);
    return files.length ? { name: dotted(root, `${dir}/${name}`), files, path: files[0]!, ...(k > 0 ? { viaNamespace: true } : {}) } : undefined;
  }
  return undefined;
}

/**
 * The units `import a.b.c` needs: the first entry of the search path that has a regular package or
 * module `a` wins; namespace portions are collected from every entry (PEP 420).
 */
export function resolveModule(tree: FileTree, layout: PythonLayout, module: string): PythonUnit[] {
  const parts = module.split(".");
  const found: PythonUnit[] = [];
  for (const root of layout.roots) {
    const u = locate(tree, root, parts);
    if (!u) continue;
    if (!u.viaNamespace) {
      if (found.length === 0) return [u];
      continue;
    }
    found.push(u);
  }
  return found;
}
