// Random layer stacks for the scan property test. fast-check generates "intents" (what to put where,
// as plain numbers and names so shrinking works); `interpretStack` turns them into valid layers,
// choosing whiteout and replacement targets from what the lower layers left.
//
// What the generator never produces, because the OCI image spec leaves it undefined (or forbids it):
// - two entries with the same path in one layer (the spec's "MUST NOT include duplicate entries");
// - an entry (or whiteout) below a path that is a symlink or a file at that point: the spec says
//   nothing about resolving paths through symlinks, and runtimes differ (containerd resolves them
//   inside the root, GNU tar follows them out of it). Such an entry gets an explicit directory entry
//   for that ancestor first (replacing the file or symlink, which the spec does define), unless the
//   file was written by the same layer, in which case the entry is dropped;
// - a non-directory entry replacing a directory that the same layer has already put entries under
//   (a duplicate in effect; tar cannot apply it);
// - whiteouts inside a directory that does not exist (containerd creates the directory, the spec is
//   silent): whiteout and opaque targets are paths of the lower layers' merged tree (or a name absent
//   from one of its directories), and when the same layer's whiteouts remove the marker's directory,
//   the layer gets an explicit entry for it first;
// - hardlinks to anything but a regular file written earlier in the same layer (later layers may
//   remove or replace that file: the link keeps its old content, which the property checks).
// Devices, FIFOs and xattrs are out of scope here (test/analyze tests cover them on real images).
import fc from "fast-check";
import { OPAQUE, WHITEOUT, join, parentOf, type LayerSpec, type StackEntry } from "./layer-stack.js";

type Kind = "file" | "dir" | "symlink";
/** The merged tree as the spec defines it, path → kind ("" is the root and never stored). */
export type Model = Map<string, Kind>;

const NAMES = ["a", "b", "c"] as const;
const FILE_MODES = [0o644, 0o755, 0o600, 0o444, 0o4755];
const DIR_MODES = [0o755, 0o700, 0o750, 0o1777];
const IDS = [0, 1000, 65534];

export interface Intent {
  kind: "file" | "dir" | "symlink" | "hardlink" | "whiteout" | "opaque" | "dir-to-file" | "file-to-dir";
  names: string[];
  pick: number;
  mode: number;
  uid: number;
  gid: number;
  content: Uint8Array;
  target: string;
  /** Missing ancestors get explicit directory entries (else tar and the scan create them implicitly). */
  explicitParents: boolean;
}

const segment = fc.constantFrom(...NAMES, "..", ".");
const symlinkTarget = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/")),
  fc.array(fc.constantFrom(...NAMES, "etc", "usr"), { minLength: 0, maxLength: 3 }).map((s) => "/" + s.join("/")),
);

const intent: fc.Arbitrary<Intent> = fc.record({
  kind: fc.oneof(
    { weight: 5, arbitrary: fc.constant("file" as const) },
    { weight: 3, arbitrary: fc.constant("dir" as const) },
    { weight: 2, arbitrary: fc.constant("symlink" as const) },
    { weight: 2, arbitrary: fc.constant("hardlink" as const) },
    { weight: 3, arbitrary: fc.constant("whiteout" as const) },
    { weight: 2, arbitrary: fc.constant("opaque" as const) },
    { weight: 2, arbitrary: fc.constant("dir-to-file" as const) },
    { weight: 2, arbitrary: fc.constant("file-to-dir" as const) },
  ),
  names: fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }),
  pick: fc.nat(),
  mode: fc.nat(),
  uid: fc.constantFrom(...IDS),
  gid: fc.constantFrom(...IDS),
  content: fc.uint8Array({ maxLength: 40 }),
  target: symlinkTarget,
  explicitParents: fc.boolean(),
});

/** 1–4 layers of 0–10 intents each. */
export const stackIntents: fc.Arbitrary<Intent[][]> = fc.array(fc.array(intent, { maxLength: 10 }), { minLength: 1, maxLength: 4 });

function below(model: Map<string, unknown>, dir: string): string[] {
  const prefix = dir + "/";
  return [...model.keys()].filter((p) => dir === "" || p.startsWith(prefix));
}

function removeBelow(model: Model, dir: string): void {
  for (const p of below(model, dir)) model.delete(p);
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = parentOf(path); p !== ""; p = parentOf(p)) out.unshift(p);
  return out;
}

function choose<T>(xs: readonly T[], pick: number): T | undefined {
  return xs.length ? xs[pick % xs.length] : undefined;
}

/** One layer from its intents over the lower merged tree; returns the entries and the tree after it. */
export function interpretLayer(intents: Intent[], lower: Model): { entries: LayerSpec; after: Model } {
  const sorted = [...lower.keys()].sort();
  const lowerDirs = ["", ...sorted.filter((p) => lower.get(p) === "dir")];
  // Whiteouts apply to the lower layers before anything of this layer, wherever they sit in the tar.
  const targets = intents.map((it): string | undefined => {
    // One in four whiteouts names nothing (a "gone" entry of a lower directory): a no-op.
    if (it.kind === "whiteout") return it.pick % 4 === 3 ? join(choose(lowerDirs, it.pick >> 2)!, "gone") : choose(sorted, it.pick);
    if (it.kind === "opaque") return choose(lowerDirs, it.pick);
    if (it.kind === "dir-to-file") return choose(sorted.filter((p) => lower.get(p) === "dir"), it.pick);
    if (it.kind === "file-to-dir") return choose(sorted.filter((p) => lower.get(p) !== "dir"), it.pick);
    return it.names.join("/");
  });
  const cur: Model = new Map(lower);
  intents.forEach((it, i) => {
    const t = targets[i];
    if (t === undefined) return;
    if (it.kind === "whiteout") {
      cur.delete(t);
      removeBelow(cur, t);
    } else if (it.kind === "opaque") removeBelow(cur, t);
  });

  const entries: StackEntry[] = [];
  const written = new Set<string>(); // every path this layer has an entry for, markers included
  const writtenFiles: StackEntry[] = [];
  const own = (it: Intent) => ({ uid: it.uid, gid: it.gid });

  /**
   * Make every ancestor of `path` a directory, or leave a missing one to be created implicitly
   * (never for markers: see "whiteouts inside a directory that does not exist" above); false when
   * that cannot be done.
   */
  const parentsFor = (path: string, it: Intent, marker: boolean): boolean => {
    const as = ancestors(path);
    if (as.some((a) => cur.has(a) && cur.get(a) !== "dir" && written.has(a))) return false;
    for (const a of as) {
      const k = cur.get(a);
      if (k === "dir") continue;
      if (k === undefined && !it.explicitParents && !marker) {
        cur.set(a, "dir"); // tar and the scan create it
        continue;
      }
      entries.push({ kind: "dir", path: a, mode: 0o755, ...own(it) });
      written.add(a);
      cur.set(a, "dir");
    }
    return true;
  };

  const put = (e: StackEntry & { path: string }, kind: Kind | "marker", it: Intent): void => {
    if (written.has(e.path)) return;
    const hasWrittenBelow = [...written].some((w) => w.startsWith(e.path + "/"));
    if (kind !== "dir" && hasWrittenBelow) return;
    if (!parentsFor(e.path, it, kind === "marker")) return;
    if (kind !== "marker") {
      if (kind !== "dir" && cur.get(e.path) === "dir") removeBelow(cur, e.path);
      cur.set(e.path, kind);
    }
    entries.push(e);
    written.add(e.path);
    if (e.kind === "file") writtenFiles.push(e);
  };

  intents.forEach((it, i) => {
    const t = targets[i];
    if (t === undefined) return;
    const fileMode = FILE_MODES[it.mode % FILE_MODES.length]!;
    const dirMode = DIR_MODES[it.mode % DIR_MODES.length]!;
    switch (it.kind) {
      case "file":
      case "dir-to-file":
        put({ kind: "file", path: t, mode: fileMode, content: Buffer.from(it.content), ...own(it) }, "file", it);
        break;
      case "dir":
      case "file-to-dir":
        put({ kind: "dir", path: t, mode: dirMode, ...own(it) }, "dir", it);
        if (it.kind === "file-to-dir") put({ kind: "file", path: join(t, "in"), mode: fileMode, content: Buffer.from(it.content), ...own(it) }, "file", it);
        break;
      case "symlink":
        put({ kind: "symlink", path: t, target: it.target, ...own(it) }, "symlink", it);
        break;
      case "hardlink": {
        const to = choose(writtenFiles, it.pick);
        if (to?.kind === "file") put({ kind: "hardlink", path: t, target: to.path, mode: to.mode, uid: to.uid, gid: to.gid }, "file", it);
        break;
      }
      case "whiteout":
        put({ kind: "whiteout", path: join(parentOf(t), WHITEOUT + t.slice(t.lastIndexOf("/") + 1)) }, "marker", it);
        break;
      case "opaque":
        put({ kind: "opaque", path: join(t, OPAQUE) }, "marker", it);
        break;
    }
  });
  return { entries, after: cur };
}

export function interpretStack(intents: Intent[][]): LayerSpec[] {
  let model: Model = new Map();
  return intents.map((layer) => {
    const { entries, after } = interpretLayer(layer, model);
    model = after;
    return entries;
  });
}

export const layerStacks: fc.Arbitrary<LayerSpec[]> = stackIntents.map(interpretStack);
