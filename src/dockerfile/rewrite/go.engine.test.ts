/**
 * The rewrite against a real Docker engine: build the original and the rewritten Dockerfile, run both,
 * and require the same behaviour from a far smaller image. Images and containers are tagged under
 * imgdiet-test/ with a per-run suffix and removed afterwards.
 */
import { execFile, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rewriteMultiStage } from "./index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const exec = promisify(execFile);
const images: string[] = [];
const containers: string[] = [];
const dirs: string[] = [];

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await exec("docker", args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** Runs a container to completion with `input` on stdin; returns its raw stdout and exit code. */
function dockerRun(image: string, input: Buffer, args: string[] = []): Promise<{ stdout: Buffer; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", ["run", "--rm", "-i", image, ...args], { stdio: ["pipe", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout: Buffer.concat(chunks), code }));
    child.stdin.end(input);
  });
}

function tag(name: string): string {
  const reference = `imgdiet-test/${name}:${RUN}`;
  images.push(reference);
  return reference;
}

async function build(contextDir: string, reference: string, target?: string): Promise<void> {
  await docker("build", "-q", ...(target ? ["--target", target] : []), "-t", reference, contextDir);
}

/**
 * Copies a context to a temporary directory, rewrites its Dockerfile there and builds it. The builder
 * stage gets its own tag so that its layers are removed with the test's images.
 */
async function buildRewritten(sourceDir: string, name: string): Promise<{ reference: string; dockerfile: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), `imgdiet-${name}-`));
  dirs.push(dir);
  await cp(sourceDir, dir, { recursive: true });
  const result = await rewriteMultiStage({ dockerfileText: await readFile(path.join(dir, "Dockerfile"), "utf8"), contextDir: dir });
  if (!result.applicable) throw new Error(`rewrite not applicable: ${result.reason}`);
  await writeFile(path.join(dir, "Dockerfile"), result.dockerfile);
  await build(dir, tag(`${name}-builder`), "build");
  const reference = tag(`${name}-slim`);
  await build(dir, reference);
  return { reference, dockerfile: result.dockerfile };
}

interface LayerEntry {
  type: string;
  size: number;
  name: string;
}

/** Every entry of every layer of an image, read from `docker save`. */
async function layerEntries(reference: string): Promise<LayerEntry[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "imgdiet-save-"));
  dirs.push(dir);
  await docker("save", "-o", path.join(dir, "image.tar"), reference);
  await exec("tar", ["-xf", path.join(dir, "image.tar"), "-C", dir]);
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Array<{ Layers: string[] }>;
  const entries: LayerEntry[] = [];
  for (const layer of manifest[0].Layers) {
    const { stdout } = await exec("tar", ["-tvf", path.join(dir, layer)]);
    for (const line of stdout.split("\n").filter((l) => l.trim() !== "")) {
      const fields = line.trim().split(/\s+/);
      entries.push({ type: fields[0][0], size: Number(fields[2]), name: fields.slice(5).join(" ") });
    }
  }
  return entries;
}

async function imageSize(reference: string): Promise<number> {
  return Number(await docker("image", "inspect", "-f", "{{.Size}}", reference));
}

async function startServer(reference: string): Promise<string> {
  const id = await docker("run", "-d", "-p", "127.0.0.1::8080", reference);
  containers.push(id);
  const binding = (await docker("port", id, "8080/tcp")).split("\n")[0];
  return `http://${binding}`;
}

/** GETs `url` until the server answers, for at most 30 s. */
async function getWhenUp(url: string): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within 30 s: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

beforeAll(async () => {
  if (process.env.IMGDIET_SKIP_ENGINE_TESTS === "1") return;
  await docker("version", "--format", "{{.Server.Version}}").catch((error: unknown) => {
    throw new Error(`these tests need a Docker engine (set IMGDIET_SKIP_ENGINE_TESTS=1 to skip them): ${String(error)}`);
  });
}, 30_000);

afterAll(async () => {
  // Each step tolerates failures so that one leftover never keeps the others from being removed.
  const report = (what: string) => (error: unknown) => console.warn(`cleanup: could not remove ${what}: ${String(error)}`);
  for (const id of containers) await docker("rm", "-f", id).catch(report(id));
  for (const reference of [...images].reverse()) await docker("rmi", reference).catch(report(reference));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}, 120_000);

const engine = describe;

engine("multi-stage rewrite on a real engine: examples/hash", () => {
  let fat = "";
  let slim = "";
  beforeAll(async () => {
    fat = tag("hash-fat");
    const [, rewritten] = await Promise.all([build(path.join(ROOT, "examples/hash"), fat), buildRewritten(path.join(ROOT, "examples/hash"), "hash")]);
    slim = rewritten.reference;
  }, 600_000);

  it("prints byte-for-byte what the original prints, for every input", async () => {
    const inputs = ["abc\n", "\n", "", "héllo wörld ✓ 日本語 🍣\n", "no newline at the end", "crlf line\r\n"];
    for (const input of inputs) {
      const [expected, actual] = await Promise.all([dockerRun(fat, Buffer.from(input)), dockerRun(slim, Buffer.from(input))]);
      expect(actual.code, JSON.stringify(input)).toBe(expected.code);
      expect(actual.stdout.toString("hex"), JSON.stringify(input)).toBe(expected.stdout.toString("hex"));
    }
    expect(await readFile(path.join(ROOT, "examples/hash/Dockerfile"), "utf8")).toBe("FROM golang:1.19\nADD . /work\nWORKDIR /work\nCMD go run hash.go\n");
    const abc = await dockerRun(slim, Buffer.from("abc\n"));
    expect(abc.stdout.toString()).toBe("data: SHA256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
  }, 180_000);

  it("holds exactly one file, the binary, and weighs at most 1.01 × that binary", async () => {
    const entries = await layerEntries(slim);
    const files = entries.filter((e) => e.type !== "d");
    expect(files.map((f) => f.name)).toEqual(["hash"]);
    const binary = files[0].size;
    const size = await imageSize(slim);
    console.log(`hash: binary ${binary} B, image ${size} B, ratio ${(size / binary).toFixed(4)}; original ${await imageSize(fat)} B`);
    expect(binary).toBeGreaterThan(500_000);
    expect(binary).toBeLessThan(2_000_000);
    expect(size).toBeGreaterThanOrEqual(binary);
    expect(size).toBeLessThanOrEqual(1.01 * binary);
    const config = JSON.parse(await docker("image", "inspect", "-f", "{{json .Config}}", slim)) as { Cmd: string[]; Entrypoint?: string[] | null; WorkingDir: string };
    expect(config).toMatchObject({ Cmd: ["/hash"], WorkingDir: "/work" });
    expect(config.Entrypoint ?? null).toBeNull();
  }, 120_000);
});

engine("multi-stage rewrite on a real engine: test/fixtures/go-http-server", () => {
  let fat = "";
  let slim = "";
  beforeAll(async () => {
    const fixture = path.join(ROOT, "test/fixtures/go-http-server");
    fat = tag("http-fat");
    const [, rewritten] = await Promise.all([build(fixture, fat), buildRewritten(fixture, "http")]);
    slim = rewritten.reference;
  }, 600_000);

  it("serves the same answers as the original, /whoami included", async () => {
    const [fatUrl, slimUrl] = await Promise.all([startServer(fat), startServer(slim)]);
    for (const route of ["/", "/whoami", "/missing"]) {
      const [expected, actual] = await Promise.all([getWhenUp(fatUrl + route), getWhenUp(slimUrl + route)]);
      expect(actual, route).toEqual(expected);
    }
    expect(await getWhenUp(slimUrl + "/")).toEqual({ status: 200, body: "imgdiet go-http-server: hello, slim world\n" });
    expect(await getWhenUp(slimUrl + "/whoami")).toEqual({ status: 200, body: "appuser\n" });
  }, 120_000);

  it("keeps USER and EXPOSE and holds only the binary, the CA bundle and the account files", async () => {
    const config = JSON.parse(await docker("image", "inspect", "-f", "{{json .Config}}", slim)) as { User: string; ExposedPorts: Record<string, unknown> };
    expect(config.User).toBe("appuser");
    expect(Object.keys(config.ExposedPorts)).toEqual(["8080/tcp"]);
    const files = (await layerEntries(slim)).filter((e) => e.type !== "d").map((e) => e.name).sort();
    expect(files).toEqual(["etc/group", "etc/passwd", "etc/ssl/certs/ca-certificates.crt", "usr/local/bin/http-server"]);
    const size = await imageSize(slim);
    console.log(`go-http-server: image ${size} B; original ${await imageSize(fat)} B`);
    expect(size).toBeLessThan(10_000_000);
  }, 120_000);
});

engine("multi-stage rewrite on a real engine: test/fixtures/go-cgo-user", () => {
  let fat = "";
  let slim = "";
  beforeAll(async () => {
    const fixture = path.join(ROOT, "test/fixtures/go-cgo-user");
    fat = tag("cgo-fat");
    const [, rewritten] = await Promise.all([build(fixture, fat), buildRewritten(fixture, "cgo")]);
    slim = rewritten.reference;
  }, 600_000);

  it("runs the cgo program with the same output, default and explicit arguments", async () => {
    for (const args of [[], ["one", "two words"]]) {
      const [expected, actual] = await Promise.all([dockerRun(fat, Buffer.alloc(0), args), dockerRun(slim, Buffer.alloc(0), args)]);
      expect(actual.code).toBe(0);
      expect(actual.code).toBe(expected.code);
      expect(actual.stdout.toString()).toBe(expected.stdout.toString());
    }
    expect((await dockerRun(slim, Buffer.alloc(0))).stdout.toString()).toContain("user = gopher");
  }, 120_000);

  it("ships the binary with its ELF closure, not a distro", async () => {
    const files = (await layerEntries(slim)).filter((e) => e.type !== "d").map((e) => e.name);
    expect(files).toContain("app/cgo-user");
    expect(files.some((f) => /ld-linux/.test(f))).toBe(true);
    expect(files.some((f) => /libc\.so/.test(f))).toBe(true);
    expect(files.some((f) => f.startsWith("bin/") || f.startsWith("usr/bin/"))).toBe(false);
    const size = await imageSize(slim);
    console.log(`go-cgo-user: image ${size} B; original ${await imageSize(fat)} B`);
    expect(size).toBeLessThan(10_000_000);
  }, 120_000);
});
