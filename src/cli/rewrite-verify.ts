/**
 * `imgdiet rewrite --verify`: build the original, rewrite it (tracing the built original when the
 * rewriter learns from it), build the rewrite, and verify the two with the same probes slim and diet
 * use. Every image made here is removed at the end, except the rewrite when a tag asks to keep it.
 */
import { writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { CheckFailed, InputError } from "../errors.js";
import { BuildFailed, connectEngine, type Engine } from "../engine/index.js";
import { rewriteMultiStage, type RewriteResult } from "../dockerfile/rewrite/index.js";
import { imageNameFrom } from "../diet/diet.js";
import { runtimeEvidence } from "../diet/runtime-evidence.js";
import { cleanBuild } from "../diet/strategy.js";
import { withTempDir } from "../io/atomic.js";
import { defaultProbes } from "../probe/probes-file.js";
import { verifyImages, type VerifyReport } from "../probe/verify.js";
import type { Probe, ProbeRunOptions } from "../probe/types.js";

export interface VerifiedRewriteOptions {
  dockerfile: string;
  dockerfileText: string;
  contextDir: string;
  /** Probes (default: the original image's default probes, as slim's). */
  probes?: Probe[];
  probeRun: ProbeRunOptions;
  strict: boolean;
  shadow: boolean;
  /** Keep the verified rewrite under this name. */
  tag?: string;
  log: (line: string) => void;
}

export interface VerifiedRewrite {
  rewrite: Extract<RewriteResult, { applicable: true }>;
  report: VerifyReport;
  /** `docker images` sizes, bytes. */
  originalSize: number;
  rewriteSize: number;
  probes: string[];
}

/** Only the `Step n/m :` lines of a build: enough to follow it without the tools' own output. */
const stepsOnly = (log: (line: string) => void) => (line: string) => {
  if (/^Step \d+\/\d+ : /.test(line)) log(`  ${line}`);
};

async function buildRewrite(engine: Engine, o: VerifiedRewriteOptions, text: string, tag: string): Promise<void> {
  // The rewritten Dockerfile lives outside the user's directory until it has verified.
  await withTempDir("rewrite", async (dir) => {
    const file = join(dir, `${basename(o.dockerfile)}.rewrite`);
    await writeFile(file, text);
    try {
      await cleanBuild(engine, { contextDir: o.contextDir, dockerfile: file, tag, onLog: stepsOnly(o.log) });
    } catch (e) {
      if (e instanceof BuildFailed) throw new CheckFailed(`the rewritten Dockerfile does not build: ${e.message}`);
      throw e;
    }
  });
}

/** Builds, rewrites and verifies; throws InputError when no rewriter applies, CheckFailed when the rewrite does not build. */
export async function verifiedRewrite(o: VerifiedRewriteOptions): Promise<VerifiedRewrite> {
  const engine = await connectEngine();
  const name = imageNameFrom(basename(o.contextDir));
  const original = `imgdiet-rewrite/${name}:original`;
  const candidate = o.tag ?? `imgdiet-rewrite/${name}:rewrite`;
  const made: string[] = [];
  try {
    o.log(`building the original ${original} from ${o.dockerfile}`);
    await cleanBuild(engine, { contextDir: o.contextDir, dockerfile: o.dockerfile, tag: original, onLog: stepsOnly(o.log) });
    made.push(original);
    const originalInfo = await engine.images.inspect(original);
    const probes = o.probes ?? defaultProbes(originalInfo);
    const rewrite = await rewriteMultiStage({
      dockerfileText: o.dockerfileText,
      contextDir: o.contextDir,
      runtime: () => {
        o.log(`tracing ${original} under the probes: the rewrite keeps what the program used`);
        return runtimeEvidence(engine, original, probes, { shadow: o.shadow, ...o.probeRun, onLog: o.log });
      },
    });
    if (!rewrite.applicable) throw new InputError(`cannot rewrite ${o.dockerfile}: ${rewrite.reason}`);
    o.log(`building the rewrite (${rewrite.language}, final stage FROM ${rewrite.finalBase}) as ${candidate}`);
    if (!o.tag) made.push(candidate);
    await buildRewrite(engine, o, rewrite.dockerfile, candidate);
    const report = await verifyImages(original, candidate, probes, { ...o.probeRun, engine, strict: o.strict, shadow: o.shadow, onLog: o.log });
    if (o.tag && !report.passed) made.push(candidate);
    const rewriteSize = (await engine.images.inspect(candidate)).size;
    return { rewrite, report, originalSize: originalInfo.size, rewriteSize, probes: probes.map((p) => p.name) };
  } finally {
    for (const image of made) await engine.images.remove(image).catch(() => undefined);
  }
}
