/**
 * base-swap: the same Dockerfile on the smaller variant of its base (golang:X → golang:X-alpine, …) from
 * the table in config.ts. Only a variant the engine has or can pull is tried; when none can be had the
 * strategy is skipped with the engine's reason — never faked with another image.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../../errors.js";
import { parseDockerfile, type Stage } from "../../dockerfile/parse.js";
import { splitBase, swapVariants } from "../config.js";
import { cleanBuild, type DietContext, type IndependentStrategy, type Outcome } from "../strategy.js";

const PULL_TIMEOUT_MS = 120_000;

/** The stage the final image starts from: FROM another stage is followed to that stage's base. */
function rootStage(stages: Stage[]): Stage {
  let stage = stages[stages.length - 1]!;
  for (let guard = 0; guard < stages.length; guard++) {
    const name = stage.base.toLowerCase();
    const parent = stages.slice(0, stage.index).reverse().find((s) => s.name === name);
    if (!parent) break;
    stage = parent;
  }
  return stage;
}

/** The Dockerfile text with the base of `stage`'s FROM replaced; the other lines are left as they are. */
export function replaceBase(text: string, stage: Stage, variant: string): string {
  const lines = text.split("\n");
  const start = stage.from.range.start.line - 1;
  const end = stage.from.range.end.line - 1;
  const original = lines.slice(start, end + 1).join("\n");
  const escaped = stage.base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^(\\s*FROM\\s+(?:--\\S+\\s+)*)${escaped}(?=\\s|$)`, "i");
  if (!re.test(original)) throw new Error(`cannot find the base ${stage.base} in line ${stage.from.range.start.line}`);
  const replaced = original.replace(re, (_m, head: string) => `${head}${variant}`);
  return [...lines.slice(0, start), ...replaced.split("\n"), ...lines.slice(end + 1)].join("\n");
}

export const baseSwap: IndependentStrategy = {
  name: "base-swap",
  summary: "the same Dockerfile on the smaller variant of its base image (golang → golang:alpine, …)",
  kind: "independent",
  async run(ctx: DietContext, log): Promise<Outcome> {
    const src = ctx.source;
    if (!src) return { kind: "not-applicable", reason: "no Dockerfile: the diet runs on an image" };
    const stage = rootStage(parseDockerfile(src.dockerfileText).stages);
    const base = stage.base;
    if (base.toLowerCase() === "scratch") return { kind: "not-applicable", reason: "the final image starts FROM scratch" };
    if (base.includes("$")) return { kind: "not-applicable", reason: `the base ${base} is set by a build argument` };
    const { repo, tag, digest } = splitBase(base);
    if (digest) return { kind: "not-applicable", reason: `the base ${base} is pinned by digest` };
    if (tag && /(^|[-.])(alpine|slim)/.test(tag)) return { kind: "not-applicable", reason: `the base ${base} is already a small variant` };
    const variants = swapVariants(base, ctx.config.baseSwap);
    if (variants.length === 0) {
      return { kind: "not-applicable", reason: `no smaller variant of ${repo} in the base-swap table (add one in .imgdiet.json "baseSwap")` };
    }
    const unavailable: string[] = [];
    let variant: string | undefined;
    for (const v of variants) {
      if (await ctx.engine.images.exists(v)) {
        variant = v;
        break;
      }
      log(`pulling ${v}`);
      const why = await ctx.engine.images.pull(v, PULL_TIMEOUT_MS);
      if (why === undefined) {
        variant = v;
        break;
      }
      unavailable.push(`cannot pull ${v} (${why})`);
    }
    if (!variant) return { kind: "skipped", reason: unavailable.join("; ") };

    const dir = await mkdtemp(join(tmpdir(), "imgdiet-base-swap-"));
    try {
      const dockerfile = join(dir, "Dockerfile");
      await writeFile(dockerfile, replaceBase(src.dockerfileText, stage, variant));
      const image = ctx.candidateRef("base-swap");
      log(`building on ${variant}`);
      try {
        await cleanBuild(ctx.engine, { contextDir: src.contextDir, dockerfile, tag: image });
      } catch (e) {
        if (e instanceof InputError) return { kind: "failed", reason: `on ${variant}: ${e.message}` };
        throw e;
      }
      ctx.registerCandidate(image);
      return { kind: "candidate", image, notes: [`FROM ${base} → FROM ${variant}`] };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
