// Benchmark helpers shared by every suite in bench/suites/.
//
// A row compares one measured command with a reference command run in the same script, on the
// same machine, interleaved (measured, reference, measured, reference, …) so that noise from other
// work on the machine hits both alike. Timings are the best of N runs; peak RSS is the largest seen.
//
//   import { measure, compare, fmt } from "../lib.js";
//   const row = await compare({
//     what: "slim golang:1.19 vs docker save",
//     measured: { cmd: "node", args: [ctx.cli, "slim", "golang:1.19", ...] },
//     reference: { shell: "docker save golang:1.19 > /dev/null", label: "docker save" },
//     target: { ratio: 1.5 },            // or { seconds: 2 } or { rssMB: 200 }
//     runs: ctx.runs,
//   });
//
// A suite (bench/suites/NAME.js) exports `title` and `default async function (ctx) → Row[]`;
// bench/run.js runs every suite and writes BENCHMARKS.md.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TIME = "/usr/bin/time";

/**
 * @typedef {{ cmd?: string, args?: string[], shell?: string, label?: string, env?: NodeJS.ProcessEnv, cwd?: string, expectExit?: number }} Command
 * A command: either `cmd` + `args` (no shell) or `shell` (run by /bin/sh -c). `label` names it in the table.
 *
 * @typedef {{ wall: number, user: number, sys: number, rssKB: number }} Sample
 *   wall, user and sys CPU in seconds; peak resident set size in KiB (of the process and its children).
 *
 * @typedef {{ best: Sample, samples: Sample[], peakRssKB: number }} Measurement
 *
 * @typedef {{ ratio?: number, seconds?: number, rssMB?: number }} Target
 *   ratio: measured wall ÷ reference wall must be ≤ this; seconds: measured wall ≤ this;
 *   rssMB: measured peak RSS ≤ this many MiB (reference is context only).
 *
 * @typedef {{ what: string, measured: string, reference: string, ratio: string, target: string, pass: boolean | undefined, note?: string, data?: object }} Row
 */

/** Describe a command for the table. */
export function label(c) {
  return c.label ?? c.shell ?? [c.cmd, ...(c.args ?? [])].join(" ");
}

/** Run a command once under /usr/bin/time: wall, CPU and peak RSS. Throws when it fails. */
export function runOnce(c) {
  const dir = mkdtempSync(join(tmpdir(), "imgdiet-bench-time-"));
  const out = join(dir, "time");
  try {
    const argv = c.shell !== undefined ? ["/bin/sh", "-c", c.shell] : [c.cmd, ...(c.args ?? [])];
    const start = process.hrtime.bigint();
    const r = spawnSync(TIME, ["-f", "%e %U %S %M", "-o", out, ...argv], {
      cwd: c.cwd,
      env: c.env ?? process.env,
      stdio: ["ignore", "ignore", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.error) throw r.error;
    const expect = c.expectExit ?? 0;
    if (r.status !== expect) {
      throw new Error(`${label(c)} exited ${r.status} (expected ${expect}): ${String(r.stderr).slice(-2000)}`);
    }
    const line = readFileSync(out, "utf8").trim().split("\n").at(-1) ?? "";
    const [, user, sys, rss] = line.split(/\s+/).map(Number);
    return { wall, user: user ?? NaN, sys: sys ?? NaN, rssKB: rss ?? NaN };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run a command `runs` times; best is the run with the smallest wall time. */
export function measure(c, runs = 3) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(runOnce(c));
  return summarise(samples);
}

function summarise(samples) {
  const best = samples.reduce((a, b) => (b.wall < a.wall ? b : a));
  return { best, samples, peakRssKB: Math.max(...samples.map((s) => s.rssKB)) };
}

/**
 * Measure a command and its reference interleaved (one warm-up run of each first, not counted),
 * `runs` times each, and build a table row against the target.
 *
 * @param {{ what: string, measured: Command, reference: Command, target: Target, runs?: number, warmup?: boolean, note?: string }} o
 * @returns {{ row: Row, measured: Measurement, reference: Measurement }}
 */
export function compare(o) {
  const runs = o.runs ?? 3;
  if (o.warmup !== false) {
    runOnce(o.measured);
    runOnce(o.reference);
  }
  const m = [];
  const r = [];
  for (let i = 0; i < runs; i++) {
    m.push(runOnce(o.measured));
    r.push(runOnce(o.reference));
  }
  const measured = summarise(m);
  const reference = summarise(r);
  return { row: rowFor(o, measured, reference, runs), measured, reference };
}

/** Build a row from measurements (for suites that measure in their own way). */
export function rowFor(o, measured, reference, runs) {
  const ratio = measured.best.wall / reference.best.wall;
  const t = o.target;
  let pass;
  let target;
  let shown;
  if (t.rssMB !== undefined) {
    const mb = measured.peakRssKB / 1024;
    pass = mb <= t.rssMB;
    target = `≤ ${t.rssMB} MB peak RSS`;
    shown = `${fmt.mb(measured.peakRssKB)} peak RSS (max of ${runs})`;
  } else if (t.seconds !== undefined) {
    pass = measured.best.wall <= t.seconds;
    target = `≤ ${t.seconds} s`;
    shown = `${fmt.s(measured.best.wall)} (best of ${runs}; CPU ${fmt.s(measured.best.user + measured.best.sys)})`;
  } else if (t.ratio !== undefined) {
    pass = ratio <= t.ratio;
    target = `ratio ≤ ${t.ratio}`;
    shown = `${fmt.s(measured.best.wall)} (best of ${runs}; CPU ${fmt.s(measured.best.user + measured.best.sys)})`;
  } else {
    pass = undefined;
    target = "—";
    shown = `${fmt.s(measured.best.wall)} (best of ${runs})`;
  }
  const refShown =
    t.rssMB !== undefined
      ? `${label(o.reference)}: ${fmt.mb(reference.peakRssKB)}`
      : `${label(o.reference)}: ${fmt.s(reference.best.wall)} (best of ${runs})`;
  return {
    what: o.what,
    measured: shown,
    reference: refShown,
    // For memory rows the reference is context (a tool that holds nothing): no ratio.
    ratio: t.rssMB !== undefined ? "—" : fmt.x(ratio),
    target,
    pass,
    note: o.note,
    data: { measured, reference },
  };
}

/** A row for a figure that is not a comparison of two commands (e.g. a size reduction). */
export function plainRow(what, measured, reference, ratio, target, pass, note) {
  return { what, measured, reference, ratio, target, pass, note };
}

export const fmt = {
  s: (x) => `${x.toFixed(2)} s`,
  mb: (kb) => `${(kb / 1024).toFixed(0)} MB`,
  x: (r) => (Number.isFinite(r) ? r.toFixed(2) : "—"),
  bytes: (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`),
};

function cell(s) {
  return String(s).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A markdown table of rows: what, measured, reference, ratio, target, pass/fail. */
export function table(rows) {
  const lines = ["| what | measured | reference | ratio | target | result |", "|---|---|---|---|---|---|"];
  for (const r of rows) {
    const result = r.pass === undefined ? "—" : r.pass ? "**pass**" : "**FAIL**";
    lines.push(`| ${[r.what, r.measured, r.reference, r.ratio, r.target, result].map(cell).join(" | ")} |`);
  }
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    lines.push("");
    for (const r of notes) lines.push(`- *${cell(r.what)}*: ${r.note}`);
  }
  return lines.join("\n");
}

/** Run a command to the end without blocking (the bench scripts that drive docker and the CLI): code, stdout, stderr. */
export function runAsync(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const o = [];
    const e = [];
    child.stdout.on("data", (c) => o.push(c));
    child.stderr.on("data", (c) => e.push(c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(o).toString(), stderr: Buffer.concat(e).toString() }));
  });
}
