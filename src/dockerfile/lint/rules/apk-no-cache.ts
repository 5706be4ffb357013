import type { LintHit, LintRule } from "../rule.js";
import { finalRuns, seenAt, wordRange } from "../rule.js";
import { cacheCovers, hasOption, removesDir } from "../commands.js";
import { packageCommand } from "../packages.js";

const CACHE = "/var/cache/apk";

export const apkNoCache: LintRule = {
  id: "apk-no-cache",
  title: "apk add without --no-cache",
  severity: "warning",
  doc:
    "`apk add` keeps the package index it fetched under /var/cache/apk (a few MB per repository) unless given " +
    "`--no-cache`, which fetches the index to a temporary place and leaves nothing behind. Removing " +
    "/var/cache/apk in the same RUN, or a `RUN --mount=type=cache,target=/var/cache/apk`, also counts.",
  example: {
    bad: "FROM alpine:3.20\nRUN apk update && apk add curl\nCMD [\"curl\", \"--version\"]\n",
    good: "FROM alpine:3.20\nRUN apk add --no-cache curl\nCMD [\"curl\", \"--version\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const run of finalRuns(ctx)) {
      if (cacheCovers(run.instruction, CACHE) || removesDir(run.commands, CACHE)) continue;
      for (const p of run.commands.map(packageCommand)) {
        if (!p || p.manager !== "apk" || p.action !== "install" || hasOption(p.command.args, "--no-cache")) continue;
        hits.push({ range: wordRange(run.instruction, "apk"), message: `apk add ${p.packages.join(" ")}\n${seenAt(run.instruction)}`, fix: "apk add --no-cache …" });
      }
    }
    return hits;
  },
};
