/**
 * What a diet strategy is, and the helpers strategies share (builds that clean up after themselves).
 *
 * A strategy takes the diet's context (the original image, its Dockerfile when there is one, the probes)
 * and produces a candidate image in the engine, or says why it does not apply ("not applicable: …") or
 * could not run here ("skipped: …"). The orchestrator (diet.ts) verifies every candidate against the
 * original with the same probes and ranks them. Refining strategies (strip-upx) work on top of the best
 * verified candidate so far and verify each of their steps themselves through `ctx.verify`.
 *
 * Strategies in use: base-swap, slim, multi-stage, jre-trim, strip-upx (one file each under strategies/).
 *
 * Considered and not implemented now:
 * - distroless final stage (gcr.io/distroless/static, base): needs a pull from a registry other than
 *   Docker Hub, and for Go the scratch stage of multi-stage is already smaller; for a dynamic binary
 *   the multi-stage rewrite copies the ELF closure, which distroless/base would only enlarge.
 * - package-manager cache cleanup (`rm -rf /var/lib/apt/lists/*` in the same RUN, `--no-install-
 *   recommends`, `apk --no-cache`): a Dockerfile lint finding rather than a strategy — slim removes
 *   those files from the result anyway, and rewriting RUN lines risks changing what gets installed.
 * - squash (merge all layers into one): only wins back bytes deleted or overwritten by later layers,
 *   which slim's single re-assembled layer already drops; it never beats slim and loses layer sharing.
 * - static compression of non-ELF assets (minifying JS, stripping .pyc): changes file contents the
 *   program reads, which probes cannot prove safe in general.
 * - `docker export | docker import` flattening: loses the image config (CMD, ENV, USER, EXPOSE).
 */
import { parseBuildLine, type BuildOptions, type BuildResult, type Engine } from "../engine/index.js";
import type { Probe, ProbeResult, ProbeRunOptions } from "../probe/types.js";
import type { VerifyReport } from "../probe/verify.js";
import type { DietConfig, StrategyName } from "./config.js";

/** The build context of a diet run from a Dockerfile. */
export interface DietSource {
  /** Absolute path of the build context. */
  contextDir: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Its text as read at the start of the run. */
  dockerfileText: string;
}

export interface DietContext {
  /** The engine the diet runs on. */
  engine: Engine;
  /** Short name the run's images are tagged under (`imgdiet-diet/NAME:…`). */
  name: string;
  /** The original image in the engine (a name or id `docker run` accepts). */
  original: string;
  /** `docker images` size of the original. */
  originalSize: number;
  /** Absent when the diet runs on an image rather than a Dockerfile. */
  source?: DietSource;
  probes: Probe[];
  /** The original's result for each probe and surviving shadow probe, by probe name (it passed all of them). */
  originalResults: Map<string, ProbeResult>;
  /** Shadow probes on: slim traces them with the given probes. */
  shadow: boolean;
  config: DietConfig;
  /** The upx binary the user gave (--upx, IMGDIET_UPX or the config file). */
  upx?: string;
  /** upx --ultra-brute instead of --best. */
  max: boolean;
  strict: boolean;
  /** Probe timeouts, for strategies that run probes themselves (slim's trace). */
  probeRun: ProbeRunOptions;
  /** The engine reference a candidate of this strategy step is tagged with. */
  candidateRef(step: string): string;
  /** Verify an image in the engine against the original results. */
  verify(image: string, log: (line: string) => void): Promise<VerifyReport>;
  /** Remember an image to remove at the end unless it wins or --keep-candidates is given. */
  registerCandidate(image: string): void;
}

/** What one strategy (or one step of a refining strategy) produced. */
export type Outcome =
  | { kind: "candidate"; image: string; notes: string[]; files?: Record<string, string> }
  | { kind: "not-applicable"; reason: string }
  | { kind: "skipped"; reason: string }
  /** It should have produced a candidate and could not (a build that fails, a tool error). */
  | { kind: "failed"; reason: string };

/** A verified (or refused) step of a refining strategy. */
export interface RefinedStep {
  /** Leaderboard name of the step, e.g. "strip" or "upx --best". */
  step: string;
  outcome: Outcome;
  /** Set when the step produced a candidate: its verification. */
  verify?: VerifyReport;
  /** Wall time of the step, milliseconds (verification included). */
  ms: number;
}

/** The best verified candidate so far, which a refining strategy works on. */
export interface BaseCandidate {
  strategy: string;
  image: string;
  size: number;
}

export interface Strategy {
  name: StrategyName;
  /** One line for `--help` and the README. */
  summary: string;
  /** Independent strategies run on the original; refining ones on the best verified candidate. */
  kind: "independent" | "refining";
}

export interface IndependentStrategy extends Strategy {
  kind: "independent";
  run(ctx: DietContext, log: (line: string) => void): Promise<Outcome>;
}

export interface RefiningStrategy extends Strategy {
  kind: "refining";
  /** `base` is undefined when no candidate verified: the strategy then says why it skips. */
  run(ctx: DietContext, base: BaseCandidate | undefined, log: (line: string) => void): Promise<RefinedStep[]>;
}

export type AnyStrategy = IndependentStrategy | RefiningStrategy;

/**
 * Images a build created and left without a name: the result of every step that was not a cache hit
 * and not a FROM (the base is never ours). Read from the build log, dockerd's legacy builder or
 * podman's (buildah prints `[1/2] STEP 4/8: RUN …` and `--> de1028e89dc`):
 *
 *   Step 4/8 : RUN go build …
 *    ---> Running in 85d315729e49
 *    ---> de1028e89dcb            ← created by this build
 */
export class BuildLogIds {
  readonly created: string[] = [];
  private isFrom = false;
  private cached = false;

  /** Either builder's log (dockerd's, or podman's through its Docker API): engine/ reads the lines. */
  onLine = (line: string): void => {
    const parsed = parseBuildLine(line);
    if (parsed?.kind === "step") {
      this.isFrom = /^FROM\b/i.test(parsed.instruction);
      this.cached = false;
    } else if (parsed?.kind === "cache") this.cached = true;
    else if (parsed?.kind === "image" && !this.isFrom && !this.cached) this.created.push(parsed.id);
  };
}

/**
 * Remove the images a build created that nothing names: the last image of a builder stage and, after
 * a failed build, the last step that succeeded (`docker images` would list them as `<none>`). Images
 * with a tag, images that are parents of others (the engine refuses) and `keep` are left alone.
 */
async function removeCreated(engine: Engine, ids: readonly string[], keep: string | undefined): Promise<void> {
  const bare = (id: string) => id.replace(/^sha256:/, "");
  const keepId = keep ? bare(keep) : undefined;
  for (const id of [...ids].reverse()) {
    if (keepId && keepId.startsWith(bare(id))) continue;
    try {
      const info = await engine.images.inspect(id);
      if (info.repoTags.length > 0) continue;
      await engine.images.remove(id);
    } catch {
      /* gone already (removed with a child), or has children: not dangling */
    }
  }
}

/**
 * `buildImage` that leaves no unnamed images behind: every image the build created that is not the
 * tagged result is removed, whether the build succeeded or failed. When `opts.tag` already named
 * another image and that image is left without a name, it is removed too.
 */
export async function cleanBuild(engine: Engine, opts: BuildOptions): Promise<BuildResult> {
  const ids = new BuildLogIds();
  const previous = opts.tag ? await engine.images.inspect(opts.tag).then((i) => i.id, () => undefined) : undefined;
  let result: BuildResult | undefined;
  try {
    result = await engine.build({
      ...opts,
      onLog: (line) => {
        ids.onLine(line);
        opts.onLog?.(line);
      },
    });
    return result;
  } finally {
    await removeCreated(engine, ids.created, result?.imageId);
    if (previous && previous !== result?.imageId) await removeCreated(engine, [previous], result?.imageId);
  }
}
