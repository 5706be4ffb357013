import type { LintHit, LintRule } from "../rule.js";
import { finalRuns, seenAt, wordRange } from "../rule.js";
import { cacheCovers, removesDir } from "../commands.js";

const LISTS = "/var/lib/apt/lists";

export const aptListsNotRemoved: LintRule = {
  id: "apt-lists-not-removed",
  title: "apt-get update without removing /var/lib/apt/lists in the same RUN",
  severity: "warning",
  doc:
    "`apt-get update` downloads the package indexes into /var/lib/apt/lists (40–60 MB for Debian with updates and " +
    "security). A layer keeps them unless the same RUN removes them: `rm -rf /var/lib/apt/lists/*` at the end of " +
    "the RUN that updates and installs. A later RUN that removes them does not make the image smaller. A " +
    "`RUN --mount=type=cache,target=/var/lib/apt` keeps them out of the layer and counts as cleanup.",
  example: {
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\nCMD [\"bash\"]\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\nCMD [\"bash\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const run of finalRuns(ctx)) {
      const update = run.commands.find((c) => (c.program === "apt-get" || c.program === "apt") && c.args.includes("update"));
      if (!update || cacheCovers(run.instruction, LISTS)) continue;
      if (removesDir(run.commands, LISTS)) continue;
      hits.push({ range: wordRange(run.instruction, update.program), message: seenAt(run.instruction), fix: "end the RUN with && rm -rf /var/lib/apt/lists/*" });
    }
    return hits;
  },
};
