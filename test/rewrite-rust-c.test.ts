/**
 * The Rust and C rewrites against the real engine: build each fixture's single-stage Dockerfile and its
 * rewrite, verify the rewrite with the fixture's probes (the same verification slim and diet use), and
 * measure it: the rewritten image must weigh at most 1.1 × the program's files (the binary plus the ELF
 * closure src/elf resolves in the rewritten image) and hold nothing else.
 * Measurements go to .tmp/rewrite-rust-c.json (untracked).
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../src/dockerfile/parse.js";
import { rewriteMultiStage } from "../src/dockerfile/rewrite/index.js";
import { resolveElfClosure } from "../src/elf/index.js";
import { open } from "../src/image/open.js";
import { loadProbesFile } from "../src/probe/probes-file.js";
import { verifyImages } from "../src/probe/verify.js";
import { scan } from "../src/scan/scan.js";
import { treeFileView } from "../src/slim/tree-view.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = path.join(ROOT, "test/fixtures/rewrite");
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const exec = promisify(execFile);
const images: string[] = [];
const dirs: string[] = [];
const measured: Record<string, unknown> = {};

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await exec("docker", args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

function tag(name: string): string {
  const reference = `imgdiet-test/r2-${name}:${RUN}`;
  images.push(reference);
  return reference;
}

async function imageSize(reference: string): Promise<number> {
  return Number(await docker("image", "inspect", "-f", "{{.Size}}", reference));
}

interface Built {
  original: string;
  rewritten: string;
  dockerfile: string;
}

/** Builds the fixture as written, then its rewrite from a copy of the context (the fixture is never written). */
async function buildStack(stack: string): Promise<Built> {
  const fixture = path.join(FIXTURES, stack);
  const original = tag(`${stack}-original`);
  await docker("build", "-q", "-t", original, fixture);
  const dir = await mkdtemp(path.join(tmpdir(), `imgdiet-r2-${stack}-`));
  dirs.push(dir);
  await cp(fixture, dir, { recursive: true });
  const result = await rewriteMultiStage({ dockerfileText: await readFile(path.join(dir, "Dockerfile"), "utf8"), contextDir: dir });
  if (!result.applicable) throw new Error(`${stack}: rewrite not applicable: ${result.reason}`);
  expect(result.language).toBe(stack);
  await writeFile(path.join(dir, "Dockerfile"), result.dockerfile);
  // The builder stage gets its own tag so that its layers are removed with the test's images.
  await docker("build", "-q", "--target", "build", "-t", tag(`${stack}-builder`), dir);
  const rewritten = tag(`${stack}-rewrite`);
  await docker("build", "-q", "-t", rewritten, dir);
  return { original, rewritten, dockerfile: result.dockerfile };
}

/** The program the rewritten image starts: argv[0] of its CMD/ENTRYPOINT (exec form, absolute). */
function programPath(dockerfile: string): string {
  const stage = parseDockerfile(dockerfile).stages.at(-1)!;
  const start = stage.instructions.filter((i) => i.keyword === "ENTRYPOINT").at(-1) ?? stage.instructions.filter((i) => i.keyword === "CMD").at(-1);
  const argv0 = start?.command?.exec?.[0];
  if (!argv0?.startsWith("/")) throw new Error(`the rewrite's start command is not an absolute exec form: ${start?.raw}`);
  return argv0;
}

/** The program's files in the rewritten image (binary + ELF closure, regular files) and every regular file the image holds. */
async function programFiles(reference: string, program: string): Promise<{ closure: Map<string, number>; all: string[]; missing: string[] }> {
  const image = await open(`docker-daemon:${reference}`);
  const scanned = await scan(image, { facts: true });
  try {
    const closure = await resolveElfClosure(program, treeFileView(scanned.tree, scanned.facts));
    const files = new Map<string, number>();
    for (const p of closure.files.keys()) {
      const node = scanned.tree.get(p);
      if (node?.type === "file") files.set(`/${node.path.replace(/^\/+/, "")}`, node.size);
    }
    const all = scanned.tree.all().filter((n) => n.type === "file").map((n) => `/${n.path.replace(/^\/+/, "")}`);
    return { closure: files, all: all.sort(), missing: closure.missing.map((m) => m.name) };
  } finally {
    await scanned.close();
  }
}

beforeAll(async () => {
  await docker("version", "--format", "{{.Server.Version}}").catch((error: unknown) => {
    throw new Error(`these tests need a Docker engine: ${String(error)}`);
  });
}, 30_000);

afterAll(async () => {
  const failures: string[] = [];
  for (const reference of [...images].reverse()) await docker("rmi", reference).catch((e: unknown) => failures.push(`${reference}: ${String(e)}`));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  await mkdir(path.join(ROOT, ".tmp"), { recursive: true });
  await writeFile(path.join(ROOT, ".tmp/rewrite-rust-c.json"), `${JSON.stringify(measured, null, 2)}\n`);
  expect(failures).toEqual([]);
}, 120_000);

const STACKS = ["rust", "c"] as const;
const builds = new Map<string, Built>();

// Both stacks build at once: their apt downloads and compiles overlap.
beforeAll(async () => {
  const built = await Promise.all(STACKS.map((stack) => buildStack(stack)));
  STACKS.forEach((stack, i) => builds.set(stack, built[i]));
}, 600_000);

describe.each(STACKS)("%s fixture: single stage → builder + scratch", (stack) => {
  let built: Built;
  beforeAll(() => {
    built = builds.get(stack)!;
  });

  it("answers every probe as the original does", async () => {
    const probes = await loadProbesFile(path.join(FIXTURES, stack, "probes.yaml"));
    const report = await verifyImages(built.original, built.rewritten, probes);
    expect(report.firstDifference).toBeUndefined();
    expect(report.passed).toBe(true);
    expect(report.probes.filter((p) => !p.shadow).map((p) => p.name)).toEqual(probes.map((p) => p.name));
  }, 300_000);

  it("holds only the program and its ELF closure, and weighs at most 1.1 × those files", async () => {
    const program = programPath(built.dockerfile);
    const { closure, all, missing } = await programFiles(built.rewritten, program);
    expect(missing).toEqual([]);
    expect(closure.has(program)).toBe(true);
    expect(all).toEqual([...closure.keys()].sort());
    const programBytes = [...closure.values()].reduce((a, b) => a + b, 0);
    const size = await imageSize(built.rewritten);
    const originalSize = await imageSize(built.original);
    measured[stack] = { originalSize, rewriteSize: size, programBytes, programFiles: [...closure.keys()].sort(), ratio: Number((size / programBytes).toFixed(4)) };
    expect(size).toBeLessThanOrEqual(1.1 * programBytes);
    expect(size).toBeLessThan(originalSize / 50);
  }, 120_000);
});
