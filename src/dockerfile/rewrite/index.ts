/**
 * The multi-stage strategy: rewrite a Dockerfile so that a builder stage compiles the program and a
 * minimal final stage ships only what it needs. One file per language; Go is the one rebuilt so far.
 */
import { stat } from "node:fs/promises";
import { InputError } from "../../errors.js";
import { parseDockerfile } from "../parse.js";
import { detectLanguage, unsupportedReason } from "./detect-language.js";
import { rewriteGo } from "./go.js";
import type { RewriteInput, RewriteResult } from "./types.js";

export type { RewriteInput, RewriteResult } from "./types.js";

/**
 * Rewrites `dockerfileText` (built with `contextDir` as its context) into a multi-stage build.
 * Throws InputError when the Dockerfile does not parse or the context is not a directory; returns
 * `{ applicable: false, reason }` when the program is not one this strategy can rebuild.
 */
export async function rewriteMultiStage({ dockerfileText, contextDir }: RewriteInput): Promise<RewriteResult> {
  const isDir = await stat(contextDir).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new InputError(`build context ${contextDir} is not a directory`);
  const dockerfile = parseDockerfile(dockerfileText);
  const stage = dockerfile.stages[dockerfile.stages.length - 1];
  if (stage.base.toLowerCase() === "scratch") return { applicable: false, reason: "the final stage is already FROM scratch; nothing to slim by rewriting" };
  const guess = await detectLanguage(stage, contextDir);
  if (!guess)
    return {
      applicable: false,
      reason: "no Go program found: the final stage runs no go run/go build, its base is not golang, and the context has no go.mod or .go files",
    };
  if (guess.language !== "go") return { applicable: false, reason: unsupportedReason(guess) };
  return rewriteGo(dockerfile, contextDir);
}
