// The scan property: for a layer stack, imgdiet's merged tree (scan) equals what GNU tar leaves on
// disk when the layers are applied one by one with the OCI whiteout rules (layer-stack-reference.ts).
import fc from "fast-check";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scan, type ImageScan, type ScanEntry } from "../../src/scan/scan.js";
import type { FileNode } from "../../src/fs/file-tree.js";
import { imageFromStack, type LayerSpec } from "./layer-stack.js";
import { layerStacks } from "./layer-stack-gen.js";
import { referenceTrees, type RefNode } from "./layer-stack-reference.js";

/** What both sides must agree on for one path. */
type Seen = { type: string; mode?: number; uid: number; gid: number; size?: number; digest?: string; target?: string };

function fromScan(s: ImageScan, n: FileNode): Seen {
  if (n.type === "dir") return { type: "dir", mode: n.mode & 0o7777, uid: n.uid, gid: n.gid };
  if (n.type === "symlink") return { type: "symlink", uid: n.uid, gid: n.gid, target: n.linkname };
  if (n.type === "file" || n.type === "hardlink") {
    // The merged tree as it stands: a hardlink is the file its linkname names there. A hardlink
    // whose target a later layer removed or replaced must have become a file with the target's
    // old content (FileTree.detachHardlinks), as the extracted layers have it.
    const f = n.type === "hardlink" ? s.tree.get(n.linkname) : n;
    if (f?.type !== "file") return { type: `hardlink to ${n.linkname}, which is ${f?.type ?? "missing"} in the merged tree`, uid: n.uid, gid: n.gid };
    // The scan's tree nodes are its entries (ScanEntry), which carry the digest.
    return { type: "file", mode: f.mode & 0o7777, uid: f.uid, gid: f.gid, size: f.size, digest: (f as ScanEntry).digest };
  }
  return { type: n.type, uid: n.uid, gid: n.gid };
}

function fromReference(r: RefNode): Seen {
  if (r.type === "dir") return { type: "dir", mode: r.mode, uid: r.uid, gid: r.gid };
  if (r.type === "symlink") return { type: "symlink", uid: r.uid, gid: r.gid, target: r.target };
  if (r.type === "file") return { type: "file", mode: r.mode, uid: r.uid, gid: r.gid, size: r.size, digest: r.digest };
  return { type: r.type, uid: r.uid, gid: r.gid };
}

/** Differences between the scan's merged tree and the reference tree, one line each (none: equal). */
export function compareWithReference(s: ImageScan, ref: Map<string, RefNode>): string[] {
  const out: string[] = [];
  const nodes = s.tree.all();
  for (const n of nodes) {
    const r = ref.get(n.path);
    if (!r) {
      out.push(`/${n.path}: in the scan (${n.type} from layer ${n.layer}), not in the reference`);
      continue;
    }
    const a = JSON.stringify(fromScan(s, n));
    const b = JSON.stringify(fromReference(r));
    if (a !== b) out.push(`/${n.path}: scan ${a} (layer ${n.layer}) ≠ reference ${b}`);
    if (n.type === "hardlink") {
      const t = s.tree.get(n.linkname);
      const rt = ref.get(n.linkname);
      if (!rt || rt.ino !== r.ino) out.push(`/${n.path}: hardlink to /${n.linkname} (${t?.type ?? "missing"}), but the reference has two inodes`);
    }
  }
  for (const p of ref.keys()) if (!s.tree.has(p)) out.push(`/${p}: in the reference (${ref.get(p)!.type}), not in the scan`);
  // The tree's child index must reach exactly its nodes (consumers walk it with list/descendants).
  const listed = s.tree.descendants("").map((n) => n.path).sort();
  const all = nodes.map((n) => n.path);
  if (JSON.stringify(listed) !== JSON.stringify(all)) {
    out.push(`FileTree.descendants("") lists ${listed.length} paths, FileTree.all() ${all.length}: ${all.filter((p) => !listed.includes(p)).map((p) => "/" + p).join(" ")} unreachable`);
  }
  return out;
}

/** The directory for reference trees: tmpfs when there is one (many small files, deleted at once). */
export function workRoot(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

/** Scan each stack and extract them all with GNU tar under `workDir`; the differences, per stack. */
export async function checkStacks(stacks: LayerSpec[][], workDir: string): Promise<string[][]> {
  const root = mkdtempSync(join(workDir, "batch-"));
  try {
    const refs = await referenceTrees(root, stacks);
    const out: string[][] = [];
    for (const [i, stack] of stacks.entries()) {
      const { image } = await imageFromStack(stack);
      out.push(compareWithReference(await scan(image, { digests: true }), refs[i]!));
    }
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function checkStack(stack: LayerSpec[], workDir: string): Promise<string[]> {
  return (await checkStacks([stack], workDir))[0]!;
}

/** Batches of `size` stacks: one run of the property checks a whole batch (see referenceTrees). */
export const stackBatches = (size: number): fc.Arbitrary<LayerSpec[][]> => fc.array(layerStacks, { minLength: size, maxLength: size });

function failureReport(stacks: LayerSpec[][], diffs: string[][]): string | undefined {
  const bad = diffs.flatMap((d, i) => (d.length ? [`stack ${fc.stringify(stacks[i])}\n  ${d.join("\n  ")}`] : []));
  return bad.length ? `${bad.length} of ${stacks.length} stacks differ:\n${bad.join("\n")}` : undefined;
}

/** The property for fc.assert: a batch passes when every stack in it matches its reference. */
export function scanMatchesReference(workDir: string, batch: number): fc.IAsyncProperty<[LayerSpec[][]]> {
  return fc.asyncProperty(stackBatches(batch), async (stacks) => {
    const report = failureReport(stacks, await checkStacks(stacks, workDir));
    if (report) throw new Error(report);
  });
}

export interface PropertyRun {
  cases: number;
  failures: number;
  seconds: number;
  /** The first failing stack (not shrunk) and its differences. */
  first?: string;
}

/** Check `cases` stacks (a multiple of `batch`) without stopping at a failure, counting failing stacks (for the bench). */
export async function countFailures(o: { cases: number; batch: number; seed: number; workDir: string; onProgress?: (done: number, failures: number) => void }): Promise<PropertyRun> {
  let failures = 0;
  let done = 0;
  let first: string | undefined;
  const started = process.hrtime.bigint();
  const prop = fc.asyncProperty(stackBatches(o.batch), async (stacks) => {
    const diffs = await checkStacks(stacks, o.workDir);
    failures += diffs.filter((d) => d.length).length;
    first ??= failureReport(stacks, diffs);
    done += stacks.length;
    o.onProgress?.(done, failures);
  });
  const r = await fc.check(prop, { numRuns: Math.ceil(o.cases / o.batch), seed: o.seed, endOnFailure: true });
  if (r.failed) throw new Error(`property run broke down: ${String(r.errorInstance)}`);
  return { cases: done, failures, seconds: Number(process.hrtime.bigint() - started) / 1e9, first };
}
