import type { LintHit, LintRule } from "../rule.js";
import { seenAt, wordRange } from "../rule.js";
import { commandsOf } from "../commands.js";

export const npmInstallNotCi: LintRule = {
  id: "npm-install-not-ci",
  title: "npm install where npm ci installs exactly the lockfile",
  severity: "warning",
  doc:
    "`npm install` without package names resolves versions again and may rewrite package-lock.json, so two builds " +
    "of the same commit can differ; `npm ci` installs exactly what the lockfile says, fails when it is out of date, " +
    "and starts from an empty node_modules. Applies to every stage the build needs. `npm install -g tool` and " +
    "`npm install pkg` (adding a named package) are not reported.",
  example: {
    bad: "FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm install --omit=dev\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
    good: "FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const stage of ctx.walked.stages.filter((s) => s.needed)) {
      for (const { instruction } of stage.steps.filter((s) => s.instruction.keyword === "RUN")) {
        for (const c of commandsOf(instruction)) {
          if (c.program !== "npm" || !["install", "i"].includes(c.args[0] ?? "")) continue;
          if (c.args.slice(1).some((a) => !a.startsWith("-")) || hasGlobal(c.args)) continue;
          hits.push({ range: wordRange(instruction, "npm"), message: seenAt(instruction), fix: "npm ci (with the lockfile copied in first)" });
        }
      }
    }
    return hits;
  },
};

function hasGlobal(args: readonly string[]): boolean {
  return args.includes("-g") || args.includes("--global");
}
