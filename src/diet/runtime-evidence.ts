/**
 * What a built image's program needs from its distribution, learned rather than guessed: trace the
 * probes (and their shadow probes) on the image, read the image's package database (dpkg's
 * /var/lib/dpkg/info/*.list, or apk's /lib/apk/db/installed) from one scan, and name the packages
 * owning the files the program touched. The toolchain rewriter keeps exactly those packages.
 *
 * Paths are compared after symlink resolution inside the image: on a merged-/usr Debian, dpkg lists
 * /bin/sed while the program opens /usr/bin/sed (or the other way round), and a library is reached
 * through a chain of symlinks each owned by the package too.
 */
import { posix } from "node:path";
import type { RuntimeEvidence } from "../dockerfile/rewrite/registry.js";
import type { FileView } from "../elf/file-view.js";
import type { Engine } from "../engine/index.js";
import { resolvePath } from "../fs/resolve-path.js";
import { open } from "../image/open.js";
import { deriveShadows } from "../probe/shadow.js";
import { traceProbes } from "../probe/trace.js";
import type { Probe } from "../probe/types.js";
import { scan } from "../scan/scan.js";
import { scanFileReader } from "../slim/package-context.js";
import { treeFileView } from "../slim/tree-view.js";

export type { RuntimeEvidence } from "../dockerfile/rewrite/registry.js";

const DPKG_INFO = "/var/lib/dpkg/info";
const APK_INSTALLED = "/lib/apk/db/installed";
/** The kernel's and the engine's files: touched by every program, owned by no package. */
const PSEUDO = /^\/(proc|sys|dev)(\/|$)/;

/** Which package owns each file of an image: canonical path (symlinks in its directories resolved) → packages. */
export type PackageOwners = Map<string, Set<string>>;

/** The path with the symlinks of its directories resolved; the last component is kept (it may be a link itself). */
function canonical(view: FileView, path: string): string | undefined {
  return resolvePath(view, path, { followLast: false })?.realPath;
}

function addOwner(owners: PackageOwners, view: FileView, listed: string, pkg: string): void {
  const real = canonical(view, listed);
  // Directories (and links to them: merged /usr's /bin, which every package lists as a directory) are
  // shared by many packages and say nothing about which one the program used.
  if (real === undefined || resolvePath(view, real)?.stat.type === "dir") return;
  let set = owners.get(real);
  if (!set) owners.set(real, (set = new Set()));
  set.add(pkg);
}

/** `P:name` / `F:dir` / `R:file` records of apk's installed database → package per file. */
function apkFiles(text: string): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  let pkg = "";
  let dir = "";
  for (const line of text.split("\n")) {
    if (line === "") pkg = dir = "";
    else if (line.startsWith("P:")) pkg = line.slice(2);
    else if (line.startsWith("F:")) dir = line.slice(2);
    else if (line.startsWith("R:") && pkg) files.push([`/${dir ? `${dir}/` : ""}${line.slice(2)}`, pkg]);
  }
  return files;
}

/** Reads the image's package database (dpkg, else apk); an image without one has no owners. */
export async function packageOwners(view: FileView): Promise<PackageOwners> {
  const owners: PackageOwners = new Map();
  const lists = (view.readdir(DPKG_INFO) ?? []).filter((n) => n.endsWith(".list")).sort();
  for (const name of lists) {
    const pkg = name.slice(0, -".list".length);
    const text = (await view.readFile(`${DPKG_INFO}/${name}`))?.toString("utf8") ?? "";
    for (const line of text.split("\n")) if (line.startsWith("/") && line !== "/.") addOwner(owners, view, line, pkg);
  }
  if (lists.length === 0) {
    const apk = await view.readFile(APK_INSTALLED);
    if (apk) for (const [file, pkg] of apkFiles(apk.toString("utf8"))) addOwner(owners, view, file, pkg);
  }
  return owners;
}

/**
 * The evidence for a set of touched paths: every package owning the path, the symlinks followed to
 * reach it, or the file it resolves to. Directories and paths that do not exist are skipped.
 */
export function evidenceFor(view: FileView, owners: PackageOwners, touched: Iterable<string>): RuntimeEvidence {
  const packages = new Set<string>();
  const unowned = new Set<string>();
  const all = [...new Set(touched)].filter((p) => p.startsWith("/")).sort();
  for (const path of all) {
    if (PSEUDO.test(path)) continue;
    const final = resolvePath(view, path);
    if (!final || final.stat.type === "dir") continue;
    const candidates = new Set([canonical(view, path) ?? path, ...final.links, final.realPath]);
    let owned = false;
    for (const c of candidates)
      for (const pkg of owners.get(c) ?? []) {
        packages.add(pkg);
        owned = true;
      }
    if (!owned) unowned.add(posix.normalize(path));
  }
  return { packages: [...packages].sort(), touched: all, unowned: [...unowned].sort() };
}

export interface RuntimeEvidenceOptions {
  /** Trace the shadow probes too (default true), as verification will run them. */
  shadow?: boolean;
  timeoutMs?: number;
  readyTimeoutMs?: number;
  onLog?: (line: string) => void;
}

/** Traces `probes` on the built `image` and names the packages owning the files its program touched. */
export async function runtimeEvidence(engine: Engine, image: string, probes: readonly Probe[], opts: RuntimeEvidenceOptions = {}): Promise<RuntimeEvidence> {
  const all = opts.shadow === false ? [...probes] : [...probes, ...deriveShadows(probes)];
  const tracing = traceProbes(image, all, { engine, timeoutMs: opts.timeoutMs, readyTimeoutMs: opts.readyTimeoutMs, onLog: opts.onLog });
  tracing.catch(() => undefined); // awaited below, after the scan settles
  const scanning = open(`docker-daemon:${image}`).then((img) => scan(img, { content: true }));
  const [scanned, traced] = await Promise.allSettled([scanning, tracing]);
  try {
    if (scanned.status === "rejected") throw scanned.reason;
    if (traced.status === "rejected") throw traced.reason;
    const { tree, content } = scanned.value;
    const base = treeFileView(tree, new Map());
    const read = scanFileReader(tree, base, content);
    const view: FileView = { ...base, readFile: read };
    opts.onLog?.(`reading the package database of ${image}`);
    return evidenceFor(view, await packageOwners(view), traced.value.accessed.keys());
  } finally {
    if (scanned.status === "fulfilled") await scanned.value.close();
  }
}
