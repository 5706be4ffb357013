/**
 * The Python and toolchain rewriters against a real engine: build each fixture's fat single-stage
 * original, rewrite it (the toolchain rewrite from the runtime evidence of the built original), build
 * the rewrite, and verify it answers every probe (and shadow probe) as the original does — from an
 * image without the compilers, editors, pip cache and headers of the original.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runtimeEvidence } from "../src/diet/runtime-evidence.js";
import { rewriteMultiStage, type RewriteResult } from "../src/dockerfile/rewrite/index.js";
import { NEEDS_TRACE } from "../src/dockerfile/rewrite/toolchain.js";
import { connectEngine, type Engine } from "../src/engine/index.js";
import { open } from "../src/image/open.js";
import { loadProbesFile } from "../src/probe/probes-file.js";
import { verifyImages } from "../src/probe/verify.js";
import { scan } from "../src/scan/scan.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "fixtures/rewrite");
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const images: string[] = [];
const dirs: string[] = [];
let engine: Engine;

const tag = (name: string) => {
  const reference = `imgdiet-test/r4-${name}:${RUN}`;
  images.push(reference);
  return reference;
};

/** The fixture copied to a temporary context (the rewrite is written next to the original Dockerfile there). */
async function contextOf(fixture: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `imgdiet-r4-${fixture}-`));
  dirs.push(dir);
  await cp(path.join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

async function buildRewrite(dir: string, result: RewriteResult, name: string): Promise<string> {
  if (!result.applicable) throw new Error(`rewrite not applicable: ${result.reason}`);
  await writeFile(path.join(dir, "Dockerfile.diet"), result.dockerfile);
  const reference = tag(name);
  await engine.build({ contextDir: dir, dockerfile: "Dockerfile.diet", tag: reference });
  return reference;
}

/** Paths of the merged filesystem of an image (no leading slash). */
async function paths(reference: string): Promise<Set<string>> {
  const scanned = await scan(await open(`docker-daemon:${reference}`));
  try {
    return new Set(scanned.tree.all().map((n) => n.path));
  } finally {
    await scanned.close();
  }
}

beforeAll(async () => {
  engine = await connectEngine();
});

afterAll(async () => {
  for (const image of images) await engine.images.remove(image).catch(() => undefined);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("toolchain rewrite of a single-stage apt image running a shell script", () => {
  it("learns jq and its libraries from the trace, drops the toolchain, and verifies", async () => {
    const dir = await contextOf("shell");
    const original = tag("shell-original");
    await engine.build({ contextDir: dir, tag: original });
    const probes = await loadProbesFile(path.join(dir, "probes.yaml"));
    const dockerfileText = await readFile(path.join(dir, "Dockerfile"), "utf8");

    const textOnly = await rewriteMultiStage({ dockerfileText, contextDir: dir });
    expect(textOnly).toEqual({ applicable: false, reason: `toolchain: ${NEEDS_TRACE}` });

    const evidence = await runtimeEvidence(engine, original, probes);
    const names = evidence.packages.map((p) => p.replace(/:.*$/, ""));
    expect(names).toEqual(expect.arrayContaining(["jq", "libjq1", "libonig5", "sed", "libc6"]));
    for (const unused of ["gcc-12", "cpp-12", "vim", "vim-runtime", "curl", "make", "binutils"]) expect(names).not.toContain(unused);
    expect(evidence.unowned).toContain("/usr/local/bin/summarize.sh");

    const result = await rewriteMultiStage({ dockerfileText, contextDir: dir, runtime: evidence });
    expect(result.applicable && result.language).toBe("toolchain");
    const rewritten = await buildRewrite(dir, result, "shell-rewrite");
    const report = await verifyImages(original, rewritten, probes, { engine });
    expect(report.firstDifference).toBeUndefined();
    expect(report.passed).toBe(true);

    const [orig, rw, base] = await Promise.all([original, rewritten, "debian:bookworm"].map((r) => engine.images.inspect(r)));
    // What the rewrite adds to the base: jq, its two libraries and the script (about 1.5 MB).
    expect(rw.size - base.size).toBeLessThan(5_000_000);
    expect(rw.size).toBeLessThan(orig.size / 4);
    const files = await paths(rewritten);
    for (const gone of ["usr/bin/gcc-12", "usr/bin/vim.basic", "usr/bin/curl", "var/lib/apt/lists/lock"]) expect(files.has(gone), gone).toBe(false);
    expect(files.has("usr/bin/jq")).toBe(true);
  }, 240_000);
});

describe("python rewrite of a single-stage image building a C extension with pip", () => {
  it("builds in a build stage, ships only the interpreter and the installed package, and verifies", async () => {
    const dir = await contextOf("python");
    const original = tag("python-original");
    await engine.build({ contextDir: dir, tag: original });
    const probes = await loadProbesFile(path.join(dir, "probes.yaml"));
    const result = await rewriteMultiStage({ dockerfileText: await readFile(path.join(dir, "Dockerfile"), "utf8"), contextDir: dir });
    expect(result.applicable && result.language).toBe("python");
    const rewritten = await buildRewrite(dir, result, "python-rewrite");
    const report = await verifyImages(original, rewritten, probes, { engine });
    expect(report.firstDifference).toBeUndefined();
    expect(report.passed).toBe(true);

    const files = await paths(rewritten);
    const present = (pattern: RegExp) => [...files].filter((p) => pattern.test(p));
    expect(present(/^usr\/bin\/(gcc|cc|x86_64-linux-gnu-gcc)(-\d+)?$/)).toEqual([]);
    expect(present(/^usr\/include\/python3/)).toEqual([]);
    expect(present(/^root\/\.cache\/pip/)).toEqual([]);
    expect(present(/^usr\/lib\/python3\/dist-packages\/pip\//)).toEqual([]);
    expect(present(/^usr\/local\/lib\/python3[.\d]*\/dist-packages\/wordstat\/_fast.*\.so$/)).toHaveLength(1);
    const [orig, rw] = await Promise.all([original, rewritten].map((r) => engine.images.inspect(r)));
    expect(rw.size).toBeLessThan(orig.size / 3);
  }, 300_000);
});
