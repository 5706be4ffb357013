// The independent reference for the scan: GNU tar extracts the layers one by one into a directory,
// with the OCI image spec's rules ("Applying Changesets", "Whiteouts") done around it:
// - before a layer: every whiteout `.wh.NAME` deletes NAME and every opaque `.wh..wh..opq` deletes the
//   directory's children; only what the lower layers left is there yet, so this is "whiteouts apply to
//   lower layers only, regardless of where they sit in the tar";
// - before a layer: a non-directory entry over an existing directory removes that directory
//   ("Changeset over existing files": unlink, then recreate). GNU tar does the rest of that rule
//   itself (it unlinks files and symlinks in the way, and replaces a symlink by a directory entry),
//   but refuses to replace a non-empty directory, and --recursive-unlink would also wipe a directory
//   replaced by a directory, which the spec merges;
// - after a layer: the marker files tar extracted are deleted (the spec hides them).
// The tree is then walked with lstat. Paths are resolved component by component with lstat, so no
// deletion ever follows a symlink.
//
// Speed: one tar process per layer costs ~20 ms on a busy 2-core machine, so many stacks are
// extracted together, each below its own directory `sN/`: layer k of every stack goes into one
// archive (the same entries, paths and hardlink targets prefixed with `sN/`; nothing is resolved
// through a symlink, so the prefix changes nothing else), one tar process per layer index.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, type Stats } from "node:fs";
import { join as joinPath } from "node:path";
import { WHITEOUT, layerBelow, layerTar, parentOf, type LayerSpec } from "./layer-stack.js";

export interface RefNode {
  type: "file" | "dir" | "symlink" | "other";
  mode: number;
  uid: number;
  gid: number;
  size: number;
  ino: number;
  /** Symlink target. */
  target?: string;
  /** "sha256:…" of a regular file's content. */
  digest?: string;
}

function lstat(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** The on-disk path of `path` when every ancestor is a real directory (no symlink followed). */
function resolveInside(root: string, path: string): string | undefined {
  const parts = path.split("/");
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = joinPath(at, part);
    if (!lstat(at)?.isDirectory()) return undefined;
  }
  return joinPath(at, parts.at(-1)!);
}

function removeChildren(dir: string): void {
  for (const c of readdirSync(dir)) rmSync(joinPath(dir, c), { recursive: true, force: true });
}

function beforeLayer(root: string, layer: LayerSpec): void {
  for (const e of layer) {
    const base = e.path.slice(e.path.lastIndexOf("/") + 1);
    if (e.kind === "opaque") {
      const dir = parentOf(e.path);
      const at = dir === "" ? root : resolveInside(root, dir);
      if (at && lstat(at)?.isDirectory()) removeChildren(at);
    } else if (e.kind === "whiteout") {
      const target = resolveInside(root, (parentOf(e.path) ? parentOf(e.path) + "/" : "") + base.slice(WHITEOUT.length));
      if (target) rmSync(target, { recursive: true, force: true });
    } else if (e.kind !== "dir") {
      const at = resolveInside(root, e.path);
      if (at && lstat(at)?.isDirectory()) rmSync(at, { recursive: true, force: true });
    }
  }
}

function afterLayer(root: string, layer: LayerSpec): void {
  for (const e of layer) {
    if (e.kind !== "whiteout" && e.kind !== "opaque") continue;
    const at = resolveInside(root, e.path);
    if (at) rmSync(at, { force: true });
  }
}

/** GNU tar extracting an archive into `root` (as root: owners and modes as archived). */
function gnuTarExtract(root: string, tar: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn("tar", ["-x", "-p", "--numeric-owner", "-f", "-", "-C", root], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (c: Buffer) => (err += c));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`GNU tar failed (${code}): ${err.trim()}`))));
    p.stdin.end(tar);
  });
}

/** Apply one layer to `root`: whiteouts first, GNU tar, then the markers hidden. */
export async function applyLayer(root: string, layer: LayerSpec): Promise<void> {
  beforeLayer(root, layer);
  await gnuTarExtract(root, await layerTar(layer));
  afterLayer(root, layer);
}

/** Apply every stack below `root/sN/`, layer index by layer index; the tree each leaves. */
export async function referenceTrees(root: string, stacks: LayerSpec[][]): Promise<Map<string, RefNode>[]> {
  const dirs = stacks.map((_, i) => joinPath(root, `s${i}`));
  for (const d of dirs) mkdirSync(d);
  const depth = Math.max(0, ...stacks.map((s) => s.length));
  for (let k = 0; k < depth; k++) {
    const batch: LayerSpec = [];
    stacks.forEach((s, i) => {
      if (k >= s.length) return;
      beforeLayer(dirs[i]!, s[k]!);
      batch.push(...layerBelow(s[k]!, `s${i}`));
    });
    await gnuTarExtract(root, await layerTar(batch));
    stacks.forEach((s, i) => k < s.length && afterLayer(dirs[i]!, s[k]!));
  }
  return dirs.map(walkTree);
}

function nodeOf(p: string, st: Stats): RefNode {
  const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, ino: st.ino };
  if (st.isDirectory()) return { type: "dir", ...base };
  if (st.isSymbolicLink()) return { type: "symlink", ...base, target: readlinkSync(p) };
  if (st.isFile()) return { type: "file", ...base, digest: "sha256:" + createHash("sha256").update(readFileSync(p)).digest("hex") };
  return { type: "other", ...base };
}

/** Every path below `root` (relative, no leading slash) with what lstat says about it. */
export function walkTree(root: string): Map<string, RefNode> {
  const out = new Map<string, RefNode>();
  const walk = (rel: string) => {
    for (const name of readdirSync(rel ? joinPath(root, rel) : root)) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = joinPath(root, path);
      const n = nodeOf(abs, lstatSync(abs));
      out.set(path, n);
      if (n.type === "dir") walk(path);
    }
  };
  walk("");
  return out;
}
