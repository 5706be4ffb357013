/**
 * multi-stage: rewrite the Dockerfile into a builder stage and a minimal final stage (see
 * src/dockerfile/rewrite/), write it next to the original as `Dockerfile.diet`, and build it.
 *
 * The user's files are never touched: the rewritten Dockerfile is written to a temporary name in the
 * same directory and renamed into place, and an existing `Dockerfile.diet` is replaced only when an
 * earlier diet wrote it (it starts with our marker line). When the candidate does not build, the file
 * is removed again, so a failed run leaves nothing behind.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ImgdietError, InputError } from "../../errors.js";
import { rewriteMultiStage, type RuntimeEvidence } from "../../dockerfile/rewrite/index.js";
import { runtimeEvidence } from "../runtime-evidence.js";
import { cleanBuild, type DietContext, type IndependentStrategy, type Outcome } from "../strategy.js";

export const DIET_MARKER = "# Written by `imgdiet diet` (multi-stage strategy) from";

/** Where the rewritten Dockerfile goes: `Dockerfile` → `Dockerfile.diet`, `app.Dockerfile` → `app.Dockerfile.diet`. */
export function dietDockerfilePath(dockerfile: string): string {
  return join(dirname(dockerfile), `${basename(dockerfile)}.diet`);
}

/** Write `text` to `path` through a temporary name; refuses to replace a file imgdiet did not write. */
async function writeOwned(path: string, text: string): Promise<"created" | "replaced"> {
  let existing: string | undefined;
  try {
    existing = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new InputError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (existing !== undefined && !existing.startsWith(DIET_MARKER)) {
    throw new InputError(`${path} exists and was not written by imgdiet; move it away to let the multi-stage strategy write its Dockerfile there`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, text, { flag: "wx" });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
  }
  return existing === undefined ? "created" : "replaced";
}

export const multiStage: IndependentStrategy = {
  name: "multi-stage",
  summary: "rewrite the Dockerfile: build in the original base, ship only the program in a minimal final stage",
  kind: "independent",
  async run(ctx: DietContext, log): Promise<Outcome> {
    const src = ctx.source;
    if (!src) return { kind: "not-applicable", reason: "no Dockerfile: the diet runs on an image" };
    let traceFailure: string | undefined;
    // Only a rewriter that learns from the built original (Rewriter.needsRuntime) makes the diet trace it.
    const runtime = async (): Promise<RuntimeEvidence | undefined> => {
      log(`tracing the original ${ctx.original} under the probes: the rewrite keeps what the program used`);
      try {
        return await runtimeEvidence(ctx.engine, ctx.original, ctx.probes, { shadow: ctx.shadow, ...ctx.probeRun, onLog: log });
      } catch (e) {
        if (!(e instanceof ImgdietError)) throw e;
        traceFailure = e.message;
        return undefined;
      }
    };
    const rewrite = await rewriteMultiStage({ dockerfileText: src.dockerfileText, contextDir: src.contextDir, runtime });
    if (!rewrite.applicable) {
      const reason = traceFailure ? `${rewrite.reason} (tracing the original failed: ${traceFailure})` : rewrite.reason;
      return { kind: "not-applicable", reason };
    }
    const path = dietDockerfilePath(src.dockerfile);
    const text = `${DIET_MARKER} ${basename(src.dockerfile)}; edit the original and run the diet again rather than editing this.\n${rewrite.dockerfile}`;
    try {
      await writeOwned(path, text);
    } catch (e) {
      if (e instanceof InputError) return { kind: "skipped", reason: e.message };
      throw e;
    }
    log(`wrote ${path} (${rewrite.language}, final stage FROM ${rewrite.finalBase})`);
    const image = ctx.candidateRef("multi-stage");
    try {
      await cleanBuild(ctx.engine, { contextDir: src.contextDir, dockerfile: path, tag: image });
    } catch (e) {
      await rm(path, { force: true });
      if (e instanceof InputError) return { kind: "failed", reason: `${basename(path)}: ${e.message} (removed ${basename(path)})` };
      throw e;
    }
    ctx.registerCandidate(image);
    return { kind: "candidate", image, notes: [...rewrite.notes, `wrote ${path}`], files: { dockerfile: path } };
  },
};
