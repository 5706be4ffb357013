import { afterEach, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { imageFromStack, imageFromTars, layerTar, type LayerSpec } from "../../../test/helpers/layer-stack.js";
import { makeLayer } from "../layer.js";
import { sha256 } from "../digest.js";
import { readTar } from "../../io/tar-reader.js";
import type { TarHeader } from "../../io/tar-header.js";
import { scan } from "../../scan/scan.js";
import type { Image } from "../types.js";
import { canonicalTimestamps, replaceFiles, selectFiles, setConfig, squash, stageContents, type NewContent } from "./index.js";

const own = { uid: 0, gid: 0 };
const STACK: LayerSpec[] = [
  [
    { kind: "dir", path: "bin", mode: 0o755, ...own },
    { kind: "file", path: "bin/x", mode: 0o755, content: Buffer.from("program x"), ...own },
    { kind: "symlink", path: "bin/y", target: "x", ...own },
    { kind: "hardlink", path: "bin/z", target: "bin/x", mode: 0o755, ...own },
    { kind: "dir", path: "etc", mode: 0o755, ...own },
    { kind: "file", path: "etc/a", mode: 0o600, content: Buffer.from("old a"), uid: 7, gid: 8 },
    { kind: "file", path: "etc/gone", mode: 0o644, content: Buffer.from("deleted later"), ...own },
  ],
  [
    { kind: "file", path: "etc/a", mode: 0o640, content: Buffer.from("new a"), uid: 7, gid: 8 },
    { kind: "whiteout", path: "etc/.wh.gone" },
    { kind: "file", path: "var/lib/data", mode: 0o644, content: Buffer.from("data"), ...own },
  ],
];

interface ReadBack extends TarHeader {
  content?: string;
}

async function readBack(image: Image): Promise<ReadBack[][]> {
  const out: ReadBack[][] = [];
  for (const layer of image.layers) {
    const entries: ReadBack[] = [];
    for await (const e of readTar(await layer.uncompressed(), "test")) {
      const r: ReadBack = { ...e.header };
      if (e.header.type === "file") {
        const parts: Buffer[] = [];
        for await (const c of e.body()) parts.push(Buffer.from(c));
        r.content = Buffer.concat(parts).toString();
      }
      entries.push(r);
    }
    out.push(entries);
  }
  return out;
}

/** What must not change in an input image: its documents, its layers and the config object. */
function snapshot(image: Image) {
  return {
    config: image.config,
    configJson: JSON.stringify(image.config),
    rawConfig: Buffer.from(image.rawConfig),
    manifest: JSON.stringify(image.manifest),
    layers: [...image.layers],
  };
}
function expectUnchanged(image: Image, before: ReturnType<typeof snapshot>): void {
  expect(image.config).toBe(before.config);
  expect(JSON.stringify(image.config)).toBe(before.configJson);
  expect(image.rawConfig.equals(before.rawConfig)).toBe(true);
  expect(JSON.stringify(image.manifest)).toBe(before.manifest);
  expect(image.layers).toEqual(before.layers);
  image.layers.forEach((l, i) => expect(l).toBe(before.layers[i]));
}

const made: Image[] = [];
const keep = (i: Image) => (made.push(i), i);
const savedEpoch = process.env.SOURCE_DATE_EPOCH;
afterEach(async () => {
  for (const i of made.splice(0)) await i.close();
  if (savedEpoch === undefined) delete process.env.SOURCE_DATE_EPOCH;
  else process.env.SOURCE_DATE_EPOCH = savedEpoch;
});

describe("mutate.selectFiles", () => {
  it("writes one sorted layer with the kept paths, their parents and hardlink content, and leaves the input alone", async () => {
    delete process.env.SOURCE_DATE_EPOCH;
    const { image } = await imageFromStack(STACK);
    const { tree } = await scan(image);
    const before = snapshot(image);
    const out = keep(await selectFiles(image, tree, ["bin/z", "bin/y", "var/lib/data", "etc/a"], { createdBy: "test select" }));
    expectUnchanged(image, before);

    const [layer, ...more] = await readBack(out);
    expect(more).toEqual([]);
    expect(layer!.map((e) => `${e.type} ${e.path}`)).toEqual([
      "dir bin", "symlink bin/y", "file bin/z", "dir etc", "file etc/a", "dir var", "dir var/lib", "file var/lib/data",
    ]);
    const byPath = new Map(layer!.map((e) => [e.path, e]));
    // bin/x is not kept: its hardlink bin/z carries the content, with the file's mode.
    expect(byPath.get("bin/z")).toMatchObject({ content: "program x", mode: 0o755 });
    expect(byPath.get("bin/y")).toMatchObject({ linkname: "x" });
    // The final version of etc/a (layer 1), its owner and mode.
    expect(byPath.get("etc/a")).toMatchObject({ content: "new a", mode: 0o640, uid: 7, gid: 8 });
    expect(layer!.every((e) => e.mtime === 0)).toBe(true);
    // The layer's headers are known without reading it back.
    expect(out.layers[0]!.entries!.map((e) => [e.path, e.type, e.size, e.mode, e.linkname])).toEqual(layer!.map((e) => [e.path, e.type, e.size, e.mode, e.linkname]));

    expect(out.config.rootfs.diff_ids).toEqual([out.layers[0]!.diffId]);
    expect(out.config.config).toEqual(image.config.config);
    expect(out.config.history).toEqual([{ created: image.config.created, created_by: "test select", comment: "imgdiet" }]);
  });

  it("is deterministic: the same selection twice gives the same digests", async () => {
    const { image } = await imageFromStack(STACK);
    const { tree } = await scan(image);
    const a = keep(await selectFiles(image, tree, (p) => p !== "etc/a", { createdBy: "same" }));
    const b = keep(await selectFiles(image, tree, (p) => p !== "etc/a", { createdBy: "same" }));
    expect(a.manifest.config.digest).toBe(b.manifest.config.digest);
    expect(a.layers[0]!.diffId).toBe(b.layers[0]!.diffId);
    expect(a.rawConfig.equals(b.rawConfig)).toBe(true);
  });

  it("reads only the layers that hold wanted contents, each once", async () => {
    const tars = await Promise.all(STACK.map(layerTar));
    const base = imageFromTars(tars);
    const opened = tars.map(() => 0);
    const image: Image = {
      ...base,
      layers: base.layers.map((l, i) =>
        makeLayer({ descriptor: l.descriptor, diffId: l.diffId, compression: "none", what: `counted ${i}`, open: async () => (opened[i]!++, Readable.from([tars[i]!])) }),
      ),
    };
    const { tree } = await scan(image);
    opened.fill(0);
    // etc/a's final version and var/lib/data are in layer 1; bin is a directory (no content).
    keep(await selectFiles(image, tree, ["etc/a", "var/lib/data", "bin"], { createdBy: "t" }));
    expect(opened).toEqual([0, 1]);
    opened.fill(0);
    keep(await selectFiles(image, tree, ["etc/a", "bin/x"], { createdBy: "t" }));
    expect(opened).toEqual([1, 1]);
  });

  it("keeps the source's created date; SOURCE_DATE_EPOCH, when set, wins", async () => {
    const { image } = await imageFromStack(STACK);
    const { tree } = await scan(image);
    delete process.env.SOURCE_DATE_EPOCH;
    const plain = keep(await selectFiles(image, tree, ["bin/x"], { createdBy: "t" }));
    expect(image.config.created).toBe("2026-01-01T00:00:00Z");
    expect(plain.config.created).toBe(image.config.created);
    process.env.SOURCE_DATE_EPOCH = "1700000000";
    const pinned = keep(await selectFiles(image, tree, ["bin/x"], { createdBy: "t" }));
    expect(pinned.config.created).toBe("2023-11-14T22:13:20.000Z");
    expect(pinned.config.history![0]!.created).toBe("2023-11-14T22:13:20.000Z");
    expect((await readBack(pinned))[0]!.every((e) => e.mtime === 1700000000)).toBe(true);
    expect(pinned.manifest.config.digest).not.toBe(plain.manifest.config.digest);
  });
});

describe("mutate with the scan's content (ContentSource): no layer is read again", () => {
  type Kind = "streamed" | "gzip file" | "plain file at an offset";
  /** STACK's layers stored as `kind`, every open of a blob counted. */
  async function stored(kind: Kind, dir: string): Promise<{ image: Image; opened: number[] }> {
    const tars = await Promise.all(STACK.map(layerTar));
    const base = imageFromTars(tars);
    const opened = tars.map(() => 0);
    const layers = await Promise.all(tars.map(async (tar, i) => {
      const what = `${kind} ${i}`;
      if (kind === "streamed") {
        return makeLayer({ descriptor: base.layers[i]!.descriptor, diffId: base.layers[i]!.diffId, compression: "none", what, open: async () => (opened[i]!++, Readable.from([tar])) });
      }
      const file = join(dir, `${i}.blob`);
      if (kind === "gzip file") {
        const gz = gzipSync(tar);
        await writeFile(file, gz);
        const descriptor = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(gz), size: gz.length };
        return makeLayer({ descriptor, diffId: sha256(tar), compression: "gzip", what, open: async () => (opened[i]!++, createReadStream(file)) });
      }
      // A blob inside a larger file, as in a docker-archive.
      const junk = Buffer.alloc(1000 + i, 0x5a);
      await writeFile(file, Buffer.concat([junk, tar, junk]));
      const range = { start: junk.length, end: junk.length + tar.length - 1 };
      return makeLayer({ descriptor: base.layers[i]!.descriptor, diffId: base.layers[i]!.diffId, compression: "none", what, open: async () => (opened[i]!++, createReadStream(file, range)) });
    }));
    return { image: { ...base, layers }, opened };
  }

  for (const kind of ["streamed", "gzip file", "plain file at an offset"] as const) {
    it(`${kind}: selectFiles, replaceFiles and stageContents take the bytes from the scan and write what reading the layers writes`, async () => {
      delete process.env.SOURCE_DATE_EPOCH;
      const dir = await mkdtemp(join(tmpdir(), "imgdiet-mutate-content-"));
      try {
        const { image, opened } = await stored(kind, dir);
        const s = await scan(image, { content: true });
        try {
          expect(s.content).toBeDefined();
          // Every file keeps where its bytes are; the scan opened each blob once.
          expect(s.layers.flatMap((l) => l.entries).filter((e) => e.type === "file" && e.offset === undefined)).toEqual([]);
          expect(opened).toEqual([1, 1]);
          opened.fill(0);
          const keepPaths = ["bin/z", "bin/y", "var/lib/data", "etc/a"];
          const fromScan = keep(await selectFiles(image, s.tree, keepPaths, { createdBy: "t", content: s.content }));
          const replaced = keep(await replaceFiles(image, s.tree, new Map([["var/lib/data", Buffer.from("new data")]]), { createdBy: "t", content: s.content }));
          const work = await mkdtemp(join(dir, "stage-"));
          const staged = await stageContents(image, s.tree, ["etc/a", "bin/x"], work, s.content);
          expect(opened).toEqual([0, 0]);
          // The same image as when the layers are read again.
          const fromLayers = keep(await selectFiles(image, s.tree, keepPaths, { createdBy: "t" }));
          expect(fromScan.layers[0]!.diffId).toBe(fromLayers.layers[0]!.diffId);
          expect(fromScan.manifest.config.digest).toBe(fromLayers.manifest.config.digest);
          const byPath = new Map((await readBack(fromScan))[0]!.map((e) => [e.path, e]));
          expect(byPath.get("bin/z")?.content).toBe("program x");
          expect(byPath.get("etc/a")?.content).toBe("new a");
          expect(byPath.get("var/lib/data")?.content).toBe("data");
          const rep = new Map((await readBack(replaced))[0]!.map((e) => [e.path, e]));
          expect([rep.get("bin/x")?.content, rep.get("etc/a")?.content, rep.get("var/lib/data")?.content]).toEqual(["program x", "new a", "new data"]);
          const stagedText = async (p: string) => {
            const parts: Buffer[] = [];
            for await (const c of createReadStream(staged.get(p)!)) parts.push(c as Buffer);
            return Buffer.concat(parts).toString();
          };
          expect([await stagedText("etc/a"), await stagedText("bin/x")]).toEqual(["new a", "program x"]);
        } finally {
          await s.close();
        }
        const after = s.content!.open(s.tree.get("etc/a")!).then(async (r) => {
          const parts: Buffer[] = [];
          for await (const c of r) parts.push(c);
          return Buffer.concat(parts).toString();
        });
        // A plain blob in a file is read in place (nothing spooled); other blobs went to a spool,
        // which close() removed.
        if (kind === "plain file at an offset") expect(await after).toBe("new a");
        else await expect(after).rejects.toThrow(/ENOENT/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("mutate.replaceFiles and squash", () => {
  it("replaces contents (hardlinks follow), adds new files with their directories, drops hidden copies", async () => {
    delete process.env.SOURCE_DATE_EPOCH;
    const { image } = await imageFromStack(STACK);
    const { tree } = await scan(image);
    const before = snapshot(image);
    const out = keep(await replaceFiles(image, tree, new Map<string, NewContent>([
      ["bin/x", Buffer.from("stripped")],
      ["opt/tool/new", { bytes: Buffer.from("#!/bin/sh\n"), mode: 0o700 }],
    ]), { createdBy: "test replace" }));
    expectUnchanged(image, before);
    const [layer] = await readBack(out);
    expect(layer!.map((e) => `${e.type} ${e.path}`)).toEqual([
      "dir bin", "file bin/x", "symlink bin/y", "hardlink bin/z", "dir etc", "file etc/a", "dir opt", "dir opt/tool", "file opt/tool/new",
      "dir var", "dir var/lib", "file var/lib/data",
    ]);
    const byPath = new Map(layer!.map((e) => [e.path, e]));
    expect(byPath.get("bin/x")).toMatchObject({ content: "stripped", mode: 0o755, size: 8 });
    expect(byPath.get("bin/z")).toMatchObject({ linkname: "bin/x", size: 0 });
    expect(byPath.get("opt/tool/new")).toMatchObject({ content: "#!/bin/sh\n", mode: 0o700, uid: 0 });
    expect(byPath.has("etc/gone")).toBe(false);
    expect(out.config.created).toBe(image.config.created);
  });

  it("squash keeps the merged tree only", async () => {
    const { image } = await imageFromStack(STACK);
    const { tree } = await scan(image);
    const before = snapshot(image);
    const out = keep(await squash(image, tree, { createdBy: "squash" }));
    expectUnchanged(image, before);
    expect(out.layers).toHaveLength(1);
    const [layer] = await readBack(out);
    const paths = layer!.map((e) => e.path);
    expect(paths).toEqual([...tree.all()].map((n) => n.path));
    expect(paths).not.toContain("etc/gone");
    expect(layer!.find((e) => e.path === "etc/a")!.content).toBe("new a");
  });
});

describe("mutate.setConfig", () => {
  it("changes fields, keeps unknown ones and the layers, and leaves the input alone", async () => {
    const { image: base } = await imageFromStack(STACK);
    // A config with a field imgdiet does not model.
    const raw = Buffer.from(JSON.stringify({ ...base.config, "moby.buildkit.buildinfo.v1": "x" }));
    const image: Image = { ...base, rawConfig: raw, config: JSON.parse(raw.toString()) };
    const before = snapshot(image);
    const out = setConfig(image, {
      config: { Entrypoint: ["/bin/x"], Cmd: undefined, User: "65534", WorkingDir: "/srv", Env: ["A=1"] },
      created: "2020-02-02T00:00:00Z",
      history: [{ created: "2020-02-02T00:00:00Z", created_by: "set" }],
    });
    expectUnchanged(image, before);
    const cfg = JSON.parse(out.rawConfig.toString());
    expect(cfg["moby.buildkit.buildinfo.v1"]).toBe("x");
    expect(cfg.config).toEqual({ Entrypoint: ["/bin/x"], User: "65534", WorkingDir: "/srv", Env: ["A=1"] });
    expect(cfg.created).toBe("2020-02-02T00:00:00Z");
    expect(out.config).toEqual(cfg);
    expect(out.manifest.config.digest).not.toBe(image.manifest.config.digest);
    expect(out.manifest.layers).toEqual(image.manifest.layers);
    out.layers.forEach((l, i) => expect(l).toBe(image.layers[i]));
    expect(setConfig(image, { config: { User: "65534" } }).manifest.config.digest).toBe(setConfig(image, { config: { User: "65534" } }).manifest.config.digest);
  });
});

describe("mutate.canonicalTimestamps", () => {
  it("stamps every entry and the config with one time, keeps everything else, deterministically", async () => {
    const { image } = await imageFromStack(STACK);
    const before = snapshot(image);
    const a = keep(await canonicalTimestamps(image, 86400));
    const b = keep(await canonicalTimestamps(image, 86400));
    expectUnchanged(image, before);
    expect(a.manifest.config.digest).toBe(b.manifest.config.digest);
    expect(a.layers.map((l) => l.diffId)).toEqual(b.layers.map((l) => l.diffId));
    expect(a.config.created).toBe("1970-01-02T00:00:00.000Z");
    expect(a.config.rootfs.diff_ids).toEqual(a.layers.map((l) => l.diffId));
    const original = await readBack(image);
    const stamped = await readBack(a);
    expect(stamped.flat().every((e) => e.mtime === 86400)).toBe(true);
    expect(stamped.map((l) => l.map(({ mtime: _m, ...rest }) => rest))).toEqual(original.map((l) => l.map(({ mtime: _m, ...rest }) => rest)));
  });
});
