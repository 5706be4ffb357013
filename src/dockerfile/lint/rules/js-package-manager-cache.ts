import type { LintHit, LintRule } from "../rule.js";
import { finalRuns, seenAt, wordRange } from "../rule.js";
import { cacheMountTargets, hasOption } from "../commands.js";

/** Where yarn (1 and berry) and pnpm keep their caches for root and the node user of the official images. */
const CACHE_DIRS = /(\/\.cache\/yarn|\/\.yarn|\/share\/\.cache\/yarn|pnpm|\/\.local\/share\/pnpm|\/\.pnpm-store)/;

export const jsPackageManagerCache: LintRule = {
  id: "js-package-manager-cache",
  title: "yarn or pnpm install leaves its package cache in the layer",
  severity: "warning",
  doc:
    "yarn keeps a copy of every package it installs in its cache (/usr/local/share/.cache/yarn for root in the " +
    "node images, or .yarn/cache), and pnpm keeps its content-addressed store; either is about as large as " +
    "node_modules. Clean it in the same RUN (`yarn cache clean`, `pnpm store prune`) or keep it in a cache mount " +
    "(`RUN --mount=type=cache,target=/usr/local/share/.cache/yarn`, `--mount=type=cache,target=/pnpm/store`).",
  example: {
    bad: "FROM node:20-slim\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile --production\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
    good: "FROM node:20-slim\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile --production && yarn cache clean\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const run of finalRuns(ctx)) {
      if (cacheMountTargets(run.instruction).some((t) => CACHE_DIRS.test(t))) continue;
      for (const c of run.commands) {
        const verb = c.args.find((a) => !a.startsWith("-")) ?? "install";
        const installs = (c.program === "yarn" && ["install", "add"].includes(verb)) || (c.program === "pnpm" && ["install", "i", "add"].includes(verb));
        if (!installs || hasOption(c.args, "--cache-folder", "--store-dir")) continue;
        const cleaned = run.commands.some(
          (o) => (o.program === "yarn" && o.args[0] === "cache" && o.args[1] === "clean") || (o.program === "pnpm" && o.args[0] === "store" && o.args[1] === "prune"),
        );
        if (cleaned) continue;
        hits.push({ range: wordRange(run.instruction, c.program), message: seenAt(run.instruction), fix: c.program === "yarn" ? "&& yarn cache clean in the same RUN" : "&& pnpm store prune in the same RUN, or a cache mount for the store" });
      }
    }
    return hits;
  },
};
