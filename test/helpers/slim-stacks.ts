/**
 * The real stacks `imgdiet slim` is proven on: fixture images built from local bases with Debian
 * packages (Dockerfiles under test/fixtures/slim/<stack>/, probes in its probes.yaml), tagged
 * `imgdiet-test/slim-<stack>:1`. Builds go through the engine's cache, so after the first run a
 * build costs a second or two; each test process builds a stack at most once.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, must, ROOT, sh, type Ran } from "./run.js";

export const SLIM_FIXTURES = join(ROOT, "test", "fixtures", "slim");
/** The suite's measurements go to .tmp/ (untracked); `node bench/slim-stacks.mjs` records bench/slim-results.json. */
export const SLIM_RESULTS = join(ROOT, ".tmp", "slim-results.json");

/** docker-slim's published reduction for a comparable stack (its README's examples). */
export interface PeerRatio {
  what: string;
  originalMB: number;
  slimMB: number;
}

export interface SlimStack {
  stack: string;
  title: string;
  /** Fixture directory (Dockerfile, sources, probes.yaml). */
  dir: string;
  probesFile: string;
  /** The slim image must be at least this many times smaller than the original... */
  minFactor: number;
  /** ...and no larger than this. */
  maxSlimBytes: number;
  peer?: PeerRatio;
}

const MB = 1_000_000;

interface StackEntry {
  stack: string;
  title: string;
  minFactor: number;
  maxSlimMB: number;
  peer?: PeerRatio;
}

/** The six stacks of issue 3 (test/fixtures/slim/stacks.json, shared with bench/slim-stacks.mjs), in order. */
export const STACKS: readonly SlimStack[] = (
  JSON.parse(readFileSync(join(SLIM_FIXTURES, "stacks.json"), "utf8")) as { stacks: StackEntry[] }
).stacks.map((e) => {
  const dir = join(SLIM_FIXTURES, e.stack);
  return {
    stack: e.stack,
    title: e.title,
    dir,
    probesFile: join(dir, "probes.yaml"),
    minFactor: e.minFactor,
    maxSlimBytes: e.maxSlimMB * MB,
    ...(e.peer ? { peer: e.peer } : {}),
  };
});

export function stackByName(name: string): SlimStack {
  const s = STACKS.find((x) => x.stack === name);
  if (!s) throw new Error(`no slim stack ${name}`);
  return s;
}

/** The fixture image of a stack (or of a helper fixture such as "crash" or "hang"). */
export function slimFixtureImage(name: string): string {
  return `imgdiet-test/slim-${name}:1`;
}

/**
 * Run a command without blocking the test worker (a long spawnSync starves vitest's RPC with the
 * main process), optionally feeding stdin.
 */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    child.stdin.end(opts.input ?? "");
  });
}

/** Run the built imgdiet CLI without blocking the worker. */
export function imgdietAsync(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Ran> {
  return run("node", [CLI, ...args], opts);
}

const built = new Map<string, Promise<string>>();

/** Build test/fixtures/slim/<name> as imgdiet-test/slim-<name>:1 (once per process); resolves to the tag. */
export function buildSlimFixture(name: string): Promise<string> {
  const tag = slimFixtureImage(name);
  let b = built.get(name);
  if (!b) {
    b = run("docker", ["build", "-q", "-t", tag, join(SLIM_FIXTURES, name)]).then((r) => {
      if (r.code !== 0) throw new Error(`docker build of ${name} exited ${r.code}: ${r.stderr.slice(-2000)}`);
      return tag;
    });
    built.set(name, b);
  }
  return b;
}

/** The engine's id of an image, or undefined when the engine has no such image. */
export function engineImageId(ref: string): string | undefined {
  const r = sh("docker", ["image", "inspect", "-f", "{{.Id}}", ref]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Probe containers (label imgdiet=probe) still around for any of these images. */
export function probeContainersFor(images: readonly string[]): string[] {
  const out = must("docker", ["ps", "-a", "--filter", "label=imgdiet=probe", "--format", "{{.ID}} {{.Image}}"]);
  return out
    .split("\n")
    .filter(Boolean)
    .filter((l) => images.includes(l.slice(l.indexOf(" ") + 1)));
}

/** Temporary images (imgdiet-tmp/…) left by a slim of `source`: their history names the source. */
export function tempImagesFrom(source: string): string[] {
  const refs = must("docker", ["image", "ls", "--filter", "reference=imgdiet-tmp/*", "--format", "{{.Repository}}:{{.Tag}}"])
    .split("\n")
    .filter(Boolean);
  return refs.filter((ref) => {
    const h = sh("docker", ["image", "history", "--no-trunc", "--format", "{{.CreatedBy}}", ref]);
    return h.code === 0 && h.stdout.includes(`imgdiet slim ${source}`);
  });
}

export interface SlimResultRow {
  stack: string;
  title: string;
  originalBytes: number;
  slimBytes: number;
  factor: number;
  verified: boolean;
  keptPaths: number;
  /** Wall time of the slim (scan, trace, assemble, verify, write). */
  seconds: number;
  peer?: PeerRatio & { factor: number };
}

export function resultRow(
  s: SlimStack,
  r: { originalSize: number; size: number; verify?: { passed: boolean }; kept: unknown[] },
  seconds: number,
): SlimResultRow {
  return {
    stack: s.stack,
    title: s.title,
    originalBytes: r.originalSize,
    slimBytes: r.size,
    factor: Math.round((r.originalSize / r.size) * 10) / 10,
    verified: r.verify?.passed === true,
    keptPaths: r.kept.length,
    seconds: Math.round(seconds * 10) / 10,
    ...(s.peer ? { peer: { ...s.peer, factor: Math.round((s.peer.originalMB / s.peer.slimMB) * 10) / 10 } } : {}),
  };
}

/** Write .tmp/slim-results.json (rows in STACKS order). */
export function writeSlimResults(rows: readonly SlimResultRow[]): void {
  const order = STACKS.map((s) => s.stack);
  const sorted = [...rows].sort((a, b) => order.indexOf(a.stack) - order.indexOf(b.stack));
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  writeFileSync(SLIM_RESULTS, JSON.stringify(sorted, null, 2) + "\n");
}
