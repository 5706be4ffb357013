import type { LintHit, LintRule } from "../rule.js";
import { finalRuns, seenAt, wordRange } from "../rule.js";
import { cacheCovers, removesDir } from "../commands.js";
import { packageCommand } from "../packages.js";

const CACHES = ["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5", "/var/cache/zypp"];

export const rpmCacheNotCleaned: LintRule = {
  id: "rpm-cache-not-cleaned",
  title: "dnf, yum, microdnf or zypper install without a clean in the same RUN",
  severity: "warning",
  doc:
    "dnf, yum and microdnf keep repository metadata (often 100 MB or more) under /var/cache/dnf or /var/cache/yum, " +
    "and zypper under /var/cache/zypp, until told to clean. End the RUN that installs with `dnf clean all` " +
    "(`yum clean all`, `microdnf clean all`, `zypper clean --all`), remove the cache directory there, or use a " +
    "cache mount on it. A clean in a later RUN does not make the image smaller.",
  example: {
    bad: "FROM fedora:40\nRUN dnf install -y python3\nCMD [\"python3\"]\n",
    good: "FROM fedora:40\nRUN dnf install -y python3 && dnf clean all\nCMD [\"python3\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const run of finalRuns(ctx)) {
      const commands = run.commands.map(packageCommand);
      const cleaned = commands.some((p) => p && (p.manager === "dnf" || p.manager === "zypper") && p.action === "clean");
      if (cleaned || CACHES.some((dir) => cacheCovers(run.instruction, dir) || removesDir(run.commands, dir))) continue;
      const install = commands.find((p) => p && (p.manager === "dnf" || p.manager === "zypper") && p.action === "install");
      if (!install) continue;
      hits.push({ range: wordRange(run.instruction, install.command.program), message: seenAt(run.instruction), fix: `&& ${install.command.program === "zypper" ? "zypper clean --all" : `${install.command.program} clean all`} in the same RUN` });
    }
    return hits;
  },
};
