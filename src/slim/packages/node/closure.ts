/**
 * The package-granular closure of a Node.js program: every package the selection reaches is kept
 * whole (its directory, without the other packages nested in its node_modules), with the packages
 * its package.json `dependencies` name (resolved as Node would from the package) and what every kept
 * JavaScript file requires or imports with a literal specifier; native addons (`.node`) with their
 * ELF closure. What the closure adds is attributed to packages for the report.
 */
import { posix } from "node:path";
import { humanSize } from "../../../units.js";
import { treeFacts } from "../../tree-view.js";
import type { KeptPackage, PackageContext } from "../types.js";
import { globalModuleDirs, NodeLayout, type NodePackageRef } from "./layout.js";
import { moduleRequests, type ModuleFormat } from "./module-requests.js";
import { NodeResolver, type RequestKind } from "./resolve.js";

const JS_FILE = /\.(c|m)?js$/;
const NODE_BINARY = /^(node|nodejs)(\d+)?$/;
/**
 * A package's tests, examples and benchmarks: kept with the package, but what they require is not
 * followed — the program does not run them, and they name test frameworks (tape, core-js) that
 * would otherwise drag megabytes in.
 */
const NOT_RUN = /(^|\/)(tests?|__tests__|specs?|examples?|benchmarks?|bench)\/|(^|\/)(tests?|specs?)([-_.][^/]*)?\.(c|m)?js$|[-_.](test|spec)\.(c|m)?js$/;
/** Node flags whose next argument is a module to preload, and flags that mean there is no script. */
const PRELOAD_FLAGS: Record<string, RequestKind> = { "-r": "require", "--require": "require", "--import": "import" };
const VALUE_FLAGS = new Set(["--loader", "--experimental-loader", "--env-file", "-C", "--conditions", "--input-type", "--title"]);
const NO_SCRIPT_FLAGS = new Set(["-e", "--eval", "-p", "--print", "-i", "--interactive", "-v", "--version", "-h", "--help"]);

const key = (p: string) => p.replace(/^\/+/, "");
const abs = (k: string) => "/" + k;

/** Files and bytes the closure added. */
interface Added {
  addedFiles: number;
  addedBytes: number;
}

interface PackageRecord extends Added {
  ref: NodePackageRef;
  name: string;
  reason: string;
}

type Work = { kind: "package"; ref: NodePackageRef; reason: string } | { kind: "file"; path: string };

/** Whether the image runs Node.js: a kept `node` executable, or kept files in a node_modules directory. */
export function usesNode(ctx: PackageContext): boolean {
  const factsOf = treeFacts(ctx.tree, ctx.facts);
  for (const k of ctx.sel.reasons.keys()) {
    if (k.includes("node_modules/")) return true;
    if (NODE_BINARY.test(posix.basename(k)) && factsOf(k)?.elf) return true;
  }
  return false;
}

export class NodeClosure {
  private readonly layout: NodeLayout;
  private readonly resolver: NodeResolver;
  private readonly factsOf;
  private readonly queue: Work[] = [];
  private readonly packages = new Map<string, PackageRecord>();
  private readonly queuedPackages = new Set<string>();
  private readonly scanned = new Set<string>();
  /** Selection size before each piece of work, and the package it was done for (attribution). */
  private readonly segments: { start: number; owner?: string }[] = [];
  private readonly unresolved: string[] = [];
  private readonly missingDeps: string[] = [];
  private readonly parseErrors: string[] = [];
  private readonly addonErrors: string[] = [];
  private computed = 0;
  private computedExample = "";

  constructor(private readonly ctx: PackageContext) {
    const globals = globalModuleDirs(ctx.view, ctx.cmd);
    this.layout = new NodeLayout(globals);
    this.resolver = new NodeResolver(ctx.view, ctx.read, globals);
    this.factsOf = treeFacts(ctx.tree, ctx.facts);
  }

  async run(): Promise<KeptPackage[]> {
    const { sel } = this.ctx;
    const before = sel.reasons.size;
    for (const [k, reasons] of [...sel.reasons]) this.seed(k, [...reasons][0] ?? "kept");
    // The application's own files are kept whether reached or not: what they require is needed too.
    for (const p of this.ctx.appFiles ?? []) if (this.isJavaScript(key(p)) && !this.layout.packageOf(abs(key(p)))) this.queue.push({ kind: "file", path: abs(key(p)) });
    await this.entryScript();
    for (let w = this.queue.shift(); w; w = this.queue.shift()) {
      if (w.kind === "package") await this.keepPackage(w.ref, w.reason);
      else await this.scanFile(w.path);
    }
    const outside = this.attribute(before);
    this.writeNotes(outside);
    return [...this.packages.values()]
      .sort((a, b) => (a.ref.path < b.ref.path ? -1 : 1))
      .map((p) => ({ runtime: "node", name: p.name, path: p.ref.path, reason: p.reason, addedFiles: p.addedFiles, addedBytes: p.addedBytes }));
  }

  /** A path kept before the closure: its package, or (outside packages) the file itself when it is JavaScript. */
  private seed(k: string, why: string): void {
    const node = this.ctx.tree.get(k);
    if (!node || (node.type !== "file" && node.type !== "hardlink")) return;
    const ref = this.layout.packageOf(abs(k));
    if (ref) this.enqueuePackage(ref, `${abs(k)} is kept (${why})`);
    else if (this.isJavaScript(k)) this.queue.push({ kind: "file", path: abs(k) });
  }

  private isJavaScript(k: string): boolean {
    if (JS_FILE.test(k)) return true;
    const shebang = this.factsOf(k)?.shebang;
    return !!shebang && /(^|[/\s])node(js)?(\s|$)/.test(shebang);
  }

  /** `node [flags] script`: the script Node runs as its main module and the modules it preloads. */
  private async entryScript(): Promise<void> {
    const { argv, workdir } = this.ctx.cmd;
    if (!NODE_BINARY.test(posix.basename(argv[0] ?? ""))) return;
    const from = posix.join(workdir, "[command]");
    this.segments.push({ start: this.ctx.sel.reasons.size });
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (NO_SCRIPT_FLAGS.has(a)) return;
      const preload = PRELOAD_FLAGS[a];
      if (preload || VALUE_FLAGS.has(a)) {
        const v = argv[++i];
        if (preload && v) await this.request(v, preload, from, `preloaded by the command (${a} ${v})`);
        continue;
      }
      if (a.startsWith("-")) continue;
      await this.request(posix.resolve(workdir, a), "require", from, "the script the command runs");
      return;
    }
  }

  private enqueuePackage(ref: NodePackageRef, reason: string): void {
    if (this.queuedPackages.has(ref.path)) return;
    this.queuedPackages.add(ref.path);
    this.queue.push({ kind: "package", ref, reason });
  }

  /** Keep the whole package, then queue its JavaScript files and dependencies. */
  private async keepPackage(ref: NodePackageRef, reason: string): Promise<void> {
    if (this.packages.has(ref.path)) return;
    const { sel, tree } = this.ctx;
    const json = await this.resolver.packages.get(ref.path);
    const name = json?.name ?? ref.dirName;
    this.packages.set(ref.path, { ref, name, reason, addedFiles: 0, addedBytes: 0 });
    this.segments.push({ start: sel.reasons.size, owner: ref.path });
    const why = `Node.js package ${name}, kept whole: ${reason}`;
    sel.add(ref.path, why);
    const nested = key(ref.path) + "/node_modules/";
    const files: string[] = tree.get(key(ref.path))?.type === "dir" ? [] : [key(ref.path)];
    for (const d of tree.descendants(key(ref.path))) {
      if (d.path.startsWith(nested)) continue;
      if (d.type === "symlink") sel.add(abs(d.path), why, { recursive: true });
      else {
        sel.addExact(abs(d.path), why);
        if (d.type === "hardlink") sel.addExact(abs(d.linkname), `hardlink target of /${d.path}`);
      }
      if (d.type === "file" || d.type === "hardlink") files.push(d.path);
    }
    for (const f of files.sort()) {
      if (f.endsWith(".node")) await this.keepAddon(abs(f), `native addon of Node.js package ${name}`);
      else if (this.isJavaScript(f) && !NOT_RUN.test(f.slice(key(ref.path).length + 1))) this.queue.push({ kind: "file", path: abs(f) });
    }
    const deps = json ? [...json.dependencies.map((d) => [d, false] as const), ...json.optionalDependencies.map((d) => [d, true] as const)] : [];
    for (const [dep, optional] of deps) {
      const dir = this.resolver.packageDir(dep, ref.path);
      const inside = dir && (tree.get(key(dir))?.type === "dir" ? posix.join(dir, "package.json") : dir);
      const depRef = inside ? this.layout.packageOf(inside) : undefined;
      if (depRef) this.enqueuePackage(depRef, `dependency of ${name}`);
      else if (!optional) this.missingDeps.push(`${name} → ${dep}`);
    }
  }

  /** What one kept JavaScript file requires and imports. */
  private async scanFile(path: string): Promise<void> {
    if (this.scanned.has(path)) return;
    this.scanned.add(path);
    const buf = await this.ctx.read(path).catch(() => undefined);
    if (!buf) return;
    const format: ModuleFormat = path.endsWith(".mjs") ? "module" : path.endsWith(".cjs") ? "commonjs" : await this.scopeFormat(path);
    const found = await moduleRequests(buf.toString("utf8"), format);
    if (found.error) this.parseErrors.push(`${path} (${found.error})`);
    if (found.computed > 0) {
      this.computed += found.computed;
      this.computedExample ||= path;
    }
    this.segments.push({ start: this.ctx.sel.reasons.size, owner: this.layout.packageOf(path)?.path });
    for (const r of found.requests) await this.request(r.specifier, r.kind, path, `${r.kind === "import" ? "imported" : "required"} by ${path}`);
  }

  private async scopeFormat(path: string): Promise<ModuleFormat> {
    const scope = await this.resolver.scope(posix.dirname(path));
    return scope?.json.type === "module" ? "module" : "commonjs";
  }

  /** Resolve one request and keep its target: its package whole, or (outside packages) the file and its package scope. */
  private async request(specifier: string, kind: RequestKind, from: string, why: string): Promise<void> {
    const r = await this.resolver.resolve(specifier, from, kind);
    if (r.kind === "builtin") return;
    if (r.kind === "not-found") {
      this.unresolved.push(`'${specifier}' from ${from}`);
      return;
    }
    const { sel } = this.ctx;
    sel.add(r.path, why);
    for (const v of r.via) sel.add(v, `read to resolve '${specifier}' from ${from}`);
    const ref = this.layout.packageOf(r.real);
    if (ref) {
      this.enqueuePackage(ref, why);
      return;
    }
    if (r.real.endsWith(".node")) await this.keepAddon(r.real, why);
    else if (this.isJavaScript(key(r.real)) && !this.scanned.has(r.real)) {
      const scope = await this.resolver.scope(posix.dirname(r.real));
      if (scope) sel.add(scope.path, `package scope (module format) of ${r.real}`);
      this.queue.push({ kind: "file", path: r.real });
    }
  }

  /** A native addon with its ELF closure; one that cannot be read as ELF stays kept as a file, and is named. */
  private async keepAddon(path: string, why: string): Promise<void> {
    try {
      await this.ctx.keepElf(path, why);
    } catch (e) {
      this.addonErrors.push(`${path} (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  /** Count what the closure added, per package; returns what it added outside any package. */
  private attribute(before: number): Added {
    const { sel, tree } = this.ctx;
    const outside: Added = { addedFiles: 0, addedBytes: 0 };
    let index = 0;
    let seg = -1;
    for (const k of sel.reasons.keys()) {
      const at = index++;
      if (at < before) continue;
      while (seg + 1 < this.segments.length && this.segments[seg + 1]!.start <= at) seg++;
      const node = tree.get(k);
      if (!node || node.type === "dir") continue;
      const bytes = node.type === "file" ? node.size : 0;
      const ref = this.layout.packageOf(abs(k));
      const owner = (ref && this.packages.get(ref.path)) ?? this.packages.get(this.segments[seg]?.owner ?? "");
      const into = owner ?? outside;
      into.addedFiles++;
      into.addedBytes += bytes;
    }
    return outside;
  }

  private writeNotes(outside: Added): void {
    const notes = this.ctx.notes;
    const few = (xs: string[]) => xs.slice(0, 3).join(", ") + (xs.length > 3 ? `, … (${xs.length} in all)` : "");
    if (outside.addedFiles > 0) notes.push(`Node.js: ${outside.addedFiles} file(s) (${humanSize(outside.addedBytes)}) outside packages kept because kept code requires them`);
    if (this.missingDeps.length) notes.push(`Node.js: dependencies not in the image: ${few(this.missingDeps)}`);
    if (this.unresolved.length) notes.push(`Node.js: ${this.unresolved.length} require()/import target(s) not in the image (optional, or never loaded): ${few(this.unresolved)}`);
    if (this.computed) notes.push(`Node.js: ${this.computed} require()/import() call(s) with a computed argument not followed (e.g. in ${this.computedExample}); only the trace covers them`);
    if (this.parseErrors.length) notes.push(`Node.js: could not parse ${few(this.parseErrors)}; kept, what they require not followed`);
    if (this.addonErrors.length) notes.push(`Node.js: native addon(s) not readable as ELF: ${few(this.addonErrors)}; kept without their libraries`);
  }
}
