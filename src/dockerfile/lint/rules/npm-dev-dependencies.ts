import type { LintHit, LintRule } from "../rule.js";
import { finalRuns, seenAt, wordRange } from "../rule.js";
import { hasOption } from "../commands.js";

const OMIT_DEV = ["--omit=dev", "--production", "--only=production", "--only=prod"];

export const npmDevDependencies: LintRule = {
  id: "npm-dev-dependencies",
  title: "npm installs devDependencies into the final image",
  severity: "warning",
  doc:
    "`npm ci` and `npm install` install devDependencies (test frameworks, bundlers, type checkers, linters) unless " +
    "told not to; in the final image they are dead weight, often more than the runtime dependencies. Use " +
    "`npm ci --omit=dev` in the final stage (or set `NODE_ENV=production`), or build with the devDependencies in an " +
    "earlier stage. `npm prune --omit=dev` helps only in the same RUN as the install: in a later one the " +
    "devDependencies stay in the install's layer.",
  example: {
    bad: "FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
    good: "FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
  },
  check(ctx) {
    const runs = finalRuns(ctx);
    const hits: LintHit[] = [];
    runs.forEach((run, index) => {
      if (run.step.env.get("NODE_ENV") === "production") return;
      for (const c of run.commands) {
        const verb = c.args[0] ?? "";
        if (c.program !== "npm" || !["ci", "install", "i"].includes(verb)) continue;
        if (c.args.slice(1).some((a) => !a.startsWith("-")) || c.args.includes("-g") || c.args.includes("--global")) continue;
        if (hasOption(c.args, ...OMIT_DEV) || c.args.some((a) => a === "--omit" ) || c.env.get("NODE_ENV") === "production") continue;
        const prunes = (r: (typeof runs)[number]) => r.commands.some((p) => p.program === "npm" && p.args[0] === "prune" && (hasOption(p.args, ...OMIT_DEV) || p.args.includes("--omit")));
        if (prunes(run)) continue;
        // A prune in a later RUN hides the devDependencies but this RUN's layer keeps them.
        const later = runs.slice(index + 1).find(prunes);
        const note = later ? `\nthe npm prune at line ${later.instruction.range.start.line} runs in a later layer: the devDependencies stay in this one` : "";
        hits.push({ range: wordRange(run.instruction, "npm"), message: seenAt(run.instruction) + note, fix: "npm ci --omit=dev in the final stage; build with devDependencies in an earlier stage" });
      }
    });
    return hits;
  },
};
