/**
 * Python's package rules: when the trace or the static closure reaches any file of a package (a
 * top-level package directory or module, in the standard library, site-packages / dist-packages or
 * the application's directory), keep the whole package, its distribution metadata, its extension
 * modules with their ELF closure, and — transitively — every package its modules import at module
 * level. The application's own modules are followed into their functions too: a handler's lazy
 * `import xml.etree.ElementTree` is exactly what a probe can miss.
 */
import { posix } from "node:path";
import type { FileTree } from "../../fs/file-tree.js";
import { absPath as abs, fileBytes } from "./keep-whole.js";
import { pythonImports } from "./python-imports.js";
import { pythonCommand, pythonLayout, resolveModule, rootOf, unitOf, type PythonLayout, type PythonUnit } from "./python-layout.js";
import type { KeptPackage, PackageContext, PackageRules } from "./types.js";

const INTERPRETER = /(^|\/)bin\/python(\d+\.\d+)$/;
/** What the interpreter imports before the program: site (and the hooks it looks for) and the codecs. */
const STARTUP = ["site", "encodings", "sitecustomize", "usercustomize"];
const STDLIB_CODECS = /(^|\/)lib\/python\d+\.\d+\/encodings$/;
/** Codecs start-up needs, and idna, with which the socket module encodes host names (invisible to an import reader). */
const STARTUP_CODECS = ["__init__", "aliases", "utf_8", "latin_1", "ascii", "idna"];
const BYTECODE_CACHE = /(^|\/)__pycache__\/[^/]+\.pyc$/;
const TESTS = /\/(tests?|testing)\//;

/** The regular files of a unit (tree paths). */
function unitFiles(tree: FileTree, u: PythonUnit): string[] {
  if (u.files) return u.files;
  return tree
    .descendants(u.dir!)
    .filter((n) => n.type === "file" || n.type === "hardlink")
    .map((n) => n.path);
}

/** Distribution metadata directories (…dist-info, …egg-info) of one site directory, by top-level name. */
async function metadataIndex(ctx: PackageContext, site: string): Promise<Map<string, string[]>> {
  const index = new Map<string, string[]>();
  const add = (top: string, meta: string) => {
    const list = index.get(top) ?? [];
    if (!list.includes(meta)) index.set(top, [...list, meta]);
  };
  for (const meta of ctx.tree.list(site)) {
    const base = meta.slice(meta.lastIndexOf("/") + 1);
    const m = /^([^-]+)-.*\.(dist-info|egg-info)$/.exec(base);
    if (!m) continue;
    add(m[1]!.toLowerCase().replace(/[-.]/g, "_"), meta);
    for (const file of ["top_level.txt", "RECORD"]) {
      const text = (await ctx.read(`${meta}/${file}`))?.toString("utf8") ?? "";
      for (const line of text.split("\n")) {
        const first = line.split(",")[0]!.trim().split("/")[0]!;
        if (first && first !== ".." && first !== "__pycache__" && !/\.(dist-info|egg-info|pth)$/.test(first)) add(first.split(".")[0]!, meta);
      }
    }
  }
  return index;
}

class PythonClosure {
  readonly kept: KeptPackage[] = [];
  private readonly seen = new Set<string>();
  private readonly queue: PythonUnit[] = [];
  private readonly scanned = new Set<string>();
  private readonly metadata = new Map<string, Promise<Map<string, string[]>>>();
  private readonly resolved = new Map<string, PythonUnit[]>();

  constructor(
    private readonly ctx: PackageContext,
    private readonly layout: PythonLayout,
  ) {}

  async keep(u: PythonUnit, reason: string): Promise<void> {
    const key = u.dir ?? u.files!.join("\0");
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const { sel, tree } = this.ctx;
    let files = unitFiles(tree, u);
    if (u.dir && STDLIB_CODECS.test(u.dir)) files = this.codecs(u.dir, files);
    // The bytecode cache of a module nothing ran is left out: Python compiles the source on first
    // import. It would double what a package costs.
    const added = files.filter((f) => !sel.has(f) && !BYTECODE_CACHE.test(f));
    const why = `Python package ${u.name} kept whole: ${reason}`;
    if (u.dir) sel.add(abs(u.dir), why);
    for (const d of u.dir ? tree.descendants(u.dir).filter((n) => n.type === "dir") : []) sel.add(abs(d.path), why);
    for (const f of added) sel.add(abs(f), why);
    for (const f of files) if (/\.so(\.|$)/.test(f)) await this.ctx.keepElf(abs(f), `extension module of Python package ${u.name}`);
    this.kept.push({
      runtime: "python", name: u.name, path: abs(u.path), reason,
      addedFiles: added.length, addedBytes: added.reduce((s, f) => s + fileBytes(tree, f), 0),
    });
    this.queue.push({ ...u, files });
    await this.keepMetadata(u);
  }

  /**
   * The standard library's codecs are looked up by name at run time (`b.decode("shift_jis")`), so
   * no reader can tell which are needed, and all of them (with the CJK codec extensions) would
   * cost about 10 % of a slim Flask image: keep the ones the program used and start-up needs, and say so.
   */
  private codecs(dir: string, files: string[]): string[] {
    const codec = (f: string) => f.slice(dir.length + 1).replace(/^__pycache__\//, "").split(".")[0]!;
    const used = new Set(files.filter((f) => this.ctx.sel.has(f)).map(codec));
    for (const c of STARTUP_CODECS) used.add(c);
    const all = new Set(files.map(codec));
    this.ctx.notes.push(
      `Python's ${abs(dir)}: kept the ${[...used].filter((c) => all.has(c)).length} codec modules the program used or start-up needs, ` +
        `not all ${all.size}; --include ${abs(dir)} keeps every codec`,
    );
    return files.filter((f) => used.has(codec(f)));
  }

  /** A site-packages unit's distribution metadata (importlib.metadata reads it: versions, entry points). */
  private async keepMetadata(u: PythonUnit): Promise<void> {
    const site = this.layout.siteDirs.find((s) => u.path.startsWith(s + "/"));
    if (!site || /\.(dist-info|egg-info)$/.test(u.name)) return;
    let index = this.metadata.get(site);
    if (!index) this.metadata.set(site, (index = metadataIndex(this.ctx, site)));
    const top = u.name.split(".")[0]!;
    for (const meta of (await index).get(top) ?? []) {
      const name = meta.slice(meta.lastIndexOf("/") + 1);
      await this.keep(this.ctx.tree.get(meta)?.type === "dir" ? { name, dir: meta, path: meta } : { name, files: [meta], path: meta }, `distribution metadata of ${u.name}`);
    }
  }

  /** Where a module is found, once per name (a big image has thousands of import statements). */
  private resolve(module: string): PythonUnit[] {
    let units = this.resolved.get(module);
    if (!units) this.resolved.set(module, (units = resolveModule(this.ctx.tree, this.layout, module)));
    return units;
  }

  /** Keep what `import module` (and `from module import names`) needs. */
  async import(module: string, names: readonly string[], reason: string): Promise<void> {
    let units = this.resolve(module);
    // `from ns import portion`: the names of a namespace package are its portions.
    if (units.length === 0 || units.every((u) => u.viaNamespace)) {
      for (const n of names) if (n !== "*") units = [...units, ...this.resolve(`${module}.${n}`)];
    }
    for (const u of units) await this.keep(u, reason);
  }

  /**
   * The imports of one source file (absolute imports; relative ones stay inside a package kept
   * whole). `lazy`: also those inside functions — for the application's own code, whose handlers a
   * probe may not have called; a library's lazy imports serve features the application reaches
   * through its own code or a probe, and following them all would keep most of the standard library.
   * `main`: the file is a program (its `if __name__ == "__main__":` block runs).
   */
  async scanSource(path: string, lazy: boolean, main = false): Promise<void> {
    if (this.scanned.has(path)) return;
    this.scanned.add(path);
    const src = await this.ctx.read(path);
    if (!src) return;
    const imports = pythonImports(src.toString("utf8")).filter(
      (imp) => imp.level === 0 && imp.module && !imp.typing && (lazy || !imp.lazy) && (main || !imp.main),
    );
    // `try: from _decimal import * / except ImportError: from _pydecimal import *`: the fallback is
    // needed only when what the try imports is not in the image (a builtin module is not a file: then it is kept).
    const tried = new Map<number, boolean>();
    for (const imp of imports) {
      if (imp.tryBlock === undefined) continue;
      const found = this.resolve(imp.module).length > 0;
      tried.set(imp.tryBlock, (tried.get(imp.tryBlock) ?? true) && found);
    }
    for (const imp of imports) {
      if (imp.fallbackFor !== undefined && tried.get(imp.fallbackFor) === true) continue;
      const how = imp.dynamic ? "loaded by name" : imp.lazy ? "imported inside a function" : "imported";
      await this.import(imp.module, imp.names, `${how} by ${abs(path)}`);
    }
  }

  async run(): Promise<void> {
    for (let u = this.queue.shift(); u; u = this.queue.shift()) {
      const app = this.layout.appRoots.some((r) => u.path.startsWith(r + "/"));
      // A package's own tests are kept with it, but what they import is not needed to run it.
      for (const f of unitFiles(this.ctx.tree, u)) if (f.endsWith(".py") && !TESTS.test(f.slice(u.path.length))) await this.scanSource(f, app);
    }
  }
}

/** site.py's start-up work: every .pth file of the site directories, what it adds to sys.path, what it imports. */
async function keepPthFiles(ctx: PackageContext, layout: PythonLayout, closure: PythonClosure): Promise<void> {
  // Their import lines run once every path line has extended sys.path.
  const imports: { line: string; pth: string }[] = [];
  for (const site of layout.siteDirs) {
    for (const pth of ctx.tree.list(site).filter((p) => p.endsWith(".pth"))) {
      ctx.sel.add(abs(pth), "read by Python's site module at start-up");
      const text = (await ctx.read(pth))?.toString("utf8") ?? "";
      for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith("#")) continue;
        if (/^import[\s\t]/.test(line)) {
          imports.push({ line, pth });
          continue;
        }
        const dir = posix.resolve(abs(site), line).slice(1);
        if (ctx.tree.get(dir)?.type === "dir" && !layout.roots.includes(dir)) {
          layout.roots.push(dir);
          ctx.sel.add(abs(dir), `added to Python's path by ${abs(pth)}`);
        }
      }
    }
  }
  for (const { line, pth } of imports) {
    for (const imp of pythonImports(line)) await closure.import(imp.module, imp.names, `imported by ${abs(pth)} at start-up`);
  }
}

async function applyPython(ctx: PackageContext): Promise<KeptPackage[]> {
  const versions = new Set<string>();
  for (const p of ctx.sel.paths()) {
    const m = INTERPRETER.exec(p);
    if (m) versions.add(m[2]!);
  }
  const command = pythonCommand(ctx.cmd);
  const layout = pythonLayout(ctx.tree, ctx.cmd, versions);
  if (layout.roots.length === 0) return [];
  const closure = new PythonClosure(ctx, layout);

  const interpreterRuns = versions.size > 0 || command !== undefined;
  if (interpreterRuns) {
    await keepPthFiles(ctx, layout, closure);
    for (const m of STARTUP) await closure.import(m, [], "imported by the Python interpreter at start-up");
    if (command?.module) await closure.import(command.module, [], `run with python -m ${command.module}`);
  }
  // Whatever the trace or the static closure reached so far.
  for (const p of ctx.sel.paths()) {
    const u = unitOf(ctx.tree, layout, p);
    if (u) await closure.keep(u, `${abs(p)} is used`);
  }
  // Sources outside any package: the command's script, kept Python scripts (#! …python), the app's own modules.
  const programs = new Set<string>();
  if (command?.script) programs.add(command.script.slice(1));
  for (const p of ctx.sel.paths()) if (/python/.test(ctx.facts.get(p)?.shebang ?? "") && !rootOf(layout, p)) programs.add(p);
  for (const s of [...programs].sort()) await closure.scanSource(s, true, true);
  for (const p of ctx.appFiles ?? []) if (p.endsWith(".py")) await closure.scanSource(p.replace(/^\/+/, ""), true);
  await closure.run();
  return closure.kept;
}

export const pythonRules: PackageRules = { runtime: "python", apply: applyPython };
