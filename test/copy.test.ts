import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { rmSync, writeFileSync, readFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { open, copy } from "../src/image/open.js";
import { buildSmall, buildTricky, SMALL, TRICKY } from "./helpers/fixtures.js";
import { imgdiet, must, removeImages, tempDir } from "./helpers/run.js";
import { startTestRegistry, type TestRegistry } from "./support/registry.js";

/** Config digest and diff_ids of an image at a reference. */
async function identity(ref: string): Promise<{ config: string; diffIds: string[] }> {
  const img = await open(ref);
  try {
    // Stream every layer so every digest is checked.
    for (const l of img.layers) for await (const _ of await l.uncompressed());
    return { config: img.manifest.config.digest, diffIds: img.config.rootfs.diff_ids };
  } finally {
    await img.close();
  }
}

describe("copy between transports keeps config digest and diff_ids", () => {
  let dir: string;
  let expected: { config: string; diffIds: string[] };
  let registry: TestRegistry;
  let n = 0;
  beforeAll(async () => {
    buildTricky();
    dir = tempDir("copy");
    expected = await identity(TRICKY);
    registry = await startTestRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
    removeImages("imgdiet-test/roundtrip:daemon", "imgdiet-test/roundtrip:back");
  });

  const targets = (d: string) => ({
    "docker-archive": `docker-archive:${join(d, "a.tar")}:imgdiet-test/roundtrip:archive`,
    oci: `oci:${join(d, "layout")}:v1`,
    "oci-archive": `oci-archive:${join(d, "oci.tar")}:v1`,
    "docker-daemon": `docker-daemon:imgdiet-test/roundtrip:daemon`,
    registry: `docker://${registry.host}/roundtrip/r${n++}:v1`,
  });

  it("daemon → every transport → every transport", async () => {
    buildSmall();
    const small = await identity(SMALL);
    const t = targets(dir);
    for (const [name, ref] of Object.entries(t)) {
      await copy(SMALL, ref);
      expect(await identity(ref), `daemon → ${name}`).toEqual(small);
    }
    // Every pair: read from one, write to a fresh place of another kind.
    for (const [from, src] of Object.entries(t)) {
      const d2 = tempDir("pair");
      try {
        for (const [to, dst] of Object.entries(targets(d2))) {
          const out = to === "docker-daemon" ? "docker-daemon:imgdiet-test/roundtrip:back" : dst;
          await copy(src, out);
          expect(await identity(out), `${from} → ${to}`).toEqual(small);
        }
      } finally {
        rmSync(d2, { recursive: true, force: true });
      }
    }
  });

  it("a larger image with xattrs and device nodes survives daemon → OCI → registry → daemon", async () => {
    const layout = join(dir, "big-layout");
    await copy(TRICKY, `oci:${layout}:t`);
    const reg = `docker://${registry.host}/roundtrip/tricky:v1`;
    await copy(`oci:${layout}:t`, reg);
    await copy(reg, "docker-daemon:imgdiet-test/roundtrip:back");
    expect(await identity("docker-daemon:imgdiet-test/roundtrip:back")).toEqual(expected);
  });

  it("skopeo reads what we write, and we read what skopeo writes", async () => {
    const layout = join(dir, "for-skopeo");
    await copy(TRICKY, `oci:${layout}:x`);
    const raw = JSON.parse(must("skopeo", ["inspect", "--config", "--raw", `oci:${layout}:x`]));
    expect(raw.rootfs.diff_ids).toEqual(expected.diffIds);
    const fromSkopeo = join(dir, "from-skopeo");
    must("skopeo", ["copy", "-q", `docker-daemon:${TRICKY}`, `oci:${fromSkopeo}:y`]);
    const id = await identity(`oci:${fromSkopeo}:y`);
    expect(id.diffIds).toEqual(expected.diffIds);
    const archive = join(dir, "skopeo-archive.tar");
    must("skopeo", ["copy", "-q", `docker-daemon:${TRICKY}`, `docker-archive:${archive}:z:1`]);
    expect((await identity(`docker-archive:${archive}`)).diffIds).toEqual(expected.diffIds);
  });

  it("reads gzip and zstd layers (umoci/skopeo compressed layouts)", async () => {
    const gz = join(dir, "gz");
    must("skopeo", ["copy", "-q", "--dest-compress-format", "gzip", `docker-daemon:${TRICKY}`, `oci:${gz}:g`]);
    const zs = join(dir, "zs");
    must("skopeo", ["copy", "-q", "--dest-compress-format", "zstd", `docker-daemon:${TRICKY}`, `oci:${zs}:z`]);
    for (const ref of [`oci:${gz}:g`, `oci:${zs}:z`]) {
      const img = await open(ref);
      expect(img.layers.some((l) => l.compression !== "none")).toBe(true);
      await img.close();
      expect((await identity(ref)).diffIds).toEqual(expected.diffIds);
    }
    // And the copy to a docker-archive decompresses them to the same diff_ids.
    await copy(`oci:${zs}:z`, `docker-archive:${join(dir, "from-zstd.tar")}`);
    expect((await identity(`docker-archive:${join(dir, "from-zstd.tar")}`)).diffIds).toEqual(expected.diffIds);
  });

  it("a copy that changes nothing keeps the manifest digest, its annotations and unknown fields", async () => {
    // A gzip OCI layout made by skopeo, its manifest given an annotation and a field we do not model.
    const src = join(dir, "annotated");
    must("skopeo", ["copy", "-q", "--dest-compress-format", "gzip", `docker-daemon:${SMALL}`, `oci:${src}:a`]);
    const indexPath = join(src, "index.json");
    const index = JSON.parse(readFileSync(indexPath, "utf8"));
    const desc = index.manifests[0];
    const manifest = JSON.parse(readFileSync(join(src, "blobs/sha256", desc.digest.slice(7)), "utf8"));
    manifest.annotations = { "org.example.note": "kept by copy" };
    manifest["x-imgdiet-test"] = [1, 2, 3];
    const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    writeFileSync(join(src, "blobs/sha256", digest.slice(7)), bytes);
    Object.assign(desc, { digest, size: bytes.length });
    writeFileSync(indexPath, JSON.stringify(index));

    const reg = `docker://${registry.host}/roundtrip/annotated:v1`;
    const layout2 = `oci:${join(dir, "annotated-2")}:b`;
    const archive = `oci-archive:${join(dir, "annotated.tar")}:c`;
    await copy(`oci:${src}:a`, reg);
    await copy(reg, layout2);
    await copy(layout2, archive);
    for (const ref of [reg, layout2, archive]) {
      const raw = must("skopeo", ["inspect", "--raw", "--tls-verify=false", ref]);
      expect(raw.replace(/\n$/, ""), ref).toBe(bytes.toString("utf8"));
    }
    // A change of layers (docker-archive holds them uncompressed) makes a new manifest, as it must.
    await copy(layout2, `docker-archive:${join(dir, "annotated-d.tar")}`);
    await copy(`docker-archive:${join(dir, "annotated-d.tar")}`, `oci:${join(dir, "annotated-3")}:d`);
    const rewritten = must("skopeo", ["inspect", "--raw", `oci:${join(dir, "annotated-3")}:d`]);
    expect(JSON.parse(rewritten).layers.map((l: { digest: string }) => l.digest)).not.toEqual(manifest.layers.map((l: { digest: string }) => l.digest));
  });

  it("a blob with a wrong digest fails with a one-line error naming it, and writes nothing", async () => {
    const layout = join(dir, "tamper");
    await copy(TRICKY, `oci:${layout}:t`);
    const blobs = join(layout, "blobs", "sha256");
    const img = await open(`oci:${layout}:t`);
    const victim = img.layers.at(-1)!.descriptor.digest.slice(7);
    await img.close();
    const bytes = readFileSync(join(blobs, victim));
    bytes[bytes.length - 1024] ^= 0xff;
    writeFileSync(join(blobs, victim), bytes);
    const dest = join(dir, "tampered-out.tar");
    const r = imgdiet(["copy", `oci:${layout}:t`, `docker-archive:${dest}`]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(victim);
    expect(r.stderr).toMatch(/digest mismatch/);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes("imgdiet-tmp"))).toEqual([]);
  });
});
