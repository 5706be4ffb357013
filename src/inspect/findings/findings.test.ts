/** Image findings in the shared Finding model: rule id, severity, what was seen, and where (path and layer). */
import { describe, it, expect } from "vitest";
import { FileTree } from "../../fs/file-tree.js";
import type { EntryType, TarHeader } from "../../io/tar-header.js";
import { findingSchema } from "../../finding/finding.js";
import type { ContentClass, LayerReport } from "../types.js";
import { FINDING_RULES, IMAGE_RULES, runFindings } from "./index.js";
import type { FindingContext } from "./context.js";

function header(path: string, size = 0, type: EntryType = "file"): TarHeader {
  return { path, type, mode: 0o755, uid: 0, gid: 0, uname: "", gname: "", size, mtime: 0, linkname: "", devmajor: 0, devminor: 0, xattrs: {} };
}

function layer(index: number): LayerReport {
  return { index, digest: `sha256:blob${index}`, diffId: `sha256:diff${index}`, createdBy: "", size: 0, storedSize: 0, entries: 0, added: 0, modified: 0, removed: 0 };
}

function context(): FindingContext {
  const tree = new FileTree();
  // Layer 0: the base. Layer 1: a Go toolchain and a download. Layer 2: deletes the download.
  for (const h of [header("bin", 0, "dir"), header("bin/sh", 100_000)]) tree.apply(0, h);
  for (const h of [header("usr/local/go/bin/go", 5_000_000), header("usr/local/go/pkg/tool/compile", 3_000_000), header("tmp/go.tar.gz", 60_000)]) tree.apply(1, h);
  tree.apply(2, header("tmp/.wh.go.tar.gz"));
  const toolchain: ContentClass = { id: "toolchain", title: "Compilers and toolchains", bytes: 8_000_000, files: 2, examples: ["usr/local/go/bin/go", "usr/local/go/pkg/tool/compile"] };
  return {
    tree,
    config: { architecture: "amd64", os: "linux", config: { Cmd: ["go", "run", "hash.go"] }, rootfs: { type: "layers", diff_ids: ["sha256:diff0", "sha256:diff1", "sha256:diff2"] } },
    size: 8_100_000,
    layers: [layer(0), layer(1), layer(2)],
    classes: new Map([["toolchain", toolchain]]),
    efficiency: { score: 0.99, wastedBytes: 0, userWastedPercent: 0, unreachableBytes: 60_000, inefficientPaths: [] },
    elf: new Map(),
    removals: tree.removals,
    appLayers: new Set(),
  };
}

describe("image findings", () => {
  const findings = runFindings(context());

  it("are valid Findings, largest saving first", () => {
    for (const f of findings) expect(findingSchema.safeParse(f).error).toBeUndefined();
    expect(findings.map((f) => [f.ruleId, f.saving])).toEqual([
      ["go-run-at-startup", 8_000_000],
      ["toolchain-in-image", 8_000_000],
      ["deleted-still-shipped", 60_000],
    ]);
  });

  it("locate a class finding at its largest file and the layer that ships it", () => {
    const f = findings.find((x) => x.ruleId === "toolchain-in-image")!;
    expect(f).toMatchObject({ severity: "warning", title: IMAGE_RULES.find((r) => r.id === "toolchain-in-image")!.title });
    expect(f.location).toEqual({ kind: "image", path: "/usr/local/go/bin/go", layer: { index: 1, diffId: "sha256:diff1" } });
    expect(f.message).toBe("/usr/local/go/bin/go\n/usr/local/go/pkg/tool/compile");
  });

  it("locate hidden bytes in the layer that added them, and a command finding at the whole image", () => {
    const deleted = findings.find((x) => x.ruleId === "deleted-still-shipped")!;
    expect(deleted.location).toEqual({ kind: "image", path: "/tmp/go.tar.gz", layer: { index: 1, diffId: "sha256:diff1" } });
    expect(deleted.message).toBe("/tmp/go.tar.gz (60000 bytes from layer 1, hidden by layer 2)");
    const goRun = findings.find((x) => x.ruleId === "go-run-at-startup")!;
    expect(goRun.location).toEqual({ kind: "image" });
    expect(goRun.message).toBe("command: go run hash.go");
  });

  it("describes every rule once, for SARIF's rule list", () => {
    expect(IMAGE_RULES.map((r) => r.id)).toEqual(FINDING_RULES.map((r) => r.id));
    expect(new Set(IMAGE_RULES.map((r) => r.id)).size).toBe(IMAGE_RULES.length);
    for (const r of IMAGE_RULES) expect(r.doc.length).toBeGreaterThan(40);
  });
});
