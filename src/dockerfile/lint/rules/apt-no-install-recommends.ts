import type { LintHit, LintRule } from "../rule.js";
import { finalRuns, seenAt, wordRange } from "../rule.js";
import { packageCommand } from "../packages.js";

export const aptNoInstallRecommends: LintRule = {
  id: "apt-no-install-recommends",
  title: "apt-get install without --no-install-recommends",
  severity: "warning",
  doc:
    "By default apt installs every package a package recommends, not only what it depends on: documentation, " +
    "man pages, extra tools and libraries, often doubling what is installed. Pass `--no-install-recommends` (or set " +
    "`APT::Install-Recommends \"false\"`) and name the few recommended packages you do need. Applies to stages " +
    "whose files are in the final image.",
  example: {
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\", \"--version\"]\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\", \"--version\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const run of finalRuns(ctx)) {
      for (const p of run.commands.map(packageCommand)) {
        if (!p || p.manager !== "apt" || p.action !== "install" || p.command.program === "aptitude") continue;
        if (p.command.args.some((a) => a === "--no-install-recommends" || /Install-Recommends[= ]*(false|0|no)/i.test(a))) continue;
        hits.push({ range: wordRange(run.instruction, p.command.program), message: `${p.command.program} install ${p.packages.join(" ")}\n${seenAt(run.instruction)}`, fix: "apt-get install -y --no-install-recommends …" });
      }
    }
    return hits;
  },
};
