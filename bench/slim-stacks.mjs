#!/usr/bin/env node
// Slim the six real stacks of test/fixtures/slim (stacks.json) with the built CLI and record the
// reductions in bench/slim-results.json: [{stack, title, originalBytes, slimBytes, factor, verified,
// keptPaths, seconds, peer?}]. Sizes are as `docker images` counts them; `peer` is docker-slim's
// published reduction for a comparable stack. The test suite (test/slim-stacks.test.ts) writes the
// same rows to .tmp/slim-results.json, so a test run never changes a tracked file.
//
//   npm run build && node bench/slim-stacks.mjs [stack …]
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runAsync } from "./lib.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = join(root, "test", "fixtures", "slim");
const cli = join(root, "dist", "cli", "main.js");
const out = join(root, "bench", "slim-results.json");

const run = runAsync;

const { stacks } = JSON.parse(readFileSync(join(fixtures, "stacks.json"), "utf8"));
const wanted = process.argv.slice(2);
const rows = [];
for (const s of stacks) {
  if (wanted.length && !wanted.includes(s.stack)) continue;
  const image = `imgdiet-test/slim-${s.stack}:1`;
  const output = `imgdiet-test/slim-${s.stack}:slim`;
  process.stderr.write(`building ${image}\n`);
  const b = await run("docker", ["build", "-q", "-t", image, join(fixtures, s.stack)]);
  if (b.code !== 0) throw new Error(`docker build ${s.stack} failed: ${b.stderr}`);
  process.stderr.write(`slimming ${image}\n`);
  const t0 = process.hrtime.bigint();
  const r = await run("node", [cli, "slim", image, "-o", output, "--probes", join(fixtures, s.stack, "probes.yaml"), "--json"]);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!r.stdout.trim()) throw new Error(`slim ${s.stack} exited ${r.code}: ${r.stderr}`);
  const res = JSON.parse(r.stdout);
  const row = {
    stack: s.stack,
    title: s.title,
    originalBytes: res.originalSize,
    slimBytes: res.size,
    factor: Math.round((res.originalSize / res.size) * 10) / 10,
    verified: res.verify?.passed === true,
    keptPaths: res.kept.length,
    seconds: Math.round(seconds * 10) / 10,
    ...(s.peer ? { peer: { ...s.peer, factor: Math.round((s.peer.originalMB / s.peer.slimMB) * 10) / 10 } } : {}),
  };
  rows.push(row);
  process.stderr.write(
    `${s.stack}: ${(row.originalBytes / 1e6).toFixed(1)} MB → ${(row.slimBytes / 1e6).toFixed(2)} MB (${row.factor}×) ${row.verified ? "verified" : "NOT verified"} in ${row.seconds}s\n`,
  );
}
if (wanted.length === 0) writeFileSync(out, JSON.stringify(rows, null, 2) + "\n");
else process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
