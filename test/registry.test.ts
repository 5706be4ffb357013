import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentError, InputError } from "../src/errors.js";
import { sha256 } from "../src/image/digest.js";
import { MediaType } from "../src/image/media-types.js";
import { parseReference } from "../src/image/reference.js";
import type { OpenOptions } from "../src/image/transport.js";
import type { Image, Layer } from "../src/image/types.js";
import { hostPlatform } from "../src/image/platform.js";
import {
  freePort,
  handMadeImage,
  run,
  skopeoCopy,
  startTestRegistry,
  writeAuthFile,
  type TestRegistry,
} from "./support/registry.js";
import { registryTransport, type RegistryReference } from "../src/image/transports/registry.js";

const USER = "imgdiet";
const PASS = "s3cret-pw";
const SLOW = 180_000;

let reg: TestRegistry;
let tmp: string;
let authFile: string;
/** What the engine says about debian:bookworm: config digest and diff_ids. */
let debianId: string;
let debianDiffIds: string[];

function ref(raw: string): RegistryReference {
  const r = parseReference(raw);
  if (r.transport !== "registry") throw new Error(`not a registry reference: ${raw}`);
  return r;
}
const url = (path: string) => `docker://${reg.host}/${path}`;
const openImage = (path: string, opts: OpenOptions = { authFile }) => registryTransport.open(ref(url(path)), opts);
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

/** Read a stream to the end, returning its size and sha256. */
async function consume(s: Readable): Promise<{ size: number; digest: string }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of s) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, digest: "sha256:" + h.digest("hex") };
}

/** Raw manifest bytes as the registry stores them (independent of the code under test). */
async function rawManifest(path: string, reference: string): Promise<{ bytes: Buffer; contentType: string }> {
  const res = await fetch(`http://${reg.host}/v2/${path}/manifests/${reference}`, {
    headers: {
      Authorization: "Basic " + Buffer.from(`${USER}:${PASS}`).toString("base64"),
      Accept: [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifest, MediaType.dockerManifestList].join(", "),
    },
  });
  if (res.status !== 200) throw new Error(`GET manifest ${path}:${reference}: ${res.status}`);
  return { bytes: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get("content-type") ?? "" };
}

async function skopeoInspect(raw: string, what: "--raw" | "--config"): Promise<Buffer> {
  const args = ["inspect", "--tls-verify=false", "--creds", `${USER}:${PASS}`, what];
  if (what === "--config") args.push("--raw");
  const { stdout } = await run("skopeo", [...args, raw]);
  return Buffer.from(stdout, "utf8");
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "imgdiet-registry-test-"));
  reg = await startTestRegistry({ auth: { user: USER, pass: PASS } });
  authFile = await writeAuthFile(tmp, { [reg.host]: { user: USER, pass: PASS } });
  const creds = ["--dest-creds", `${USER}:${PASS}`];
  await skopeoCopy("docker-daemon:debian:bookworm", `docker://${reg.host}/test/debian:bookworm`, creds);
  await skopeoCopy("docker-daemon:debian:bookworm", `docker://${reg.host}/test/debian-oci:bookworm`, [...creds, "--format", "oci"]);
  const { stdout } = await run("docker", ["image", "inspect", "debian:bookworm", "--format", "{{.Id}} {{json .RootFS.Layers}}"]);
  const space = stdout.indexOf(" ");
  debianId = stdout.slice(0, space);
  debianDiffIds = JSON.parse(stdout.slice(space + 1)) as string[];
}, SLOW);

afterAll(async () => {
  await reg?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("reading from a registry with basic auth", () => {
  it("opens a Docker schema 2 image: config digest, diff_ids and every layer verify", async () => {
    const img = await openImage("test/debian:bookworm");
    expect(img.source).toBe(url("test/debian:bookworm"));
    expect(img.manifest.mediaType).toBe(MediaType.dockerManifest);
    expect(sha256(img.rawConfig)).toBe(debianId);
    expect(img.manifest.config.digest).toBe(debianId);
    expect(img.config.rootfs.diff_ids).toEqual(debianDiffIds);
    expect(img.layers.map((l) => l.diffId)).toEqual(debianDiffIds);
    for (const layer of img.layers) {
      expect(layer.compression).toBe("gzip");
      const blob = await consume(await layer.blob());
      expect(blob).toEqual({ size: layer.descriptor.size, digest: layer.descriptor.digest });
      const tar = await consume(await layer.uncompressed());
      expect(tar.digest).toBe(layer.diffId);
      expect(tar.size).toBeGreaterThan(blob.size);
    }
    await img.close();
    await img.close();
  }, SLOW);

  it("opens the OCI-format copy with the same diff_ids and the config skopeo wrote", async () => {
    const img = await openImage("test/debian-oci:bookworm");
    expect(img.manifest.mediaType).toBe(MediaType.ociManifest);
    expect(img.manifest.layers[0]!.mediaType).toBe(MediaType.ociLayerGzip);
    const skopeoConfig = await skopeoInspect(url("test/debian-oci:bookworm"), "--config");
    expect(sha256(img.rawConfig)).toBe(sha256(skopeoConfig));
    expect(img.layers.map((l) => l.diffId)).toEqual(debianDiffIds);
    expect((await consume(await img.layers[0]!.uncompressed())).digest).toBe(debianDiffIds[0]);
  }, SLOW);

  it("opens by digest, and verifies it", async () => {
    const { bytes } = await rawManifest("test/debian", "bookworm");
    const digest = sha256(bytes);
    const img = await openImage(`test/debian@${digest}`);
    expect(img.manifest.config.digest).toBe(debianId);
    const err = await failure(openImage(`test/debian@sha256:${"0".repeat(64)}`));
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toBe(`image not found: ${url(`test/debian@sha256:${"0".repeat(64)}`)}`);
  }, SLOW);

  it("reports a missing tag or repository as an input error", async () => {
    const err = await failure(openImage("test/debian:no-such-tag"));
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toBe(`image not found: ${url("test/debian:no-such-tag")}`);
    const err2 = await failure(openImage("test/no-such-repo:latest"));
    expect(err2).toBeInstanceOf(InputError);
    expect(err2!.message).toMatch(/^image not found/);
  });

  it("rejects a wrong password as 'authentication failed for HOST'", async () => {
    const wrong = await writeAuthFile(tmp, { [reg.host]: { user: USER, pass: "wrong" } });
    const err = await failure(openImage("test/debian:bookworm", { authFile: wrong }));
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toMatch(new RegExp(`^authentication failed for ${reg.host.replace(/\./g, "\\.")}`));
  });

  it("without credentials, says authentication is required", async () => {
    const none = await writeAuthFile(tmp, { "other.example.com": { user: "x", pass: "y" } });
    const err = await failure(openImage("test/debian:bookworm", { authFile: none }));
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toContain(`authentication required for ${reg.host}`);
    expect(err!.message).toContain(none);
  });

  it("finds credentials under https://HOST/v1/ keys and via $DOCKER_CONFIG", async () => {
    const v1 = join(tmp, "v1.json");
    await writeFile(v1, JSON.stringify({ auths: { [`https://${reg.host}/v1/`]: { username: USER, password: PASS } } }));
    expect((await openImage("test/debian:bookworm", { authFile: v1 })).manifest.config.digest).toBe(debianId);

    const dockerConfig = await mkdtemp(join(tmp, "docker-config-"));
    await writeFile(join(dockerConfig, "config.json"), await readFile(authFile));
    const old = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dockerConfig;
    try {
      expect((await openImage("test/debian:bookworm", {})).manifest.config.digest).toBe(debianId);
    } finally {
      if (old === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = old;
    }
  });

  it("gets credentials from a credsStore helper, and credHelpers[host] wins over it", async () => {
    const bin = await mkdtemp(join(tmp, "bin-"));
    const helper = (user: string, pass: string) => `#!/bin/sh
[ "$1" = get ] || exit 3
read -r server
echo "$server" >> "${bin}/asked.log"
if [ "$server" = "${reg.host}" ]; then
  printf '{"ServerURL":"%s","Username":"${user}","Secret":"${pass}"}' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi
`;
    await writeFile(join(bin, "docker-credential-imgdiet-test"), helper(USER, PASS));
    await writeFile(join(bin, "docker-credential-imgdiet-wrong"), helper(USER, "not-the-password"));
    await chmod(join(bin, "docker-credential-imgdiet-test"), 0o755);
    await chmod(join(bin, "docker-credential-imgdiet-wrong"), 0o755);
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${oldPath ?? ""}`;
    try {
      const store = join(tmp, "store.json");
      await writeFile(store, JSON.stringify({ credsStore: "imgdiet-test", auths: { [reg.host]: {} } }));
      expect((await openImage("test/debian:bookworm", { authFile: store })).manifest.config.digest).toBe(debianId);
      expect((await readFile(join(bin, "asked.log"), "utf8")).trim()).toBe(reg.host);

      const both = join(tmp, "both.json");
      await writeFile(both, JSON.stringify({ credsStore: "imgdiet-test", credHelpers: { [reg.host]: "imgdiet-wrong" } }));
      const err = await failure(openImage("test/debian:bookworm", { authFile: both }));
      expect(err).toBeInstanceOf(InputError);
      expect(err!.message).toContain(`authentication failed for ${reg.host}`);
      expect(err!.message).toContain("docker-credential-imgdiet-wrong");

      const missing = join(tmp, "missing-helper.json");
      await writeFile(missing, JSON.stringify({ credsStore: "imgdiet-absent" }));
      const err2 = await failure(openImage("test/debian:bookworm", { authFile: missing }));
      expect(err2).toBeInstanceOf(EnvironmentError);
      expect(err2!.message).toContain("docker-credential-imgdiet-absent");
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it("speaks HTTPS to non-loopback names unless insecure is allowed", async () => {
    // 0.0.0.0 reaches the loopback listener but is not one of the names that get plain HTTP by default.
    const host = reg.host.replace("127.0.0.1", "0.0.0.0");
    const file = await writeAuthFile(tmp, { [host]: { user: USER, pass: PASS } });
    const r = ref(`docker://${host}/test/debian:bookworm`);
    const err = await failure(registryTransport.open(r, { authFile: file }));
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err!.message).toContain(`cannot reach registry ${host}: TLS handshake failed`);
    const img = await registryTransport.open(r, { authFile: file, insecure: true });
    expect(img.manifest.config.digest).toBe(debianId);
  });

  it("reports a registry nobody answers on as an environment error naming it", async () => {
    const port = await freePort();
    const err = await failure(registryTransport.open(ref(`docker://127.0.0.1:${port}/a/b:c`), {}));
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err!.message).toBe(`cannot reach registry 127.0.0.1:${port}: connection refused`);
    const err2 = await failure(registryTransport.open(ref("docker://no-such-host.invalid/a/b:c"), {}));
    expect(err2).toBeInstanceOf(EnvironmentError);
    expect(err2!.message).toContain("no-such-host.invalid");
  });
});

describe("image indexes", () => {
  let amd64: { digest: string; size: number; mediaType: string };
  let arm64: { digest: string; size: number; mediaType: string };

  beforeAll(async () => {
    const creds = ["--dest-creds", `${USER}:${PASS}`];
    await skopeoCopy("docker-daemon:debian:bookworm", `docker://${reg.host}/test/multi:amd64`, creds);
    await skopeoCopy("docker-daemon:debian:bookworm", `docker://${reg.host}/test/multi:arm64`, [...creds, "--format", "oci"]);
    const a = await rawManifest("test/multi", "amd64");
    const b = await rawManifest("test/multi", "arm64");
    amd64 = { digest: sha256(a.bytes), size: a.bytes.length, mediaType: MediaType.dockerManifest };
    arm64 = { digest: sha256(b.bytes), size: b.bytes.length, mediaType: MediaType.ociManifest };
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        { ...amd64, platform: { os: "linux", architecture: "amd64" } },
        { ...arm64, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
      ],
    };
    const res = await fetch(`http://${reg.host}/v2/test/multi/manifests/latest`, {
      method: "PUT",
      headers: { Authorization: "Basic " + Buffer.from(`${USER}:${PASS}`).toString("base64"), "Content-Type": MediaType.ociIndex },
      body: JSON.stringify(index),
    });
    if (res.status !== 201) throw new Error(`PUT index: ${res.status} ${await res.text()}`);
  }, SLOW);

  it("picks the manifest for the requested platform", async () => {
    const arm = await openImage("test/multi:latest", { authFile, platform: { os: "linux", architecture: "arm64" } });
    expect(arm.manifest.mediaType).toBe(MediaType.ociManifest);
    const armV8 = await openImage("test/multi:latest", { authFile, platform: { os: "linux", architecture: "arm64", variant: "v8" } });
    expect(armV8.manifest.config.digest).toBe(arm.manifest.config.digest);
    const amd = await openImage("test/multi:latest", { authFile, platform: { os: "linux", architecture: "amd64" } });
    expect(amd.manifest.mediaType).toBe(MediaType.dockerManifest);
    expect(amd.manifest.config.digest).toBe(debianId);
    expect(arm.manifest.config.digest).not.toBe(debianId);
    expect(amd.layers.map((l) => l.diffId)).toEqual(debianDiffIds);
  });

  it("defaults to linux on the host architecture", async () => {
    const host = hostPlatform().architecture;
    const p = openImage("test/multi:latest");
    if (host === "amd64") expect((await p).manifest.mediaType).toBe(MediaType.dockerManifest);
    else if (host === "arm64") expect((await p).manifest.mediaType).toBe(MediaType.ociManifest);
    else await expect(p).rejects.toThrow(InputError);
  });

  it("lists the platforms on offer when none matches", async () => {
    const err = await failure(openImage("test/multi:latest", { authFile, platform: { os: "linux", architecture: "s390x" } }));
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toBe(`${url("test/multi:latest")}: no image for platform linux/s390x (available: linux/amd64, linux/arm64/v8)`);
  });
});

/** Wrap an image so tests can count how often layer blobs are read. */
function counting(img: Image): { image: Image; reads: () => number } {
  let n = 0;
  const layers: Layer[] = img.layers.map((l) => ({
    descriptor: l.descriptor,
    diffId: l.diffId,
    compression: l.compression,
    blob: () => {
      n++;
      return l.blob();
    },
    uncompressed: () => l.uncompressed(),
  }));
  return { image: { ...img, layers, close: img.close }, reads: () => n };
}

describe("writing to a registry", () => {
  it("copies registry → registry keeping config digest, layers and diff_ids (Docker stays Docker)", async () => {
    const src = await openImage("test/debian:bookworm");
    const { image, reads } = counting(src);
    const result = await registryTransport.write(image, ref(url("copy/debian:v1")), { authFile });
    // The same registry: the layer is mounted from test/debian (a HEAD in copy/debian would say 404
    // for an unlinked blob), so it is never read or sent.
    expect(reads()).toBe(0);
    expect(result.reference).toBe(url("copy/debian:v1"));

    const raw = await skopeoInspect(url("copy/debian:v1"), "--raw");
    expect(sha256(raw)).toBe(result.digest);
    const written = JSON.parse(raw.toString("utf8")) as { mediaType: string; config: { digest: string }; layers: { digest: string; size: number; mediaType: string }[] };
    expect(written.mediaType).toBe(MediaType.dockerManifest);
    expect(written.config.digest).toBe(debianId);
    expect(written.layers.map((l) => [l.digest, l.size, l.mediaType])).toEqual(
      src.manifest.layers.map((l) => [l.digest, l.size, MediaType.dockerLayerGzip]),
    );
    expect(sha256(await skopeoInspect(url("copy/debian:v1"), "--config"))).toBe(debianId);

    const again = await openImage("copy/debian:v1");
    expect(again.layers.map((l) => l.diffId)).toEqual(debianDiffIds);
    expect((await consume(await again.layers[0]!.uncompressed())).digest).toBe(debianDiffIds[0]);

    // A second push finds every blob in place and reads none.
    const second = counting(src);
    const r2 = await registryTransport.write(second.image, ref(url("copy/debian:v2")), { authFile });
    expect(second.reads()).toBe(0);
    expect(r2.digest).toBe(result.digest);
  }, SLOW);

  it("keeps an OCI image OCI, and writes by digest when the digest matches", async () => {
    const src = await openImage("test/debian-oci:bookworm");
    const result = await registryTransport.write(src, ref(url("copy/debian-oci:v1")), { authFile });
    const written = JSON.parse((await skopeoInspect(url("copy/debian-oci:v1"), "--raw")).toString("utf8")) as {
      mediaType: string;
      config: { digest: string; mediaType: string };
    };
    expect(written.mediaType).toBe(MediaType.ociManifest);
    expect(written.config).toMatchObject({ digest: sha256(src.rawConfig), mediaType: MediaType.ociConfig });

    const byDigest = await registryTransport.write(src, ref(url(`copy/by-digest@${result.digest}`)), { authFile });
    expect(byDigest.digest).toBe(result.digest);
    expect((await openImage(`copy/by-digest@${result.digest}`)).manifest.config.digest).toBe(sha256(src.rawConfig));
    const err = await failure(registryTransport.write(src, ref(url(`copy/by-digest@sha256:${"1".repeat(64)}`)), { authFile }));
    expect(err).toBeInstanceOf(InputError);
  }, SLOW);

  it("round-trips hand-made images with gzip, uncompressed and zstd layers, exact config bytes", async () => {
    for (const family of ["oci", "docker"] as const) {
      const img = await handMadeImage(
        [
          { files: { "hello.txt": `hello ${family}\n` }, compression: "gzip" },
          { files: { "etc/plain.conf": "plain=1\n", "bin/data": randomBytes(4096) }, compression: "none" },
          { files: { "zst/file": `zstd layer ${family}\n`.repeat(100) }, compression: "zstd" },
        ],
        family,
      );
      const target = url(`hand/${family}:v1`);
      const result = await registryTransport.write(img, ref(target), { authFile });
      const back = await registryTransport.open(ref(target), { authFile });
      expect(back.rawConfig.equals(img.rawConfig)).toBe(true);
      expect(back.manifest.mediaType).toBe(family === "oci" ? MediaType.ociManifest : MediaType.dockerManifest);
      expect(back.layers.map((l) => l.compression)).toEqual(["gzip", "none", "zstd"]);
      expect(back.layers.map((l) => l.diffId)).toEqual(img.layers.map((l) => l.diffId));
      for (const l of back.layers) expect((await consume(await l.uncompressed())).digest).toBe(l.diffId);
      expect(sha256((await rawManifest(`hand/${family}`, "v1")).bytes)).toBe(result.digest);
    }
  }, SLOW);

  it("streams a large layer both ways without holding it in memory", async () => {
    const size = 256 * 1024 * 1024;
    const file = join(tmp, "big.tar");
    const hash = createHash("sha256");
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(file);
      out.on("error", reject);
      let written = 0;
      const more = (): void => {
        while (written < size) {
          const chunk = randomBytes(1024 * 1024);
          hash.update(chunk);
          written += chunk.length;
          if (!out.write(chunk)) {
            out.once("drain", more);
            return;
          }
        }
        out.end(resolve);
      };
      more();
    });
    const digest = "sha256:" + hash.digest("hex");
    const base = await handMadeImage([], "oci");
    const config = { ...base.config, rootfs: { type: "layers" as const, diff_ids: [digest] } };
    const rawConfig = Buffer.from(JSON.stringify(config));
    const layer: Layer = {
      descriptor: { mediaType: MediaType.ociLayer, digest, size },
      diffId: digest,
      compression: "none",
      blob: async () => createReadStream(file, { highWaterMark: 1024 * 1024 }),
      uncompressed: async () => createReadStream(file, { highWaterMark: 1024 * 1024 }),
    };
    const image: Image = {
      ...base,
      rawConfig,
      config,
      layers: [layer],
      manifest: { ...base.manifest, config: { ...base.manifest.config, digest: sha256(rawConfig), size: rawConfig.length }, layers: [layer.descriptor] },
    };

    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      await registryTransport.write(image, ref(url("big/layer:v1")), { authFile });
      const back = await openImage("big/layer:v1");
      expect(await consume(await back.layers[0]!.uncompressed())).toEqual({ size, digest });
    } finally {
      clearInterval(sampler);
    }
    // Buffering the layer anywhere would add at least its 256 MiB.
    expect(peak - baseline).toBeLessThan(128 * 1024 * 1024);
  }, SLOW);
});

describe("malformed images", () => {
  it("rejects a config that is not JSON and a layer of unknown media type", async () => {
    const img = await handMadeImage([{ files: { f: "malformed test\n" }, compression: "gzip" }], "oci");
    const rawConfig = Buffer.from("{ this is not json");
    const broken: Image = { ...img, rawConfig, manifest: { ...img.manifest, config: { ...img.manifest.config, digest: sha256(rawConfig), size: rawConfig.length } } };
    await registryTransport.write(broken, ref(url("bad/config:v1")), { authFile });
    const e1 = await failure(openImage("bad/config:v1"));
    expect(e1).toBeInstanceOf(InputError);
    expect(e1!.message).toContain("image config is not valid JSON");

    // A manifest naming a layer type nobody knows, written by hand (the registry accepts it).
    await registryTransport.write(img, ref(url("bad/layer:v1")), { authFile });
    const { bytes } = await rawManifest("bad/layer", "v1");
    const m = JSON.parse(bytes.toString("utf8")) as { layers: { mediaType: string }[] };
    m.layers[0]!.mediaType = "application/vnd.example.mystery.layer";
    const res = await fetch(`http://${reg.host}/v2/bad/layer/manifests/v2`, {
      method: "PUT",
      headers: { Authorization: "Basic " + Buffer.from(`${USER}:${PASS}`).toString("base64"), "Content-Type": MediaType.ociManifest },
      body: JSON.stringify(m),
    });
    expect(res.status).toBe(201);
    const e2 = await failure(openImage("bad/layer:v2"));
    expect(e2).toBeInstanceOf(InputError);
    expect(e2!.message).toBe("unknown layer media type: application/vnd.example.mystery.layer");
  }, SLOW);
});

describe("tampered registry storage", () => {
  /** Flip one byte in the middle of a file, keeping its size. */
  async function corrupt(file: string): Promise<void> {
    const fh = await open(file, "r+");
    try {
      const { size } = await fh.stat();
      const at = Math.floor(size / 2);
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, at);
      b[0] = b[0]! ^ 0xff;
      await fh.write(b, 0, 1, at);
    } finally {
      await fh.close();
    }
  }

  it("fails the layer stream with an InputError naming the blob digest", async () => {
    // Unique content, so no other test shares these blobs.
    const img = await handMadeImage([{ files: { "payload.bin": randomBytes(256 * 1024) }, compression: "gzip" }], "docker");
    await registryTransport.write(img, ref(url("tamper/layer:v1")), { authFile });
    const digest = img.layers[0]!.descriptor.digest;
    await corrupt(reg.blobFile(digest));

    const opened = await openImage("tamper/layer:v1");
    const e1 = await failure(consume(await opened.layers[0]!.blob()));
    expect(e1).toBeInstanceOf(InputError);
    expect(e1!.message).toContain(digest);
    expect(e1!.message).toContain("digest mismatch");
    const e2 = await failure(consume(await opened.layers[0]!.uncompressed()));
    expect(e2).toBeInstanceOf(InputError);
    expect(e2!.message).toContain(digest);

    // Copying the damaged image to another registry (the same server named "localhost", so no
    // cross-repository mount applies and the blob must be read) fails, and leaves no manifest behind.
    const other = reg.host.replace("127.0.0.1", "localhost");
    const both = await writeAuthFile(tmp, { [reg.host]: { user: USER, pass: PASS }, [other]: { user: USER, pass: PASS } });
    const e3 = await failure(registryTransport.write(opened, ref(`docker://${other}/tamper/copy:v1`), { authFile: both }));
    expect(e3).toBeInstanceOf(InputError);
    expect(e3!.message).toContain(digest);
    const e4 = await failure(openImage("tamper/copy:v1"));
    expect(e4!.message).toMatch(/^image not found/);
  }, SLOW);

  it("refuses a config or a manifest whose bytes do not match their digest", async () => {
    const img = await handMadeImage([{ files: { "cfg-test": randomBytes(1024) }, compression: "gzip" }], "oci", { author: "tamper-config" });
    const { digest } = await registryTransport.write(img, ref(url("tamper/config:v1")), { authFile });
    await corrupt(reg.blobFile(img.manifest.config.digest));
    const e1 = await failure(openImage("tamper/config:v1"));
    expect(e1).toBeInstanceOf(InputError);
    expect(e1!.message).toContain(img.manifest.config.digest);

    await corrupt(reg.blobFile(digest));
    const e2 = await failure(openImage(`tamper/config@${digest}`));
    expect(e2).toBeInstanceOf(InputError);
    expect(e2!.message).toContain(`manifest ${digest}: digest mismatch`);
    const e3 = await failure(openImage("tamper/config:v1"));
    expect(e3).toBeInstanceOf(InputError);
    expect(e3!.message).toContain("digest mismatch");
  }, SLOW);
});
