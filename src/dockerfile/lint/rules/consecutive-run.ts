import type { Instruction } from "../../parse.js";
import type { LintHit, LintRule } from "../rule.js";

export const consecutiveRun: LintRule = {
  id: "consecutive-run",
  title: "Consecutive RUN instructions that could be one",
  severity: "info",
  doc:
    "Each RUN is a layer. Consecutive RUNs with nothing between them can be joined with `&&`: one layer instead of " +
    "several, and files one of them creates and a later one removes never get stored. Keeping them apart can " +
    "help the build cache when an early RUN is slow and rarely changes, hence the low severity. Applies to stages " +
    "whose files are in the final image.",
  example: {
    bad: "FROM debian:bookworm-slim\nRUN groupadd -r app\nRUN useradd -r -g app app\nRUN mkdir -p /data && chown app:app /data\nUSER app\nCMD [\"bash\"]\n",
    good: "FROM debian:bookworm-slim\nRUN groupadd -r app \\\n    && useradd -r -g app app \\\n    && mkdir -p /data && chown app:app /data\nUSER app\nCMD [\"bash\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const stage of ctx.walked.stages.filter((s) => s.reachesFinal)) {
      let group: Instruction[] = [];
      const flush = () => {
        if (group.length >= 2) {
          const first = group[0]!;
          const last = group.at(-1)!;
          hits.push({
            range: { start: first.range.start, end: last.range.end },
            message: `${group.length} RUN instructions in a row: lines ${group.map((i) => i.range.start.line).join(", ")}`,
            fix: "join them with && into one RUN",
          });
        }
        group = [];
      };
      for (const { instruction } of stage.steps) {
        if (instruction.keyword === "RUN") group.push(instruction);
        else flush();
      }
      flush();
    }
    return hits;
  },
};
