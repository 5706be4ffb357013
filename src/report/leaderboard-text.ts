/** The diet leaderboard as text for a terminal. */
import type { DietResult } from "../diet/diet.js";
import type { LeaderboardRow } from "../diet/leaderboard.js";
import { table, truncate } from "../units.js";

function times(x: number): string {
  return x >= 100 ? `${Math.round(x)}×` : `${x.toFixed(1)}×`;
}

function strategyLabel(r: LeaderboardRow): string {
  return r.basedOn ? `${r.strategy} (on ${r.basedOn})` : r.strategy;
}

export function renderLeaderboardText(r: DietResult): string {
  const out: string[] = [];
  const what = r.mode === "dockerfile" ? `${r.target} (${r.dockerfile})` : r.target;
  out.push(`imgdiet diet ${what}`);
  out.push(`original  ${r.original.image}  ${r.original.sizeHuman}  band ${r.original.band.label} → ${r.original.band.score} %`);
  out.push(`probes    ${r.probes.join(" · ")}`);
  out.push("");
  const rows: string[][] = [];
  const details: string[] = [];
  let rank = 0;
  for (const row of r.leaderboard) {
    const time = `${row.seconds.toFixed(1)}s`;
    if (row.status === "verified" || row.status === "differs") {
      rows.push([
        row.status === "verified" ? String(++rank) : "-",
        strategyLabel(row),
        `${row.image ?? ""}${row.kept === false ? " (removed)" : ""}`,
        row.sizeHuman ?? "",
        times(row.reduction ?? 0),
        row.band ? `${row.band.score} % (${row.band.label})` : "",
        row.verified ? "✓" : "✗",
        time,
      ]);
      if (!row.verified && row.firstDifference) details.push(`  ✗ ${strategyLabel(row)}: ${row.firstDifference}`);
    } else {
      rows.push(["-", strategyLabel(row), row.status, "", "", "", "", time]);
      details.push(`  ${strategyLabel(row)}: ${row.status}: ${truncate(row.reason ?? "", 240)}`);
    }
  }
  out.push(table(["#", "strategy", "image", "size", "smaller", "band", "verified", "time"], rows));
  if (details.length) out.push("", ...details);
  out.push("");
  if (r.winner) {
    out.push(
      `winner: ${r.winner.strategy} → ${r.winner.image}  ${r.winner.sizeHuman}, ${times(r.winner.reduction)} smaller than ${r.original.sizeHuman}` +
        ` (band ${r.winner.band.label} → ${r.winner.band.score} %)`,
    );
  } else {
    out.push("no candidate verified: nothing tagged");
  }
  if (r.dietDockerfile) out.push(`rewritten Dockerfile: ${r.dietDockerfile}`);
  if (r.removed.length) out.push(`removed ${r.removed.length} candidate image(s) (keep them with --keep-candidates)`);
  out.push(`done in ${r.seconds.toFixed(1)}s`);
  return out.join("\n") + "\n";
}
