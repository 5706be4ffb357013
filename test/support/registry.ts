import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { sha256 } from "../../src/image/digest.js";
import { layerMediaType, MediaType } from "../../src/image/media-types.js";
import type { Compression, Image, Layer, Manifest } from "../../src/image/types.js";
import { ociArchitecture } from "../../src/image/platform.js";

/**
 * Test support (not used by the library): a throw-away `docker-registry` (distribution 2.8) on a free
 * loopback port with its own config and filesystem storage, optionally behind htpasswd basic auth.
 */

export interface TestRegistry {
  /** `ADDRESS:PORT` (127.0.0.1 unless asked otherwise), as written in references. */
  host: string;
  port: number;
  /** Directory holding config, htpasswd, log and storage. */
  dir: string;
  storage: string;
  /** Path of a blob's data file in the storage (blobs are shared by all repositories). */
  blobFile(digest: string): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Run a program; rejects with its stderr when it fails. */
export function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

function answers(address: string, port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const get = tls ? https.get : http.get;
    const req = get({ host: address, port, path: "/v2/", timeout: 1000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
  });
}

export interface TestRegistryOptions {
  auth?: { user: string; pass: string };
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { certificate: string; key: string };
  /** Loopback address to listen on (default 127.0.0.1). */
  address?: string;
}

export async function startTestRegistry(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
  const address = opts.address ?? "127.0.0.1";
  const dir = await mkdtemp(join(tmpdir(), "imgdiet-registry-"));
  const storage = join(dir, "storage");
  const port = await freePort();
  let auth = "";
  if (opts.auth) {
    const { stdout } = await run("htpasswd", ["-Bbn", opts.auth.user, opts.auth.pass]);
    await writeFile(join(dir, "htpasswd"), stdout);
    auth = `auth:\n  htpasswd:\n    realm: imgdiet-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  const config =
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n` +
    `storage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\n` +
    `http:\n  addr: ${address}:${port}\n  secret: imgdiet-test-secret\n` +
    (opts.tls ? `  tls:\n    certificate: ${opts.tls.certificate}\n    key: ${opts.tls.key}\n` : "") +
    auth;
  await writeFile(join(dir, "config.yml"), config);
  const log = openSync(join(dir, "registry.log"), "a");
  let child: ChildProcess;
  try {
    child = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", log, log] });
  } finally {
    closeSync(log);
  }
  let exited = false;
  child.on("exit", () => (exited = true));
  const deadline = Date.now() + 15_000;
  while (!(await answers(address, port, Boolean(opts.tls)))) {
    if (exited || Date.now() > deadline) {
      child.kill();
      throw new Error(`docker-registry did not start on port ${port} (see ${join(dir, "registry.log")})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: `${address}:${port}`,
    port,
    dir,
    storage,
    blobFile: (digest: string) => {
      const hex = digest.slice(digest.indexOf(":") + 1);
      return join(storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    },
    stop: async () => {
      if (!exited) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Copy with skopeo into a plain-HTTP test registry. */
export async function skopeoCopy(src: string, dest: string, extra: string[] = []): Promise<void> {
  await run("skopeo", ["copy", "-q", "--dest-tls-verify=false", ...extra, src, dest]);
}

/** A Docker config.json with `auths` entries (base64 `auth`) for the given hosts. */
export async function writeAuthFile(dir: string, auths: Record<string, { user: string; pass: string }>, extra: object = {}): Promise<string> {
  const entries: Record<string, { auth: string }> = {};
  for (const [host, c] of Object.entries(auths)) {
    entries[host] = { auth: Buffer.from(`${c.user}:${c.pass}`).toString("base64") };
  }
  const path = join(dir, `config-${Object.keys(entries).length}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify({ auths: entries, ...extra }));
  return path;
}

/** One layer of a hand-made test image: files (name → content) and how the blob is compressed. */
export interface HandMadeLayer {
  files: Record<string, string | Buffer>;
  compression: Compression;
}

/** A real tar of `files` (sorted, fixed owner and time), as `tar` writes it. */
export async function makeTar(files: Record<string, string | Buffer>): Promise<Buffer> {
  const root = await mkdtemp(join(tmpdir(), "imgdiet-layer-"));
  try {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, name)), { recursive: true });
      await writeFile(join(root, name), content);
    }
    const r = spawnSync("tar", ["-c", "-C", root, "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "."], {
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
    return r.stdout;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function compress(data: Buffer, compression: Compression): Buffer {
  if (compression === "none") return data;
  if (compression === "gzip") return gzipSync(data);
  const r = spawnSync("zstd", ["-q", "-c"], { input: data, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** A layer whose blob comes from memory (test images are small). */
export function bufferLayer(blob: Buffer, tar: Buffer, compression: Compression, family: "oci" | "docker"): Layer {
  return {
    descriptor: { mediaType: layerMediaType(compression, family), digest: sha256(blob), size: blob.length },
    diffId: sha256(tar),
    compression,
    blob: async () => Readable.from([blob]),
    uncompressed: async () => Readable.from([tar]),
  };
}

/** An image built by hand: config bytes are indented on purpose, so a copy that re-serialises them is caught. */
export async function handMadeImage(layers: HandMadeLayer[], family: "oci" | "docker", extraConfig: Record<string, unknown> = {}): Promise<Image> {
  const built: Layer[] = [];
  for (const l of layers) {
    const tar = await makeTar(l.files);
    built.push(bufferLayer(compress(tar, l.compression), tar, l.compression, family));
  }
  const config = {
    architecture: ociArchitecture(),
    os: "linux",
    config: { Cmd: ["/hello"] },
    rootfs: { type: "layers" as const, diff_ids: built.map((l) => l.diffId) },
    ...extraConfig,
  };
  const rawConfig = Buffer.from(JSON.stringify(config, null, 3) + "\n");
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: family === "oci" ? MediaType.ociManifest : MediaType.dockerManifest,
    config: { mediaType: family === "oci" ? MediaType.ociConfig : MediaType.dockerConfig, digest: sha256(rawConfig), size: rawConfig.length },
    layers: built.map((l) => l.descriptor),
  };
  return { source: "hand-made", manifest, rawConfig, config, layers: built, close: async () => undefined };
}
