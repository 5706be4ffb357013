/**
 * PHP's package rules for Composer: a package is VENDOR_DIR/VENDOR/NAME, described in
 * VENDOR_DIR/composer/installed.json. When any file of a package is kept, the package is kept whole,
 * with Composer's autoloader (vendor/autoload.php and vendor/composer/) and the packages it requires;
 * once the autoloader runs, the packages whose `autoload.files` it includes on every request are
 * needed too.
 */
import { posix } from "node:path";
import type { FileTree } from "../../fs/file-tree.js";
import { absPath, keepFiles, keepWholeDir } from "./keep-whole.js";
import type { KeptPackage, PackageContext, PackageRules } from "./types.js";

interface InstalledPackage {
  name: string;
  require: string[];
  /** Its autoload.files: included by vendor/autoload.php on every request. */
  autoloadsFiles: boolean;
}

/** Requirements that are not packages: the PHP version, extensions, system libraries, Composer itself. */
const PLATFORM = /^(php(-64bit|-ipv6|-zts|-debug)?|hhvm|ext-.+|lib-.+|composer(-plugin|-runtime)?-api|composer)$/i;

/** Composer's installed.json, in its v1 (a list) or v2 (`{ packages: [...] }`) shape. */
export function parseInstalled(text: string): InstalledPackage[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const list = Array.isArray(doc) ? doc : (doc as { packages?: unknown })?.packages;
  if (!Array.isArray(list)) return [];
  const out: InstalledPackage[] = [];
  for (const p of list as Record<string, unknown>[]) {
    if (typeof p?.name !== "string") continue;
    const require = Object.keys((p.require as Record<string, unknown> | undefined) ?? {}).filter((r) => !PLATFORM.test(r));
    const files = (p.autoload as { files?: unknown } | undefined)?.files;
    out.push({ name: p.name.toLowerCase(), require: require.map((r) => r.toLowerCase()), autoloadsFiles: Array.isArray(files) && files.length > 0 });
  }
  return out;
}

/** Vendor directories: those with composer/installed.json. */
export function vendorDirs(tree: FileTree): string[] {
  const out: string[] = [];
  for (const n of tree.values()) {
    if (n.type === "file" && (n.path.endsWith("/composer/installed.json") || n.path === "composer/installed.json")) {
      const d = posix.dirname(posix.dirname(n.path));
      out.push(d === "." ? "" : d);
    }
  }
  return out.sort();
}

async function applyPhp(ctx: PackageContext): Promise<KeptPackage[]> {
  const kept: KeptPackage[] = [];
  for (const vendor of vendorDirs(ctx.tree)) {
    const base = vendor ? `${vendor}/` : "";
    const installed = parseInstalled((await ctx.read(`${base}composer/installed.json`))?.toString("utf8") ?? "");
    const byName = new Map(installed.map((p) => [p.name, p]));
    const queue: { name: string; reason: string }[] = [];
    const kept0 = kept.length;
    for (const p of ctx.sel.paths()) {
      if (!p.startsWith(base)) continue;
      const [v, n] = p.slice(base.length).split("/");
      if (v && n && byName.has(`${v}/${n}`.toLowerCase())) queue.push({ name: `${v}/${n}`.toLowerCase(), reason: `${absPath(p)} is used` });
    }
    // The autoloader includes these on every request.
    if (ctx.sel.has(`${base}autoload.php`)) {
      for (const p of installed) if (p.autoloadsFiles) queue.push({ name: p.name, reason: `its autoload files are included by ${absPath(base + "autoload.php")}` });
    }
    const seen = new Set<string>();
    for (let item = queue.shift(); item; item = queue.shift()) {
      if (seen.has(item.name)) continue;
      seen.add(item.name);
      // Composer installs a package at VENDOR_DIR/NAME (package names are lower case).
      const path = `${base}${item.name}`;
      if (ctx.tree.get(path)?.type !== "dir") continue;
      const whole = keepWholeDir(ctx.sel, ctx.tree, path, `Composer package ${item.name} kept whole: ${item.reason}`);
      kept.push({ runtime: "php", name: item.name, path: absPath(path), reason: item.reason, addedFiles: whole.addedFiles, addedBytes: whole.addedBytes });
      for (const dep of byName.get(item.name)?.require ?? []) {
        if (byName.has(dep)) queue.push({ name: dep, reason: `required by ${item.name}` });
      }
    }
    if (kept.length > kept0) {
      // The autoloader: without it no class of these packages loads.
      const why = "Composer's autoloader, for the packages kept";
      const loader = ctx.tree.descendants(`${base}composer`).filter((n) => n.type === "file" || n.type === "hardlink").map((n) => n.path);
      const added = keepFiles(ctx.sel, ctx.tree, [`${base}autoload.php`, ...loader].filter((f) => ctx.tree.has(f)), why);
      kept.push({ runtime: "php", name: "composer/autoload", path: absPath(`${base}composer`), reason: why, ...added });
    }
  }
  return kept;
}

export const phpRules: PackageRules = { runtime: "php", apply: applyPhp };
