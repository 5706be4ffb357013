/** The diet leaderboard as text for a terminal. */
import type { DietResult } from "../diet/diet.js";
import type { LeaderboardRow } from "../diet/leaderboard.js";
import { humanSize, table, truncate } from "../units.js";
import { scoreBand, type Band } from "./score-band.js";
import { shadowLine } from "./shadow-text.js";

function times(x: number): string {
  return x >= 100 ? `${Math.round(x)}×` : `${x.toFixed(1)}×`;
}

function bandText(b: Band): string {
  return `band ${b.label} → ${b.score} %`;
}

function strategyLabel(r: LeaderboardRow): string {
  return r.basedOn ? `${r.strategy} (on ${r.basedOn})` : r.strategy;
}

export function renderLeaderboardText(r: DietResult): string {
  const out: string[] = [];
  const what = r.mode === "dockerfile" ? `${r.target} (${r.dockerfile})` : r.target;
  out.push(`imgdiet diet ${what}`);
  out.push(`original  ${r.original.image}  ${humanSize(r.original.size)}  ${bandText(scoreBand(r.original.size))}`);
  out.push(`probes    ${r.probes.join(" · ")}`);
  if (r.shadow) out.push(`          ${shadowLine(r.shadow)}; every candidate runs the rest`);
  out.push("");
  const rows: string[][] = [];
  const details: string[] = [];
  let rank = 0;
  for (const row of r.leaderboard) {
    const time = `${row.seconds.toFixed(1)}s`;
    if (row.status === "verified" || row.status === "differs") {
      const band = row.size !== undefined ? scoreBand(row.size) : undefined;
      rows.push([
        row.status === "verified" ? String(++rank) : "-",
        strategyLabel(row),
        `${row.image ?? ""}${row.kept === false ? " (removed)" : ""}`,
        row.size !== undefined ? humanSize(row.size) : "",
        times(row.reduction ?? 0),
        band ? `${band.score} % (${band.label})` : "",
        row.verified ? "✓" : "✗",
        row.shadow ? `${row.shadow.passed}/${row.shadow.ran}` : "",
        time,
      ]);
      if (!row.verified && row.firstDifference) details.push(`  ✗ ${strategyLabel(row)}: ${row.firstDifference}`);
    } else {
      rows.push(["-", strategyLabel(row), row.status, "", "", "", "", "", time]);
      details.push(`  ${strategyLabel(row)}: ${row.status}: ${truncate(row.reason ?? "", 240)}`);
    }
  }
  out.push(table(["#", "strategy", "image", "size", "smaller", "band", "verified", "shadow", "time"], rows));
  if (details.length) out.push("", ...details);
  out.push("");
  if (r.winner) {
    out.push(
      `winner: ${r.winner.strategy} → ${r.winner.image}  ${humanSize(r.winner.size)}, ${times(r.winner.reduction)} smaller than ${humanSize(r.original.size)}` +
        ` (${bandText(scoreBand(r.winner.size))})`,
    );
  } else {
    out.push("no candidate verified: nothing tagged");
  }
  if (r.dietDockerfile) out.push(`rewritten Dockerfile: ${r.dietDockerfile}`);
  if (r.removed.length) out.push(`removed ${r.removed.length} candidate image(s) (keep them with --keep-candidates)`);
  out.push(`done in ${r.seconds.toFixed(1)}s`);
  return out.join("\n") + "\n";
}
