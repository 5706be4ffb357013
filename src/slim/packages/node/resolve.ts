/**
 * Node.js module resolution over an image's files, as `require()` and `import` do it
 * (https://nodejs.org/api/modules.html#all-together, https://nodejs.org/api/esm.html#resolution-algorithm):
 * relative and absolute paths with extensions and `index` files for require, `main`, `exports` and
 * `imports` with conditions, node_modules directories from the requiring file up to the root, then
 * the global directories (NODE_PATH, the distribution's, such as Debian's /usr/share/nodejs).
 * Targets are returned by their real path, as Node identifies modules.
 */
import { builtinModules } from "node:module";
import { posix } from "node:path";
import { resolvePath, type PathView } from "../../../fs/resolve-path.js";
import { exportsTarget, importsTarget, type MapTarget } from "./exports-map.js";
import { PackageJsonCache, type PackageJson, type ReadFile } from "./package-json.js";

export type RequestKind = "require" | "import";

export type Resolution =
  | { kind: "builtin" }
  /** `path` as looked up, `real` with symlinks followed; `via` are package.json files the lookup read. */
  | { kind: "file"; path: string; real: string; via: string[] }
  | { kind: "not-found" };

const BUILTINS = new Set(builtinModules);
const REQUIRE_EXTENSIONS = ["", ".js", ".json", ".node"];
const INDEX_FILES = ["index.js", "index.json", "index.node"];

/** Conditions Node sets for each kind of request (besides "default"). */
const CONDITIONS: Record<RequestKind, ReadonlySet<string>> = {
  require: new Set(["node", "node-addons", "require"]),
  import: new Set(["node", "node-addons", "import"]),
};

/** A bare specifier's package name and the subpath inside it ("." for the package itself). */
export function splitSpecifier(specifier: string): { name: string; subpath: string } | undefined {
  const parts = specifier.split("/");
  const n = specifier.startsWith("@") ? 2 : 1;
  if (parts.length < n || parts.slice(0, n).some((p) => p === "")) return undefined;
  const name = parts.slice(0, n).join("/");
  if (name.startsWith(".") || name.includes("\\") || name.includes("%")) return undefined;
  const rest = parts.slice(n).join("/");
  return { name, subpath: rest === "" ? "." : `./${rest}` };
}

export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || BUILTINS.has(specifier);
}

/** The node_modules directories Node looks in from `dir`: `dir/node_modules` and each parent's, up to the root. */
function nodeModulesDirs(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = posix.dirname(d)) {
    if (posix.basename(d) !== "node_modules") out.push(posix.join(d, "node_modules"));
    if (d === "/") return out;
  }
}

export class NodeResolver {
  readonly packages: PackageJsonCache;

  constructor(
    private readonly view: PathView,
    read: ReadFile,
    /** Global module directories, in Node's order (NODE_PATH first), absolute. */
    private readonly globalDirs: readonly string[],
  ) {
    this.packages = new PackageJsonCache(view, read);
  }

  /** Resolve what `from` (an absolute file path) asks for with `specifier`. */
  async resolve(specifier: string, from: string, kind: RequestKind): Promise<Resolution> {
    if (isBuiltin(specifier)) return { kind: "builtin" };
    const dir = posix.dirname(from);
    const via: string[] = [];
    let found: string | undefined;
    if (specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/") || specifier === "." || specifier === "..") {
      const target = posix.resolve(dir, specifier);
      found = kind === "require" ? await this.fileOrDirectory(target, via) : this.file(target);
    } else if (specifier.startsWith("#")) {
      found = await this.packageImport(specifier, dir, kind, via);
    } else {
      found = await this.modulesLookup(specifier, dir, kind, via);
    }
    if (found === undefined) return { kind: "not-found" };
    const real = resolvePath(this.view, found)?.realPath ?? found;
    return { kind: "file", path: found, real, via };
  }

  /**
   * Where package `name` is as seen from `dir` (for `dependencies`): its directory in the first
   * node_modules or global directory that has it, or a single-file module there; a real path.
   */
  packageDir(name: string, dir: string): string | undefined {
    for (const base of this.lookupDirs(dir)) {
      const p = posix.join(base, name);
      const r = resolvePath(this.view, p);
      if (r?.stat.type === "dir") return r.realPath;
      for (const ext of REQUIRE_EXTENSIONS.slice(1)) {
        const f = resolvePath(this.view, p + ext);
        if (f?.stat.type === "file") return f.realPath;
      }
    }
    return undefined;
  }

  /** The package.json that decides the module format of files in `dir` (Node's package scope), with its path. */
  async scope(dir: string): Promise<{ path: string; json: PackageJson } | undefined> {
    for (let d = dir; ; d = posix.dirname(d)) {
      if (posix.basename(d) === "node_modules") return undefined;
      const json = await this.packages.get(d);
      if (json) return { path: posix.join(d, "package.json"), json };
      if (d === "/") return undefined;
    }
  }

  /** node_modules directories from `dir` up to the root, then the global directories. */
  lookupDirs(dir: string): string[] {
    return [...nodeModulesDirs(dir), ...this.globalDirs];
  }

  private isFile(p: string): boolean {
    return resolvePath(this.view, p)?.stat.type === "file";
  }

  private file(p: string): string | undefined {
    return this.isFile(p) ? p : undefined;
  }

  /** LOAD_AS_FILE then LOAD_AS_DIRECTORY (require only). */
  private async fileOrDirectory(p: string, via: string[]): Promise<string | undefined> {
    for (const ext of REQUIRE_EXTENSIONS) if (this.isFile(p + ext)) return p + ext;
    return this.directory(p, via);
  }

  /** LOAD_AS_DIRECTORY: package.json `main` (as a file, then its index), else the directory's index. */
  private async directory(p: string, via: string[]): Promise<string | undefined> {
    if (resolvePath(this.view, p)?.stat.type !== "dir") return undefined;
    const json = await this.packages.get(p);
    if (json) via.push(posix.join(p, "package.json"));
    if (json?.main) {
      const m = posix.resolve(p, json.main);
      for (const ext of REQUIRE_EXTENSIONS) if (this.isFile(m + ext)) return m + ext;
      for (const i of INDEX_FILES) if (this.isFile(posix.join(m, i))) return posix.join(m, i);
    }
    for (const i of INDEX_FILES) if (this.isFile(posix.join(p, i))) return posix.join(p, i);
    return undefined;
  }

  /**
   * LOAD_NODE_MODULES (require) / PACKAGE_RESOLVE (import). A package with `exports` ends the search
   * either way; without them require goes on to the next directory when the file is not there,
   * import stops at the first directory that has the package. import never looks in the global
   * directories (Debian's Node does not either).
   */
  private async modulesLookup(specifier: string, dir: string, kind: RequestKind, via: string[]): Promise<string | undefined> {
    const split = splitSpecifier(specifier);
    if (!split) return undefined;
    const dirs = kind === "require" ? this.lookupDirs(dir) : nodeModulesDirs(dir);
    for (const base of dirs) {
      const pkgDir = posix.join(base, split.name);
      const stat = resolvePath(this.view, pkgDir)?.stat.type;
      if (kind === "import") {
        if (stat !== "dir") continue;
        const json = await this.packages.get(pkgDir);
        if (json?.exports !== undefined && json.exports !== null) return this.exported(json.exports, pkgDir, split.subpath, kind, via);
        // No exports: the legacy main for the package itself, else an exact file inside it.
        return split.subpath === "." ? this.directory(pkgDir, via) : this.file(posix.join(pkgDir, split.subpath));
      }
      if (stat === undefined && split.subpath !== ".") continue;
      const json = stat === "dir" ? await this.packages.get(pkgDir) : undefined;
      if (json?.exports !== undefined && json.exports !== null) return this.exported(json.exports, pkgDir, split.subpath, kind, via);
      // Also a module that is a single file in the directory (node_modules/foo.js).
      const found = await this.fileOrDirectory(posix.join(pkgDir, split.subpath), via);
      if (found) return found;
    }
    return undefined;
  }

  private exported(exports: unknown, pkgDir: string, subpath: string, kind: RequestKind, via: string[]): Promise<string | undefined> {
    via.push(posix.join(pkgDir, "package.json"));
    return this.mapTarget(exportsTarget(exports, subpath, CONDITIONS[kind]), pkgDir, kind, via);
  }

  /** `#name` from the `imports` of the package scope of `dir`. */
  private async packageImport(specifier: string, dir: string, kind: RequestKind, via: string[]): Promise<string | undefined> {
    const scope = await this.scope(dir);
    if (!scope) return undefined;
    via.push(scope.path);
    return this.mapTarget(importsTarget(scope.json.imports, specifier, CONDITIONS[kind]), posix.dirname(scope.path), kind, via);
  }

  private async mapTarget(t: MapTarget, pkgDir: string, kind: RequestKind, via: string[]): Promise<string | undefined> {
    if (!t) return undefined;
    if (t.kind === "path") return this.file(posix.join(pkgDir, t.path));
    if (isBuiltin(t.specifier)) return undefined;
    return this.modulesLookup(t.specifier, pkgDir, kind, via);
  }
}
