import type { LintHit, LintRule } from "../rule.js";
import { finalRuns, seenAt, wordRange } from "../rule.js";
import { cacheCovers, hasOption, removesDir } from "../commands.js";

const CACHE = "/root/.cache/pip";

export const pipNoCacheDir: LintRule = {
  id: "pip-no-cache-dir",
  title: "pip install without --no-cache-dir",
  severity: "warning",
  doc:
    "pip keeps every wheel it downloads or builds in ~/.cache/pip, often as large as the installed packages " +
    "themselves (hundreds of MB for numpy, torch and friends). Pass `--no-cache-dir`, set `PIP_NO_CACHE_DIR=1` " +
    "in an ENV, remove the cache in the same RUN, or use `RUN --mount=type=cache,target=/root/.cache/pip`.",
  example: {
    bad: "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
    good: "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const run of finalRuns(ctx)) {
      if (run.step.env.has("PIP_NO_CACHE_DIR") || cacheCovers(run.instruction, CACHE) || removesDir(run.commands, CACHE)) continue;
      if (run.commands.some((c) => /^pip[\d.]*$/.test(c.program) && c.args[0] === "cache" && c.args[1] === "purge")) continue;
      for (const c of run.commands) {
        if (!/^pip[\d.]*$/.test(c.program) || !c.args.includes("install") || c.env.has("PIP_NO_CACHE_DIR")) continue;
        if (hasOption(c.args, "--no-cache-dir", "--no-cache")) continue;
        hits.push({ range: wordRange(run.instruction, c.program, "python", "python3"), message: seenAt(run.instruction), fix: "pip install --no-cache-dir …" });
      }
    }
    return hits;
  },
};
