/**
 * The Java and Node.js rewrites against a real engine: build each single-stage fixture
 * (test/fixtures/rewrite/{java,node}), rewrite its Dockerfile, build the rewrite, and require that it
 * answers every probe (and the shadow probes derived from them) as the original does, and that the image
 * is no bigger than 1.1 × the files the program needs — the runtime, its ELF closure and the
 * application's files — measured in the rewrite's own build stages.
 */
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rewriteMultiStage, type RewriteResult } from "../src/dockerfile/rewrite/index.js";
import { loadProbesFile } from "../src/probe/probes-file.js";
import { verifyImages, type VerifyReport } from "../src/probe/verify.js";
import { ROOT, sh } from "./helpers/run.js";
import { run } from "./helpers/slim-stacks.js";

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const HOST_CA = "/etc/ssl/certs/ca-certificates.crt";
const images: string[] = [];
const dirs: string[] = [];

async function build(dir: string, name: string, target?: string): Promise<string> {
  const tag = `imgdiet-test/r3-${name}:${RUN}`;
  images.push(tag);
  const b = await run("docker", ["build", "-q", ...(target ? ["--target", target] : []), "-t", tag, dir]);
  if (b.code !== 0) throw new Error(`docker build of ${name} failed: ${b.stderr.slice(-3000)}`);
  return tag;
}

async function imageSize(tag: string): Promise<number> {
  const r = await run("docker", ["image", "inspect", "-f", "{{.Size}}", tag]);
  return Number(r.stdout.trim());
}

/** Bytes of the regular files under `paths` inside `image`: what the final stage copies from it. */
async function filesSize(image: string, paths: string[]): Promise<number> {
  const r = await run("docker", ["run", "--rm", "--entrypoint", "sh", image, "-c", `find "$@" -type f -exec stat -c %s {} + | awk '{ s += $1 } END { print s + 0 }'`, "sh", ...paths]);
  if (r.code !== 0) throw new Error(`measuring ${paths.join(" ")} in ${image} failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

interface Outcome {
  result: Extract<RewriteResult, { applicable: true }>;
  original: number;
  rewritten: number;
  programFiles: number;
  report: VerifyReport;
}

/**
 * Builds the fixture and its rewrite, verifies the rewrite with the fixture's probes, and measures the
 * program's files in `measureIn` (a stage of the rewrite) under `paths`.
 */
async function exercise(stack: string, extraFiles: Record<string, Buffer | string>, measureIn: string, paths: string[]): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), `imgdiet-r3-${stack}-`));
  dirs.push(dir);
  await cp(join(ROOT, "test/fixtures/rewrite", stack), dir, { recursive: true });
  for (const [name, content] of Object.entries(extraFiles)) await writeFile(join(dir, name), content);
  const original = await build(dir, `${stack}-original`);
  const result = await rewriteMultiStage({ dockerfileText: await readFile(join(dir, "Dockerfile"), "utf8"), contextDir: dir });
  if (!result.applicable) throw new Error(`${stack}: rewrite not applicable: ${result.reason}`);
  await writeFile(join(dir, "Dockerfile"), result.dockerfile);
  const rewritten = await build(dir, `${stack}-rewrite`);
  const stage = await build(dir, `${stack}-${measureIn}`, measureIn);
  const probes = await loadProbesFile(join(dir, "probes.yaml"));
  const report = await verifyImages(original, rewritten, probes);
  return { result, original: await imageSize(original), rewritten: await imageSize(rewritten), programFiles: await filesSize(stage, paths), report };
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

describe("rewrite of a single-stage Java and Node.js/TypeScript image, built and verified", () => {
  let java: Outcome;
  let node: Outcome;

  beforeAll(async () => {
    // The npm registry is reached through a TLS-intercepting proxy here: the fixture's Dockerfile trusts
    // the host's CA bundle (an empty file when there is none).
    const hostCa = existsSync(HOST_CA) ? await readFile(HOST_CA) : "";
    [java, node] = await Promise.all([
      exercise("java", {}, "build", ["/out/rootfs", "/out/app"]),
      exercise("node", { "host-ca.crt": hostCa }, "production-deps", ["/out/rootfs", "/app/node_modules", "/app/dist", "/app/package.json"]),
    ]);
    for (const [stack, o] of [["java", java], ["node", node]] as const)
      console.log(`${stack}: original ${mb(o.original)}, rewrite ${mb(o.rewritten)}, program files ${mb(o.programFiles)} (${(o.rewritten / o.programFiles).toFixed(3)}×)`);
  }, 900_000);

  afterAll(async () => {
    sh("docker", ["rmi", "-f", ...images]);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("java: the jlink runtime on scratch answers every probe as the JDK image does", () => {
    expect(java.result.finalBase).toBe("scratch");
    expect(java.report.firstDifference).toBeUndefined();
    expect(java.report.passed).toBe(true);
    expect(java.report.probes.filter((p) => !p.shadow).map((p) => p.name)).toEqual(["count stdin", "upper-case a query"]);
  });

  it("java: the image is the runtime, its closure and the jar, within 1.1× of those files", () => {
    expect(java.rewritten).toBeLessThanOrEqual(1.1 * java.programFiles);
    expect(java.original).toBeGreaterThan(10 * java.rewritten);
  });

  it("node: node, dist and production node_modules on scratch answer every probe as the original does", () => {
    expect(node.result.finalBase).toBe("scratch");
    expect(node.report.firstDifference).toBeUndefined();
    expect(node.report.passed).toBe(true);
    expect(node.report.probes.filter((p) => !p.shadow)).toHaveLength(4);
  });

  it("node: no compiler or type packages ship; the image is within 1.1× of node's closure and the app", () => {
    expect(node.rewritten).toBeLessThanOrEqual(1.1 * node.programFiles);
    expect(node.original).toBeGreaterThan(4 * node.rewritten);
  });
});
