/**
 * The multi-stage strategy: rewrite a Dockerfile so that a builder stage builds the program and a
 * minimal final stage ships only what it needs. REWRITERS holds one rewriter per language (registry.ts
 * is the contract); rewriteMultiStage asks them in order and the first that recognises the build
 * rewrites it.
 */
import { stat } from "node:fs/promises";
import { InputError } from "../../errors.js";
import { parseDockerfile } from "../parse.js";
import { walkStages } from "../stages.js";
import { detectLanguage, unsupportedReason } from "./detect-language.js";
import { goRewriter } from "./go.js";
import { cRewriter } from "./c.js";
import { rustRewriter } from "./rust.js";
import { javaRewriter } from "./java.js";
import { nodeRewriter } from "./node.js";
import { pythonRewriter } from "./python.js";
import { toolchainRewriter } from "./toolchain.js";
import type { RewriteContext, Rewriter, RuntimeEvidence } from "./registry.js";
import type { RewriteInput, RewriteResult } from "./types.js";

export type { RewriteInput, RewriteResult } from "./types.js";
export type { RewriteContext, Rewriter, RuntimeEvidence } from "./registry.js";

/**
 * Asked in this order. Go stays first (a Go build inside an image of another language is still a Go
 * build); a generic toolchain rewriter, which recognises any single-stage apt/apk build, stays last.
 */
export const REWRITERS: readonly Rewriter[] = [goRewriter, rustRewriter, cRewriter, javaRewriter, nodeRewriter, pythonRewriter, toolchainRewriter];

/** The languages the registry can rewrite, e.g. "go, rust". */
export function rewritableLanguages(): string[] {
  return [...new Set(REWRITERS.map((r) => r.language))];
}

/** What rewriteMultiStage takes: the Dockerfile, its context and, when an engine built it, its run-time evidence. */
export interface RewriteOptions extends RewriteInput {
  /**
   * What the built original showed at run time, or a function that traces it. The function is called
   * only when the rewriter that recognised the build needs the evidence (Rewriter.needsRuntime).
   */
  runtime?: RuntimeEvidence | (() => Promise<RuntimeEvidence | undefined>);
}

/**
 * Rewrites `dockerfileText` (built with `contextDir` as its context) into a multi-stage build: the
 * first rewriter of REWRITERS that recognises the build rewrites it.
 * Throws InputError when the Dockerfile does not parse or the context is not a directory; returns
 * `{ applicable: false, reason }` when no registered rewriter can rebuild the program.
 */
export async function rewriteMultiStage({ dockerfileText, contextDir, runtime }: RewriteOptions): Promise<RewriteResult> {
  const isDir = await stat(contextDir).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new InputError(`build context ${contextDir} is not a directory`);
  const dockerfile = parseDockerfile(dockerfileText);
  const finalStage = dockerfile.stages[dockerfile.stages.length - 1];
  if (finalStage.base.toLowerCase() === "scratch") return { applicable: false, reason: "the final stage is already FROM scratch; nothing to slim by rewriting" };
  const ctx: RewriteContext = { text: dockerfileText, dockerfile, walked: walkStages(dockerfile), finalStage, contextDir };
  if (typeof runtime === "object") ctx.runtime = runtime;
  for (const rewriter of REWRITERS) {
    if ((await rewriter.detect(ctx)) === undefined) continue;
    if (rewriter.needsRuntime && typeof runtime === "function") {
      const traced = await runtime();
      if (traced) ctx.runtime = traced;
    }
    return rewriter.rewrite(ctx);
  }
  const guess = await detectLanguage(finalStage, contextDir);
  const supported = rewritableLanguages();
  if (guess && supported.includes(guess.language))
    return { applicable: false, reason: `${guess.language}: ${guess.evidence}, but the ${guess.language} rewriter does not recognise the final stage's build or start command` };
  if (guess) return { applicable: false, reason: unsupportedReason(guess, supported) };
  return {
    applicable: false,
    reason: `no program this rewrite can rebuild: none of the rewriters (${supported.join(", ")}) recognised the final stage's commands, base image ${finalStage.base} or the build context's files`,
  };
}
