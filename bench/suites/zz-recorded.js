// The size results recorded by the slim stack tests (bench/slim-stacks.mjs → bench/slim-results.json)
// and the seed diet (bench/diet.mjs → bench/diet-results.json), next to the peers' published figures.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fmt, plainRow } from "../lib.js";

export const title = "sizes: slim on real stacks (vs docker-slim's published ratios) and the examples/hash diet";
export const description =
  "Recorded by `node bench/slim-stacks.mjs` and `node bench/diet.mjs` (sizes exactly as `docker images` reports them). " +
  "Peer figures are docker-slim's published results for the same stack, not re-measured here (Docker Hub is unreachable).";

function load(root, name) {
  const p = join(root, "bench", name);
  if (!existsSync(p)) throw new Error(`${p} is missing: run node bench/${name.replace("-results.json", name.startsWith("slim") ? "-stacks.mjs" : ".mjs")}`);
  return JSON.parse(readFileSync(p, "utf8"));
}

export default async function recorded(ctx) {
  const rows = [];
  for (const s of load(ctx.root, "slim-results.json")) {
    const peer = s.peer ? `docker-slim: ${s.peer.what} ${s.peer.originalMB}→${s.peer.slimMB} MB (${s.peer.factor}×)` : "—";
    rows.push(plainRow(`slim ${s.stack}: ${s.title}`, `${fmt.bytes(s.originalBytes)} → ${fmt.bytes(s.slimBytes)} (${s.factor}×)${s.verified ? ", verified" : ", NOT verified"}`, peer, String(s.factor), "verified", s.verified));
  }
  const d = load(ctx.root, "diet-results.json");
  for (const row of d.leaderboard) {
    const target =
      /^multi-stage$/.test(row.strategy) ? "verified; ≤ 1.01 × the stripped binary is asserted by test/diet.test.ts" : /^upx/.test(row.strategy) ? "≤ 460 KB" : "verified";
    const pass =
      row.status === "skipped" || row.status === "not-applicable"
        ? undefined
        : /^upx/.test(row.strategy)
          ? row.verified && row.bytes <= 460 * 1024
          : row.verified;
    rows.push(plainRow(`diet examples/hash: ${row.strategy}`, row.bytes ? `${row.size} (${row.bytes} B, ${row.reduction}× smaller), ${row.seconds} s` : row.status, `original ${d.original.size}`, row.reduction ? String(row.reduction) : "—", target, pass, row.reason));
  }
  rows.push(plainRow("diet examples/hash: whole run wall time", `${d.wallSeconds} s`, "—", "—", "≤ 90 s", d.wallSeconds <= 90));
  return rows;
}
