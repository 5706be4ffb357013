// The size results recorded by the slim stack tests (bench/slim-stacks.mjs → bench/slim-results.json)
// and the seed diet (bench/diet.mjs → bench/diet-results.json), next to the peers' published figures.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fmt, plainRow } from "../lib.js";

export const title = "sizes: slim on real stacks (vs docker-slim's published ratios) and the examples/hash diet";
export const description =
  "Recorded by `node bench/slim-stacks.mjs`, `node bench/diet.mjs`, `node bench/rewrite-stacks.mjs` and `node bench/slim-granularity.mjs` (sizes exactly as `docker images` reports them). " +
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
  // Issue 10: multi-stage (rewrite) and slim per stack, from node bench/rewrite-stacks.mjs.
  for (const s of existsSync(join(ctx.root, "bench", "rewrite-results.json")) ? load(ctx.root, "rewrite-results.json").stacks : []) {
    if (s.error) {
      rows.push(plainRow(`rewrite ${s.stack}: diet multi-stage,slim`, s.error, "—", "—", "a verified winner", false));
      continue;
    }
    const size = (r) => (r.bytes !== undefined ? `${fmt.bytes(r.bytes)}${r.verified ? "" : ` (${r.status})`}` : r.status);
    const measured = `original ${fmt.bytes(s.original.bytes)}, rewrite ${size(s.rewrite)}, slim ${size(s.slim)}; winner ${s.winner ?? "none"}, ${s.seconds} s`;
    const program = s.program ? `program files ${fmt.bytes(s.program.programBytes)} (on ${s.program.finalBase})` : "—";
    const target = s.program ? `verified winner; rewrite ≤ ${s.program.target} × program files` : "verified winner";
    const pass = s.winner !== null && (s.program ? s.program.pass : true);
    rows.push(plainRow(`rewrite ${s.stack}: diet multi-stage,slim`, measured, program, s.program ? String(s.program.ratio) : "—", target, pass, s.rewrite.reason));
  }
  // Issue 9: what package granularity costs and what shadow probes catch, from node bench/slim-granularity.mjs.
  const interpreted = new Set(["node", "flask"]);
  for (const g of existsSync(join(ctx.root, "bench", "granularity-results.json")) ? load(ctx.root, "granularity-results.json") : []) {
    const limit = g.stack === "node" ? 15 : 10;
    const shadow = g.shadow ? `${g.probesGiven} probes given, ${g.shadow.derived} shadow derived, ${g.shadow.nondeterministic + g.shadow.originalFails} dropped, ${g.shadow.passed}/${g.shadow.ran} passed` : "no shadow counts";
    const caught = g.shadowCaughtBefore.length ? g.shadowCaughtBefore.join("; ") : "none";
    const measured = `file ${fmt.bytes(g.fileBytes)} → package ${fmt.bytes(g.packageBytes)} (+${g.price} %, ${g.packagesKept} packages, +${fmt.bytes(g.packageAddedBytes)}); ${shadow}; shadows that fail the slim of before this issue: ${caught}`;
    const pass = g.verifiedFile && g.verifiedPackage && g.price < limit;
    rows.push(plainRow(`slim ${g.stack}: file vs package granularity, shadow probes`, measured, `original ${fmt.bytes(g.originalBytes)}`, `${g.price} %`, `verified; price < ${limit} %${interpreted.has(g.stack) ? "" : " (no packages)"}`, pass));
  }
  return rows;
}
