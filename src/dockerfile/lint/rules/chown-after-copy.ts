import path from "node:path";
import type { LintHit, LintRule } from "../rule.js";
import { copiedPaths, finalRuns, seenAt, wordRange } from "../rule.js";

export const chownAfterCopy: LintRule = {
  id: "chown-after-copy",
  title: "RUN chown/chmod of copied files instead of COPY --chown/--chmod",
  severity: "warning",
  doc:
    "Changing the owner or mode of a file writes the whole file again into a new layer, so `COPY . /app` followed " +
    "by `RUN chown -R app /app` stores the application twice. `COPY --chown=app:app` (and `--chmod=`) sets them " +
    "while copying, in the one layer. The rule fires when a RUN in a stage of the final image runs chown or chmod " +
    "on a path an earlier COPY or ADD wrote.",
  example: {
    bad: "FROM node:20-slim\nWORKDIR /app\nCOPY . /app\nRUN chown -R node:node /app\nUSER node\nCMD [\"node\", \"index.js\"]\n",
    good: "FROM node:20-slim\nWORKDIR /app\nCOPY --chown=node:node . /app\nUSER node\nCMD [\"node\", \"index.js\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    const copied: { path: string; line: number }[] = [];
    for (const run of finalRuns(ctx)) {
      // COPY/ADD destinations before this RUN, in the stages of the final image.
      copied.length = 0;
      for (const stage of ctx.walked.stages.filter((s) => s.reachesFinal)) {
        for (const step of stage.steps) {
          if (step.instruction === run.instruction) break;
          for (const p of copiedPaths(step)) copied.push({ path: p, line: step.instruction.range.start.line });
        }
        if (stage.steps.some((s) => s.instruction === run.instruction)) break;
      }
      for (const c of run.commands.filter((c) => c.program === "chown" || c.program === "chmod")) {
        const targets = c.args.filter((a) => !a.startsWith("-")).slice(1);
        const hit = targets
          .filter((t) => !t.includes("$"))
          .map((t) => path.posix.resolve(run.step.cwd, t))
          .map((t) => ({ target: t, copy: [...copied].reverse().find((k) => k.path !== "/" && (t === k.path || t.startsWith(`${k.path}/`))) }))
          .find((h) => h.copy !== undefined);
        if (!hit?.copy) continue;
        hits.push({
          range: wordRange(run.instruction, c.program),
          message: `${c.program} of ${hit.target}, copied at line ${hit.copy.line}: the files are stored again\n${seenAt(run.instruction)}`,
          fix: `COPY --${c.program === "chown" ? "chown" : "chmod"}=${c.args.filter((a) => !a.startsWith("-"))[0] ?? "…"} at line ${hit.copy.line}`,
        });
      }
    }
    return hits;
  },
};
