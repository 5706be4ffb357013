/**
 * podman as the engine, for real: Debian's podman behind its Docker-compatible service
 * (scripts/setup-podman.sh starts it on /run/podman/podman.sock). The seed example is built by
 * imgdiet's own builder with the engine pointed at podman, slimmed with a stdin probe and put on a
 * diet with `--engine podman`; the results are checked in podman's storage (and not in docker's):
 * verified, smaller, and answering like the original for input no probe used. Also: `--engine
 * podman` with no service at the socket is one line and exit 3.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CLI, ROOT, must, sh, tempDir } from "./helpers/run.js";

const RUN = randomBytes(3).toString("hex");
const HASH_DIR = join(ROOT, "examples", "hash");

function podman(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("podman", args, { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const podmanHas = (ref: string) => podman(["image", "exists", ref]).code === 0;
const podmanSize = (ref: string) => Number(podman(["image", "inspect", "-f", "{{.Size}}", ref]).stdout.trim());
const dockerHas = (ref: string) => sh("docker", ["image", "inspect", ref]).code === 0;
const danglingInPodman = () => new Set(podman(["images", "-q", "--no-trunc", "-f", "dangling=true"]).stdout.split("\n").filter(Boolean));

/** What hash.go prints for one line on stdin. */
const expected = (line: string) => `data: SHA256: ${createHash("sha256").update(line).digest("hex")}\n`;

function imgdiet(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("node", [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function hashContext(name: string): string {
  const dir = join(tempDir("podman"), name);
  mkdirSync(dir, { recursive: true });
  for (const f of ["Dockerfile", "hash.go"]) copyFileSync(join(HASH_DIR, f), join(dir, f));
  return dir;
}

describe("podman as the engine (examples/hash)", () => {
  const original = `imgdiet-test/podman-hash:${RUN}`;
  const slimmed = `imgdiet-test/podman-hash:${RUN}-slim`;
  const dieted = `imgdiet-test/podman-hash:${RUN}-diet`;
  const dietName = `podman-hash-${RUN}`;
  const contexts: string[] = [];

  beforeAll(() => {
    // Installs/configures podman when needed, starts its service, copies the base images from docker.
    must("bash", [join(ROOT, "scripts", "setup-podman.sh")]);
  });
  afterAll(() => {
    const mine = podman(["images", "--format", "{{.Repository}}:{{.Tag}}"]).stdout.split("\n").filter((t) => t.includes(RUN));
    if (mine.length > 0) podman(["rmi", "-f", ...mine]);
    for (const c of contexts) rmSync(join(c, ".."), { recursive: true, force: true });
  });

  it("builds with imgdiet's builder against podman, then slims it there with a stdin probe, verified", async () => {
    const ctx = hashContext("build");
    contexts.push(ctx);
    const saved = process.env.IMGDIET_ENGINE;
    process.env.IMGDIET_ENGINE = "podman";
    try {
      const { buildImage } = await import("../src/engine/build.js");
      const built = await buildImage({ contextDir: ctx, tag: original });
      expect(built.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      if (saved === undefined) delete process.env.IMGDIET_ENGINE;
      else process.env.IMGDIET_ENGINE = saved;
    }
    expect(podmanHas(original)).toBe(true);
    expect(dockerHas(original)).toBe(false);

    const r = await imgdiet(["--engine", "podman", "slim", original, "-o", slimmed, "--probe-stdin", "abc", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { written: boolean; size: number; originalSize: number; verify: { passed: boolean; probes: unknown[] }; probes: Array<{ stdout?: string }> };
    expect(doc.written).toBe(true);
    expect(doc.verify.passed).toBe(true);
    expect(doc.verify.probes.length).toBeGreaterThanOrEqual(1);
    // The probe saw exactly its input (no bytes of the attach request before it).
    expect(doc.probes[0]!.stdout).toBe(expected("abc"));
    expect(podmanHas(slimmed)).toBe(true);
    expect(dockerHas(slimmed)).toBe(false);
    // podman counts an image's size from its storage (tar headers and metadata included), docker as
    // the files' bytes: the same image, within a few percent.
    expect(Math.abs(podmanSize(slimmed) - doc.size)).toBeLessThan(0.03 * doc.size);
    expect(doc.size).toBeLessThan(doc.originalSize / 5);
    for (const line of ["hello world", "日本語"]) {
      const got = podman(["run", "--rm", "-i", slimmed], `${line}\n`);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout).toBe(expected(line));
    }
    expect(podman(["ps", "-a", "-q", "--filter", "label=imgdiet=probe"]).stdout.trim()).toBe("");
  });

  it("diets the example on podman: a verified winner, tagged there, answering like the original; nothing dangling", async () => {
    const ctx = hashContext(dietName);
    contexts.push(ctx);
    const before = danglingInPodman();
    const r = await imgdiet(["diet", ctx, "--engine", "podman", "-t", dieted, "--probe-stdin", "abc", "--probe-stdin", "", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as {
      original: { image: string; size: number };
      winner?: { strategy: string; image: string; size: number };
      leaderboard: Array<{ strategy: string; status: string; verified: boolean; winner: boolean; size?: number; image?: string }>;
      removed: string[];
    };
    const winnerRow = res.leaderboard.find((row) => row.winner)!;
    expect(winnerRow.verified).toBe(true);
    expect(winnerRow.status).toBe("verified");
    expect(res.winner!.image).toBe(dieted);
    expect(res.winner!.strategy).toBe("multi-stage");
    expect(podmanHas(dieted)).toBe(true);
    expect(dockerHas(dieted)).toBe(false);
    expect(podmanSize(dieted)).toBe(res.winner!.size);
    expect(res.winner!.size).toBeLessThan(5 * 1024 * 1024);
    expect(res.original.size).toBeGreaterThan(100 * res.winner!.size);
    const slim = res.leaderboard.find((row) => row.strategy === "slim")!;
    expect(slim.verified).toBe(true);
    for (const line of ["abc", "never probed", ""]) {
      const got = podman(["run", "--rm", "-i", dieted], `${line}\n`);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout).toBe(expected(line));
    }
    // Candidates removed, builder stages not left as <none>, no probe container left.
    for (const ref of res.removed) expect(podmanHas(ref), ref).toBe(false);
    const fresh = [...danglingInPodman()].filter((id) => !before.has(id));
    expect(fresh).toEqual([]);
    expect(podman(["ps", "-a", "-q", "--filter", "label=imgdiet=probe"]).stdout.trim()).toBe("");
  });
});

describe("--engine podman without a podman service", () => {
  it("is one line naming the socket and how to start the service, exit 3 (flag and IMGDIET_ENGINE alike)", async () => {
    const dir = tempDir("no-podman");
    try {
      const sock = join(dir, "podman.sock");
      const viaFlag = await imgdiet(["--engine", "podman", "slim", "debian:bookworm", "--probe-args", "true"], { ...process.env, CONTAINER_HOST: `unix://${sock}` });
      expect(viaFlag.code, viaFlag.stderr).toBe(3);
      expect(viaFlag.stdout).toBe("");
      expect(viaFlag.stderr.trim().split("\n")).toHaveLength(1);
      expect(viaFlag.stderr).toContain(`no container engine answers at unix://${sock}`);
      expect(viaFlag.stderr).toContain(`podman system service --time=0 unix://${sock}`);

      // A user's podman: $XDG_RUNTIME_DIR/podman/podman.sock (run as nobody, with a temporary runtime dir).
      const env: NodeJS.ProcessEnv = { ...process.env, IMGDIET_ENGINE: "podman", XDG_RUNTIME_DIR: dir, DOCKER_HOST: "unix:///var/run/docker.sock" };
      delete env.CONTAINER_HOST;
      const asUser = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "node", CLI, "diet", HASH_DIR, "--probe-stdin", "abc"], { env, encoding: "utf8" });
      expect(asUser.status, asUser.stderr).toBe(3);
      expect(asUser.stderr.trim().split("\n")).toHaveLength(1);
      expect(asUser.stderr).toContain(`podman system service --time=0 unix://${join(dir, "podman", "podman.sock")}`);

      const bogus = await imgdiet(["--engine", "podmann", "slim", "debian:bookworm", "--probe-args", "true"]);
      expect(bogus.code).toBe(2);
      expect(bogus.stderr).toMatch(/unknown engine "podmann"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
