/**
 * Coverage of the application's own files: those the image's ADD/COPY layers put there (outside
 * package and system directories) and the source modules in the application's directory. Any of
 * them that neither the trace nor the static closure reached is named with its bytes — a route no
 * probe called — and kept anyway by default: they are small and the likeliest to be needed.
 */
import { posix } from "node:path";
import type { FileTree } from "../fs/file-tree.js";
import type { ImageConfig } from "../image/types.js";
import { appLayers, layerInstructions } from "../inspect/history.js";
import type { RunCommand } from "./command.js";
import type { Selection } from "./selection.js";

export const APP_FILE_REASON = "the application's own file (kept by default)";

export interface CoverageReport {
  /** The application's own regular files, and their bytes. */
  appFiles: number;
  appBytes: number;
  /** Own files that neither the trace nor the static closure reached (absolute paths). */
  unreached: { path: string; bytes: number }[];
  unreachedBytes: number;
  /** Whether the unreached files were kept (the default). */
  keptByDefault: boolean;
}

/** Installed packages and system directories: not the application's own files, even when COPY put them there. */
const PACKAGE_DIR = /(^|\/)(node_modules|site-packages|dist-packages|__pycache__|vendor|gems|\.git)(\/|$)/;
const SYSTEM_DIR = /^(etc|var|usr\/share|usr\/lib|usr\/lib64|usr\/include|lib|lib64|proc|sys|dev|run|tmp)\//;
const SOURCE = /\.(py|js|mjs|cjs|rb|php)$/;
const NOT_APP_DIR = /^(|bin|sbin|usr|usr\/bin|usr\/sbin|usr\/local\/bin|usr\/local\/sbin|etc|tmp)$/;

const rel = (p: string) => p.replace(/^\/+/, "").replace(/\/+$/, "");

/** Where the program's own sources live: the working directory and the directories of scripts the command names. */
function appDirs(tree: FileTree, cmd: RunCommand): string[] {
  const dirs = new Set<string>();
  const words = [...cmd.argv, ...(cmd.shellScript?.split(/\s+/) ?? [])];
  for (const w of words) {
    if (!SOURCE.test(w)) continue;
    const p = rel(posix.resolve(cmd.workdir, w));
    if (tree.get(p)?.type === "file") dirs.add(posix.dirname(p) === "." ? "" : posix.dirname(p));
  }
  dirs.add(rel(cmd.workdir));
  return [...dirs].filter((d) => !NOT_APP_DIR.test(d) && tree.get(d)?.type === "dir");
}

/** The application's own regular files (tree paths, sorted). */
export function appOwnFiles(tree: FileTree, config: ImageConfig, cmd: RunCommand): string[] {
  const layers = appLayers(layerInstructions(config));
  const own = new Set<string>();
  const mine = (path: string) => !PACKAGE_DIR.test(path) && !SYSTEM_DIR.test(path);
  for (const n of tree.values()) {
    if ((n.type === "file" || n.type === "hardlink") && layers.has(n.layer) && mine(n.path)) own.add(n.path);
  }
  for (const dir of appDirs(tree, cmd)) {
    for (const n of tree.descendants(dir)) if (n.type === "file" && SOURCE.test(n.path) && mine(n.path)) own.add(n.path);
  }
  return [...own].sort();
}

function bytesOf(tree: FileTree, path: string): number {
  const n = tree.get(path);
  if (n?.type === "hardlink") return tree.get(n.linkname)?.size ?? 0;
  return n?.size ?? 0;
}

/**
 * Name the own files the selection does not hold yet and, unless `keep` is false, keep them with
 * APP_FILE_REASON. Call after every closure rule (trace, static needs, packages) has run.
 */
export function addAppFiles(sel: Selection, tree: FileTree, files: readonly string[], opts: { keep?: boolean } = {}): CoverageReport {
  const keep = opts.keep ?? true;
  let appBytes = 0;
  const unreached: { path: string; bytes: number }[] = [];
  for (const f of files) {
    const bytes = bytesOf(tree, f);
    appBytes += bytes;
    if (sel.has(f)) continue;
    unreached.push({ path: "/" + f, bytes });
    if (keep) sel.add("/" + f, APP_FILE_REASON);
  }
  return {
    appFiles: files.length,
    appBytes,
    unreached,
    unreachedBytes: unreached.reduce((s, u) => s + u.bytes, 0),
    keptByDefault: keep,
  };
}
