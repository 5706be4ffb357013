/**
 * Wrong types in any image document (config, manifest, index, docker-archive manifest.json) are bad
 * input: exit 2 and one line naming the field, from every transport that reads it. The documents are
 * a real image's, edited and re-digested so that only the type of one field is wrong.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { imgdiet, must, tempDir } from "./helpers/run.js";
import { buildSmall, SMALL } from "./helpers/fixtures.js";
import { open, write } from "../src/image/open.js";
import { handMadeImage, startTestRegistry, type TestRegistry } from "./support/registry.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- edited JSON documents of any shape
type Json = Record<string, any>;

const hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function expectBadField(ref: string, field: RegExp): void {
  const r = imgdiet(["analyze", ref]);
  expect(r.code, `${ref}: ${r.stderr}`).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.stderr).toMatch(field);
}

/** An OCI layout of SMALL whose documents can be rewritten, digests recomputed. */
class Layout {
  constructor(readonly dir: string) {}
  blob(digest: string): Buffer {
    return readFileSync(join(this.dir, "blobs/sha256", digest.slice(7)));
  }
  put(doc: Json): { digest: string; size: number } {
    const bytes = Buffer.from(JSON.stringify(doc));
    writeFileSync(join(this.dir, "blobs/sha256", hex(bytes)), bytes);
    return { digest: `sha256:${hex(bytes)}`, size: bytes.length };
  }
  index(): Json {
    return JSON.parse(readFileSync(join(this.dir, "index.json"), "utf8"));
  }
  manifest(): Json {
    return JSON.parse(this.blob(this.index().manifests[0].digest).toString("utf8"));
  }
  setIndex(index: Json): void {
    writeFileSync(join(this.dir, "index.json"), JSON.stringify(index));
  }
  setManifest(manifest: Json): void {
    const index = this.index();
    Object.assign(index.manifests[0], this.put(manifest));
    this.setIndex(index);
  }
  setConfig(edit: (c: Json) => void): void {
    const manifest = this.manifest();
    const config = JSON.parse(this.blob(manifest.config.digest).toString("utf8"));
    edit(config);
    Object.assign(manifest.config, this.put(config));
    this.setManifest(manifest);
  }
}

describe("wrong types in image documents → exit 2 naming the field", () => {
  let dir: string;
  let n = 0;
  const layout = (): Layout => {
    const path = join(dir, `layout-${n++}`);
    const r = imgdiet(["copy", SMALL, `oci:${path}:x`]);
    expect(r.code, r.stderr).toBe(0);
    return new Layout(path);
  };
  let reg: TestRegistry;
  beforeAll(async () => {
    buildSmall();
    dir = tempDir("bad-docs");
    reg = await startTestRegistry();
  }, 120_000);
  afterAll(async () => {
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an image config whose Cmd is not a list, or whose diff_ids are not a list (OCI layout)", () => {
    const l = layout();
    const ok = imgdiet(["analyze", `oci:${l.dir}:x`]);
    expect(ok.code, ok.stderr).toBe(0);
    l.setConfig((c) => {
      c.config = { ...c.config, Cmd: "/bin/busybox sh" };
    });
    expectBadField(`oci:${l.dir}:x`, /config: config\.Cmd: expected array, received string/);
    const l2 = layout();
    l2.setConfig((c) => {
      c.rootfs.diff_ids = c.rootfs.diff_ids[0];
    });
    expectBadField(`oci:${l2.dir}:x`, /config: rootfs\.diff_ids: expected array, received string/);
  });

  it("an image manifest whose layer size is a string (OCI layout)", () => {
    const l = layout();
    const m = l.manifest();
    m.layers[0].size = String(m.layers[0].size);
    l.setManifest(m);
    expectBadField(`oci:${l.dir}:x`, /image manifest: layers\.0\.size: expected number, received string/);
  });

  it("an index whose manifests are not a list (OCI layout index.json)", () => {
    const l = layout();
    const index = l.index();
    index.manifests = index.manifests[0];
    l.setIndex(index);
    expectBadField(`oci:${l.dir}:x`, /index\.json: manifests: expected array, received object/);
  });

  it("a docker-archive whose manifest.json or config has a field of the wrong type", () => {
    const saved = join(dir, "small.tar");
    must("docker", ["save", "-o", saved, SMALL]);
    const unpacked = join(dir, "unpacked");
    mkdirSync(unpacked);
    must("tar", ["-xf", saved, "-C", unpacked]);
    const manifestJson = readFileSync(join(unpacked, "manifest.json"), "utf8");
    const pack = (name: string): string => {
      const out = join(dir, name);
      must("tar", ["-cf", out, "-C", unpacked, "."]);
      return `docker-archive:${out}`;
    };

    const entries = JSON.parse(manifestJson) as Json[];
    writeFileSync(join(unpacked, "manifest.json"), JSON.stringify([{ ...entries[0], Layers: entries[0]!.Layers.join(",") }]));
    expectBadField(pack("bad-manifest.tar"), /manifest\.json: 0\.Layers: expected array, received string/);

    // The config under a new name that is its new digest, as `docker save` names it.
    const configPath = join(unpacked, entries[0]!.Config);
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    config.config.Entrypoint = { shell: "/bin/busybox" };
    const bytes = Buffer.from(JSON.stringify(config));
    const newName = entries[0]!.Config.replace(/[a-f0-9]{64}/, hex(bytes));
    writeFileSync(join(unpacked, newName), bytes);
    writeFileSync(join(unpacked, "manifest.json"), JSON.stringify([{ ...entries[0], Config: newName }]));
    expectBadField(pack("bad-config.tar"), /config: config\.Entrypoint: expected array, received object/);
  });

  it("a registry image whose config has a Cmd that is not a list", async () => {
    const image = await handMadeImage([{ files: { hello: "hi\n" }, compression: "gzip" }], "oci", { config: { Cmd: "/hello" } });
    const ref = `docker://${reg.host}/bad/cmd:v1`;
    await write(image, ref);
    expectBadField(ref, / config sha256:[a-f0-9]{64}: config\.Cmd: expected array, received string/);
  });

  it("the same image gives the same parsed documents from every transport", async () => {
    const l = layout();
    const saved = join(dir, "same.tar");
    must("docker", ["save", "-o", saved, SMALL]);
    const ociArchive = join(dir, "same-oci.tar");
    expect(imgdiet(["copy", SMALL, `oci-archive:${ociArchive}:x`]).code).toBe(0);
    const pushed = `docker://${reg.host}/same/small:v1`;
    expect(imgdiet(["copy", SMALL, pushed]).code).toBe(0);
    const refs = [`docker-daemon:${SMALL}`, `docker-archive:${saved}`, `oci:${l.dir}:x`, `oci-archive:${ociArchive}:x`, pushed];
    const docs = [];
    for (const ref of refs) {
      const image = await open(ref);
      try {
        const { mediaType: _m, ...manifest } = image.manifest;
        // Layers keep their blobs; the media types say Docker or OCI, as each transport stores them.
        docs.push({ config: image.config, configDigest: manifest.config.digest, layers: manifest.layers.map((d) => [d.digest, d.size]) });
      } finally {
        await image.close();
      }
    }
    for (const d of docs.slice(1)) expect(d).toEqual(docs[0]);
    expect(docs[0]!.config).toMatchObject({ os: "linux", rootfs: { type: "layers" } });
    expect(docs[0]!.layers).toHaveLength(4);
  }, 120_000);
});
