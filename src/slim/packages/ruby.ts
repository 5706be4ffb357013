/**
 * Ruby's package rules: a gem is GEM_HOME/gems/NAME-VERSION/ with its specification
 * GEM_HOME/specifications/NAME-VERSION.gemspec (RubyGems and Bundler's vendor/bundle lay them out
 * alike) and its compiled extensions under GEM_HOME/extensions/…/NAME-VERSION/. When any file of a
 * gem is kept, the gem is kept whole with its specification and extensions, and so are the gems its
 * specification names as runtime dependencies.
 */
import { posix } from "node:path";
import type { FileTree } from "../../fs/file-tree.js";
import { absPath, keepFiles, keepWholeDir } from "./keep-whole.js";
import type { KeptPackage, PackageContext, PackageRules } from "./types.js";

/** A gem directory, GEM_HOME/gems/NAME-VERSION. */
interface Gem {
  home: string;
  /** NAME-VERSION (maybe -PLATFORM). */
  full: string;
  name: string;
}

/** Gem homes: directories holding both gems/ and specifications/. */
export function gemHomes(tree: FileTree): string[] {
  const homes: string[] = [];
  for (const n of tree.values()) {
    if (n.type !== "dir" || !n.path.endsWith("/specifications") && n.path !== "specifications") continue;
    const home = posix.dirname(n.path) === "." ? "" : posix.dirname(n.path);
    if (tree.get(home ? `${home}/gems` : "gems")?.type === "dir") homes.push(home);
  }
  return homes.sort();
}

const nameOf = (full: string) => /^(.+?)-\d[^-]*(?:-[^/]+)?$/.exec(full)?.[1] ?? full;

/** The gem a path belongs to, when it lies in a gem directory that has a specification. */
export function gemOf(tree: FileTree, homes: readonly string[], path: string): Gem | undefined {
  for (const home of homes) {
    const prefix = home ? `${home}/gems/` : "gems/";
    if (!path.startsWith(prefix)) continue;
    const full = path.slice(prefix.length).split("/")[0]!;
    if (full && tree.has(`${home ? home + "/" : ""}specifications/${full}.gemspec`)) return { home, full, name: nameOf(full) };
  }
  return undefined;
}

/** Runtime dependencies a gemspec names (RubyGems writes `add_runtime_dependency(%q<rack>…)`; hand-written ones use "rack"). */
export function gemspecDependencies(text: string): string[] {
  const out = new Set<string>();
  const re = /\badd_(runtime_)?dependency\b\s*\(?\s*(?:%q<([^>]+)>|["']([^"']+)["'])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.add((m[2] ?? m[3])!);
  return [...out];
}

/** Compare two version strings part by part, numbers as numbers. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
    if (d !== 0) return d;
  }
  return 0;
}

/** The installed gem of a name RubyGems would activate without a lock file: the highest version, preferring `home`. */
function installedGem(tree: FileTree, homes: readonly string[], name: string, home: string): Gem | undefined {
  for (const h of [home, ...homes.filter((x) => x !== home)]) {
    const specs = h ? `${h}/specifications` : "specifications";
    const versions = tree
      .list(specs)
      .map((p) => p.slice(specs.length + 1))
      .filter((f) => f.endsWith(".gemspec") && nameOf(f.slice(0, -".gemspec".length)) === name)
      .map((f) => f.slice(0, -".gemspec".length));
    if (versions.length === 0) continue;
    const full = versions.sort((a, b) => compareVersions(a.slice(name.length + 1), b.slice(name.length + 1))).pop()!;
    if (tree.get(`${h ? h + "/" : ""}gems/${full}`)?.type === "dir") return { home: h, full, name };
  }
  return undefined;
}

async function applyRuby(ctx: PackageContext): Promise<KeptPackage[]> {
  const homes = gemHomes(ctx.tree);
  if (homes.length === 0) return [];
  const kept: KeptPackage[] = [];
  const seen = new Set<string>();
  const queue: { gem: Gem; reason: string }[] = [];
  for (const p of ctx.sel.paths()) {
    const gem = gemOf(ctx.tree, homes, p);
    if (gem) queue.push({ gem, reason: `${absPath(p)} is used` });
  }
  for (let item = queue.shift(); item; item = queue.shift()) {
    const { gem, reason } = item;
    const base = gem.home ? `${gem.home}/` : "";
    if (seen.has(base + gem.full)) continue;
    seen.add(base + gem.full);
    const why = `Ruby gem ${gem.name} kept whole: ${reason}`;
    const dir = keepWholeDir(ctx.sel, ctx.tree, `${base}gems/${gem.full}`, why);
    const spec = `${base}specifications/${gem.full}.gemspec`;
    const specAdded = keepFiles(ctx.sel, ctx.tree, [spec], why);
    let addedFiles = dir.addedFiles + specAdded.addedFiles;
    let addedBytes = dir.addedBytes + specAdded.addedBytes;
    // Compiled extensions: GEM_HOME/extensions/<platform>/<abi>/NAME-VERSION/.
    const extensions = ctx.tree.descendants(`${base}extensions`).filter((n) => n.type === "dir" && n.path.endsWith(`/${gem.full}`));
    const so: string[] = dir.files.filter((f) => /\.(so|bundle)$/.test(f));
    for (const ext of extensions) {
      const e = keepWholeDir(ctx.sel, ctx.tree, ext.path, why);
      addedFiles += e.addedFiles;
      addedBytes += e.addedBytes;
      so.push(...e.files.filter((f) => /\.(so|bundle)$/.test(f)));
    }
    for (const f of so) await ctx.keepElf(absPath(f), `extension of Ruby gem ${gem.name}`);
    kept.push({ runtime: "ruby", name: gem.full, path: absPath(`${base}gems/${gem.full}`), reason, addedFiles, addedBytes });
    const text = (await ctx.read(spec))?.toString("utf8") ?? "";
    for (const dep of gemspecDependencies(text)) {
      const d = installedGem(ctx.tree, homes, dep, gem.home);
      if (d) queue.push({ gem: d, reason: `runtime dependency of gem ${gem.full}` });
      else ctx.notes.push(`Ruby gem ${gem.full} depends on gem ${dep}, which is not installed in the image`);
    }
  }
  return kept;
}

export const rubyRules: PackageRules = { runtime: "ruby", apply: applyRuby };
