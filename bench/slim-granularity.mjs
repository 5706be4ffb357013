#!/usr/bin/env node
// What "verified" costs and catches on the real stacks of test/fixtures/slim (stacks.json), recorded
// in bench/granularity-results.json for BENCHMARKS.md (suite zz-recorded):
// - slim size with --granularity file and with package (the default), and what packages added;
// - probes given, shadow probes derived / dropped / run / passed;
// - "before": slim as it was before package granularity and shadow probes (--granularity file
//   --no-shadow), then `imgdiet verify` of that image with the shadow probes on — the shadow probes
//   that fail there are the differences the old slim shipped and its probes did not see.
//
//   npm run build && node bench/slim-granularity.mjs [stack …]
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runAsync } from "./lib.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = join(root, "test", "fixtures", "slim");
const cli = join(root, "dist", "cli", "main.js");
const out = join(root, "bench", "granularity-results.json");

const run = runAsync;

async function json(args) {
  const r = await run("node", [cli, ...args, "--json"]);
  if (!r.stdout.trim()) throw new Error(`imgdiet ${args.join(" ")} exited ${r.code}: ${r.stderr.slice(-1500)}`);
  return JSON.parse(r.stdout);
}

const { stacks } = JSON.parse(readFileSync(join(fixtures, "stacks.json"), "utf8"));
const wanted = process.argv.slice(2);
const rows = [];
for (const s of stacks) {
  if (wanted.length && !wanted.includes(s.stack)) continue;
  const image = `imgdiet-test/slim-${s.stack}:1`;
  const probes = join(fixtures, s.stack, "probes.yaml");
  process.stderr.write(`building ${image}\n`);
  const b = await run("docker", ["build", "-q", "-t", image, join(fixtures, s.stack)]);
  if (b.code !== 0) throw new Error(`docker build ${s.stack} failed: ${b.stderr}`);

  const slimWith = (tag, extra) => json(["slim", image, "-o", `imgdiet-bench/granularity-${s.stack}:${tag}`, "--probes", probes, ...extra]);
  const file = await slimWith("file", ["--granularity", "file"]);
  const pkg = await slimWith("package", ["--granularity", "package"]);
  const before = await slimWith("before", ["--granularity", "file", "--no-shadow"]);
  const caught = await json(["verify", image, `imgdiet-bench/granularity-${s.stack}:before`, "--probes", probes]);
  const failedShadows = caught.probes.filter((p) => p.shadow && !p.passed).map((p) => `${p.shadow.variant} (of "${p.shadow.of}")`);
  for (const tag of ["file", "package", "before"]) await run("docker", ["rmi", "-f", `imgdiet-bench/granularity-${s.stack}:${tag}`]);

  const row = {
    stack: s.stack,
    originalBytes: pkg.originalSize,
    fileBytes: file.size,
    packageBytes: pkg.size,
    price: Math.round(((pkg.size - file.size) / file.size) * 1000) / 10,
    packagesKept: pkg.packages.length,
    packageAddedBytes: pkg.packages.reduce((n, p) => n + p.addedBytes, 0),
    verifiedFile: file.verify?.passed === true,
    verifiedPackage: pkg.verify?.passed === true,
    probesGiven: (pkg.verify?.probes ?? []).filter((v) => !v.shadow).length,
    shadow: pkg.verify?.shadow ?? null,
    shadowCaughtBefore: failedShadows,
  };
  rows.push(row);
  process.stderr.write(`${s.stack}: file ${row.fileBytes} B, package ${row.packageBytes} B (+${row.price} %), shadows ${JSON.stringify(row.shadow)}, caught before: ${failedShadows.length}\n`);
}
if (wanted.length === 0) writeFileSync(out, JSON.stringify(rows, null, 2) + "\n");
else process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
