/**
 * `imgdiet diet`: build the original, try every strategy, verify each candidate against the original
 * with the same probes, rank them, tag the smallest verified one, and remove everything else.
 *
 * The original's answers are established once (probe/baseline.ts: the given probes and their shadow
 * probes, twice; that is also the proof the original passes its own probes) and every candidate is
 * verified against them by `verifyImages` (probe/verify.ts), without running the original again.
 */
import { readFile, rm, stat } from "node:fs/promises";
import { basename, isAbsolute, resolve } from "node:path";
import { InputError } from "../errors.js";
import { connectEngine, type Engine } from "../engine/index.js";
import type { Probe, ProbeRunOptions } from "../probe/types.js";
import { establishBaseline, type ShadowDrops } from "../probe/baseline.js";
import { copy } from "../image/open.js";
import { parseReference } from "../image/reference.js";
import { defaultProbes } from "../probe/probes-file.js";
import { verifyImages } from "../probe/verify.js";
import { loadDietConfig, STRATEGY_NAMES, type StrategyName } from "./config.js";
import { makeRow, pickWinner, rankRows, type LeaderboardRow, type RowInput } from "./leaderboard.js";
import {
  cleanBuild,
  type AnyStrategy,
  type BaseCandidate,
  type DietContext,
  type DietSource,
  type IndependentStrategy,
  type Outcome,
  type RefiningStrategy,
} from "./strategy.js";
import { baseSwap } from "./strategies/base-swap.js";
import { slim } from "./strategies/slim.js";
import { dietDockerfilePath, multiStage } from "./strategies/multi-stage.js";
import { stripUpx } from "./strategies/strip-upx.js";
import { jreTrim } from "./strategies/jre-trim.js";

/** Every strategy, in the order they are listed (independent ones run side by side). */
export const STRATEGIES: readonly AnyStrategy[] = [baseSwap, slim, multiStage, jreTrim, stripUpx];

/** Step names of the candidates a run may tag, for removing stale ones from an earlier run. */
const INDEPENDENT_STEPS = ["base-swap", "slim", "multi-stage", "jre-trim"];
const CANDIDATE_STEPS = [...INDEPENDENT_STEPS, ...INDEPENDENT_STEPS.flatMap((b) => [`${b}.strip`, `${b}.upx`])];

export interface DietOptions {
  /** A build context directory, or an image reference (then only image strategies apply). */
  target: string;
  /** The Dockerfile, relative to the context or absolute (default `Dockerfile` in the context). */
  dockerfile?: string;
  /** Tag for the winner (default `NAME:diet`). */
  tag?: string;
  /** Diet config file (default `.imgdiet.json` in the context when present). */
  config?: string;
  /** Probes (default: the image's default probes). */
  probes?: Probe[];
  /** Probe timeouts (default 30 s each). */
  probeRun?: ProbeRunOptions;
  /** upx binary (else IMGDIET_UPX, the config file, or `upx` on PATH). */
  upx?: string;
  /** upx --ultra-brute instead of --best. */
  max?: boolean;
  /** Keep every candidate image (and a Dockerfile.diet that did not verify). */
  keepCandidates?: boolean;
  /** Verification also compares stderr. */
  strict?: boolean;
  /** Shadow probes (probe/shadow.ts) in every verification and in slim's trace (default true). */
  shadow?: boolean;
  /** Run only these strategies (default: all, or the config file's list). */
  strategies?: StrategyName[];
  /** Progress, one line each. */
  onLog?: (line: string) => void;
}

export interface DietResult {
  /** The context directory or image reference the diet ran on. */
  target: string;
  mode: "dockerfile" | "image";
  dockerfile?: string;
  name: string;
  original: { image: string; size: number };
  probes: string[];
  /** Shadow probes derived from them, and how many were dropped; absent with --no-shadow. Each row says how many ran and passed. */
  shadow?: ShadowDrops;
  /** Ranked: verified smallest first, then the rest. */
  leaderboard: LeaderboardRow[];
  winner?: { strategy: string; image: string; size: number; reduction: number };
  /** The rewritten Dockerfile the multi-stage strategy left next to the original (when it verified). */
  dietDockerfile?: string;
  /** Candidate images removed at the end. */
  removed: string[];
  seconds: number;
}

/** A name usable as a Docker repository component. */
export function imageNameFrom(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/[._-]{2,}/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return s || "image";
}

function looksLikePath(t: string): boolean {
  return t === "." || t === ".." || t.startsWith("/") || t.startsWith("./") || t.startsWith("../") || t.startsWith("~");
}

async function resolveSource(o: DietOptions): Promise<{ mode: "dockerfile"; source: DietSource } | { mode: "image"; ref: string }> {
  const info = await stat(o.target).catch(() => undefined);
  if (info?.isFile()) throw new InputError(`${o.target} is a file: give the build context directory (and the Dockerfile with -f)`);
  if (!info) {
    if (looksLikePath(o.target)) throw new InputError(`no such directory: ${o.target}`);
    if (o.dockerfile) throw new InputError(`-f ${o.dockerfile} needs a build context directory, and ${o.target} is not one`);
    return { mode: "image", ref: o.target };
  }
  const contextDir = resolve(o.target);
  const dockerfile = o.dockerfile ? (isAbsolute(o.dockerfile) ? o.dockerfile : resolve(contextDir, o.dockerfile)) : resolve(contextDir, "Dockerfile");
  let dockerfileText: string;
  try {
    dockerfileText = await readFile(dockerfile, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new InputError(o.dockerfile ? `Dockerfile not found: ${dockerfile}` : `no Dockerfile in ${contextDir} (give one with -f)`);
    }
    throw new InputError(`cannot read ${dockerfile}: ${code ?? (e as Error).message}`);
  }
  return { mode: "dockerfile", source: { contextDir, dockerfile, dockerfileText } };
}

function rowFromOutcome(strategy: string, outcome: Outcome, ms: number, extra: Partial<RowInput> = {}): RowInput {
  switch (outcome.kind) {
    case "candidate":
      return { strategy, status: "candidate", image: outcome.image, notes: outcome.notes, ms, ...extra };
    case "not-applicable":
      return { strategy, status: "not applicable", reason: outcome.reason, ms, ...extra };
    default:
      return { strategy, status: outcome.kind, reason: outcome.reason, ms, ...extra };
  }
}

/**
 * Tag `image` as `tag`; an image the tag named before and that is left without a name is removed —
 * unless it is `protect` (the original: `imgdiet diet app:diet` must not delete the user's image).
 */
async function tagResult(engine: Engine, image: string, tag: string, protect: string): Promise<void> {
  const previous = await engine.images.inspect(tag).then((i) => i.id, () => undefined);
  await engine.images.tag(image, tag);
  if (previous && previous !== protect && previous !== (await engine.images.inspect(tag)).id) {
    const left = await engine.images.inspect(previous).catch(() => undefined);
    if (left && left.repoTags.length === 0) await engine.images.remove(previous).catch(() => undefined);
  }
}

/** Run the diet. Throws InputError (bad context, a Dockerfile that does not build, an original that fails its own probes or answers them differently on two runs). */
export async function diet(o: DietOptions): Promise<DietResult> {
  const started = Date.now();
  const log = o.onLog ?? (() => undefined);
  const engine = await connectEngine();
  const src = await resolveSource(o);
  const config = await loadDietConfig({ file: o.config, contextDir: src.mode === "dockerfile" ? src.source.contextDir : undefined });
  const enabled = new Set<StrategyName>(o.strategies ?? config.strategies ?? STRATEGY_NAMES);

  // The original.
  let name: string;
  let original: string;
  let ownOriginal = false;
  if (src.mode === "dockerfile") {
    name = imageNameFrom(basename(src.source.contextDir));
    original = `imgdiet-diet/${name}:original`;
    log(`building the original ${original} from ${src.source.dockerfile}`);
    await cleanBuild(engine, {
      contextDir: src.source.contextDir,
      dockerfile: src.source.dockerfile,
      tag: original,
      onLog: (l) => {
        if (/^Step \d+\/\d+ : /.test(l)) log(`  ${l}`);
      },
    });
    ownOriginal = true;
  } else {
    const ref = parseReference(src.ref);
    const repo = ref.transport === "docker-daemon" ? ref.name : ref.transport === "registry" ? ref.repository : (ref.ref ?? basename(ref.path));
    name = imageNameFrom(basename(repo.replace(/[@:][^/]*$/, "")));
    if (ref.transport === "docker-daemon") {
      if (!(await engine.images.exists(ref.name))) throw new InputError(`image not found in the engine: ${ref.name}`);
      original = ref.name;
    } else {
      original = `imgdiet-diet/${name}:original`;
      log(`copying ${src.ref} into the engine as ${original}`);
      await copy(src.ref, `docker-daemon:${original}`);
      ownOriginal = true;
    }
  }

  const candidates = new Set<string>();
  const removed: string[] = [];
  let succeeded = false;
  try {
    const originalInfo = await engine.images.inspect(original);
    const originalSize = originalInfo.size;
    const probes = o.probes ?? defaultProbes(originalInfo);
    const probeRun = o.probeRun ?? {};

    // The original must pass its own probes (twice, the same way), or nothing can be verified.
    const baseline = await establishBaseline(original, probes, { ...probeRun, engine, strict: o.strict ?? false, shadow: o.shadow, onLog: log });
    if (baseline.shadow) {
      const b = baseline.shadow;
      log(`shadow probes: ${b.derived} derived, ${b.nondeterministic} dropped as non-deterministic, ${b.originalFails} dropped as the original fails them`);
    }

    // Stale candidates of an earlier run under the same name.
    // (An image given to diet may itself be a kept candidate: it is never removed or overwritten.)
    const candidateRef = (step: string): string => {
      const ref = `imgdiet-diet/${name}:${imageNameFrom(step)}`;
      return ref === original ? `${ref}-again` : ref;
    };
    for (const step of CANDIDATE_STEPS) {
      const ref = `imgdiet-diet/${name}:${step}`;
      if (ref !== original) await engine.images.remove(ref).catch(() => undefined);
    }

    const ctx: DietContext = {
      engine,
      name,
      original,
      originalSize,
      ...(src.mode === "dockerfile" ? { source: src.source } : {}),
      probes,
      originalResults: baseline.results,
      shadow: o.shadow !== false,
      config,
      upx: o.upx ?? process.env.IMGDIET_UPX ?? config.upx,
      max: o.max ?? false,
      strict: o.strict ?? false,
      probeRun,
      candidateRef,
      verify: (image, l) => verifyImages(original, image, probes, { ...probeRun, engine, baseline, strict: o.strict ?? false, onLog: l }),
      registerCandidate: (image) => void candidates.add(image),
    };

    // Independent strategies side by side (slim mostly waits on the engine, a build mostly on the CPU).
    // Refining strategies work on the best verified candidate so far: each time an independent candidate
    // verifies and is the smallest verified one when its turn comes, it is refined (one at a time), so
    // refining overlaps the strategies still running. The final best is always refined.
    const independent = STRATEGIES.filter((s): s is IndependentStrategy => s.kind === "independent" && enabled.has(s.name));
    const refiners = STRATEGIES.filter((s): s is RefiningStrategy => s.kind === "refining" && enabled.has(s.name));
    const independentRows: RowInput[] = [];
    const refinedRows: RowInput[] = [];
    const verified: BaseCandidate[] = [];
    const refinedBases = new Set<string>();
    const refine = async (base: BaseCandidate | undefined): Promise<void> => {
      for (const s of refiners) {
        const slog = (l: string) => log(`[${s.name}] ${l}`);
        slog(base ? `refining the ${base.strategy} candidate ${base.image}` : "no verified candidate to refine");
        for (const step of await s.run(ctx, base, slog)) {
          const extra: Partial<RowInput> = base ? { basedOn: base.strategy } : {};
          if (step.outcome.kind === "candidate") {
            extra.verify = step.verify;
            extra.size = (await engine.images.inspect(step.outcome.image)).size;
          }
          refinedRows.push(rowFromOutcome(step.step, step.outcome, step.ms, extra));
        }
      }
    };
    let refining: Promise<void> = Promise.resolve();
    const offer = (base: BaseCandidate): void => {
      verified.push(base);
      refining = refining.then(async () => {
        const best = verified.reduce((a, b) => (b.size < a.size ? b : a));
        if (best !== base || refinedBases.has(base.image)) return;
        refinedBases.add(base.image);
        await refine(base);
      });
    };
    const settled = await Promise.allSettled(
      independent.map(async (s, index) => {
        const t0 = Date.now();
        const slog = (l: string) => log(`[${s.name}] ${l}`);
        slog("start");
        const outcome = await s.run(ctx, slog);
        if (outcome.kind !== "candidate") {
          slog(`${outcome.kind === "not-applicable" ? "not applicable" : outcome.kind}: ${outcome.reason}`);
          independentRows[index] = rowFromOutcome(s.name, outcome, Date.now() - t0);
          return;
        }
        const verify = await ctx.verify(outcome.image, slog);
        const size = (await engine.images.inspect(outcome.image)).size;
        slog(`${verify.passed ? "verified" : `differs: ${verify.firstDifference}`}`);
        if (!verify.passed && outcome.files?.dockerfile && !o.keepCandidates) {
          await rm(outcome.files.dockerfile, { force: true });
          outcome.notes.push(`removed ${outcome.files.dockerfile}: it does not verify (keep it with --keep-candidates)`);
        }
        independentRows[index] = rowFromOutcome(s.name, outcome, Date.now() - t0, { verify, size });
        if (verify.passed) offer({ strategy: s.name, image: outcome.image, size });
      }),
    );
    const refineResult = await refining.then(
      () => undefined,
      (e: unknown) => ({ error: e }),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    if (refineResult) throw refineResult.error;
    if (verified.length === 0 && refiners.length > 0) await refine(undefined);
    const inputs: RowInput[] = [...independentRows.filter((r): r is RowInput => r !== undefined), ...refinedRows];

    // Rank, tag the winner, remove the rest.
    const rows = inputs.map((r) => makeRow(r, originalSize));
    const winner = pickWinner(rows);
    const tag = o.tag ?? `${name}:diet`;
    let winnerInfo: DietResult["winner"];
    if (winner) {
      await tagResult(engine, winner.image!, tag, originalInfo.id);
      winner.winner = true;
      winnerInfo = { strategy: winner.strategy, image: tag, size: winner.size!, reduction: winner.reduction! };
      log(`tagged the ${winner.strategy} candidate as ${tag}`);
    }
    for (const r of rows) {
      if (!r.image) continue;
      r.kept = r.winner || (o.keepCandidates ?? false);
      if (r.winner) r.image = tag;
    }
    if (!o.keepCandidates) {
      for (const c of candidates) {
        await engine.images.remove(c);
        removed.push(c);
      }
    }
    const ms = rows.find((r) => r.strategy === "multi-stage" && r.verified);
    const dietDockerfile = ms && src.mode === "dockerfile" ? dietDockerfilePath(src.source.dockerfile) : undefined;
    succeeded = true;
    return {
      target: o.target,
      mode: src.mode,
      ...(src.mode === "dockerfile" ? { dockerfile: src.source.dockerfile } : {}),
      name,
      original: { image: original, size: originalSize },
      probes: probes.map((p) => p.name),
      ...(baseline.shadow ? { shadow: baseline.shadow } : {}),
      leaderboard: rankRows(rows),
      ...(winnerInfo ? { winner: winnerInfo } : {}),
      ...(dietDockerfile ? { dietDockerfile } : {}),
      removed,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    if (!succeeded) {
      for (const c of candidates) await engine.images.remove(c).catch(() => undefined);
      if (ownOriginal) await engine.images.remove(original).catch(() => undefined);
    }
  }
}
