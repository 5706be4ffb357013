#!/usr/bin/env node
// Issue 10's record, per stack: `imgdiet diet DIR --strategies multi-stage,slim --json --probes DIR/probes.yaml`
// on a copy of every test/fixtures/rewrite/<stack>/ (and Go: test/fixtures/go-http-server, probed over
// HTTP), with the candidates kept long enough to measure them. Records the original, rewrite
// (multi-stage) and slim sizes exactly as `docker images` reports them, the winner, the wall time, and for
// compiled stacks the program's files: the bytes the rewrite adds on top of its final stage's base
// (scratch: every file of the image), from `imgdiet analyze --json` of the rewritten image. Target: the
// rewrite within 1.1 × those bytes. Writes bench/rewrite-results.json. Needs `npm run build` first.
//
//   node bench/rewrite-stacks.mjs              # every stack
//   node bench/rewrite-stacks.mjs rust c       # only these (results of the others are kept from the last run)

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { humanSize } from "../dist/units.js";
import { parseDockerfile } from "../dist/dockerfile/parse.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const cli = join(root, "dist", "cli", "main.js");
const out = join(here, "rewrite-results.json");
const fixtures = join(root, "test", "fixtures", "rewrite");
/** Stacks whose rewrite ships a compiled program (or a runtime linked for it) plus its closure. */
const COMPILED = new Set(["go", "rust", "c", "java"]);
const TARGET_RATIO = 1.1;
const HOST_CA = "/etc/ssl/certs/ca-certificates.crt";

if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
const log = (m) => process.stderr.write(`[bench rewrite] ${m}\n`);
const docker = (args) => spawnSync("docker", args, { encoding: "utf8" });

const stacks = [
  { stack: "go", dir: join(root, "test", "fixtures", "go-http-server"), probes: ["--http-probe", "8080/"] },
  ...(existsSync(fixtures) ? readdirSync(fixtures).sort() : [])
    .filter((name) => existsSync(join(fixtures, name, "Dockerfile")))
    .map((name) => ({ stack: name, dir: join(fixtures, name), probes: existsSync(join(fixtures, name, "probes.yaml")) ? ["--probes", join(fixtures, name, "probes.yaml")] : [] })),
];
const only = process.argv.slice(2);
const chosen = only.length > 0 ? stacks.filter((s) => only.includes(s.stack)) : stacks;

/** Diff ids of an image's layers, [] for scratch or an image the engine does not have. */
function layerIds(image) {
  if (image === "scratch") return [];
  const r = docker(["image", "inspect", "-f", "{{json .RootFS.Layers}}", image]);
  return r.status === 0 ? JSON.parse(r.stdout) : [];
}

/** What the rewrite adds on top of its final base: bytes of those layers, and the regular files of the whole image. */
function programFiles(image, dietDockerfile) {
  const df = parseDockerfile(readFileSync(dietDockerfile, "utf8"));
  const finalBase = df.stages.at(-1).base;
  const r = spawnSync("node", [cli, "analyze", `docker-daemon:${image}`, "--json"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`imgdiet analyze ${image} exited ${r.status}: ${r.stderr}`);
  const analysis = JSON.parse(r.stdout);
  const base = new Set(layerIds(finalBase));
  const added = analysis.layers.filter((l) => !base.has(l.diffId)).reduce((sum, l) => sum + l.size, 0);
  const imageFiles = analysis.classes.reduce((sum, c) => sum + c.bytes, 0);
  return { finalBase, programBytes: added, imageFileBytes: imageFiles };
}

function row(leaderboard, strategy) {
  const r = leaderboard.find((x) => x.strategy === strategy && !x.basedOn);
  if (!r) return { status: "not run" };
  return {
    status: r.status,
    verified: r.verified,
    ...(r.size !== undefined ? { bytes: r.size, size: humanSize(r.size) } : {}),
    seconds: r.seconds,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.firstDifference ? { firstDifference: r.firstDifference } : {}),
  };
}

function runStack({ stack, dir, probes }) {
  const work = mkdtempSync(join(tmpdir(), "imgdiet-bench-rewrite-"));
  const ctx = join(work, stack); // the context's name gives the image names: imgdiet-diet/<stack>:…
  cpSync(dir, ctx, { recursive: true });
  // Fixtures that fetch from npm trust the host's CA bundle (a TLS-intercepting proxy), as their tests do.
  if (readFileSync(join(ctx, "Dockerfile"), "utf8").includes("host-ca.crt"))
    writeFileSync(join(ctx, "host-ca.crt"), existsSync(HOST_CA) ? readFileSync(HOST_CA) : "");
  const tag = `imgdiet-bench/rewrite-${stack}:diet`;
  const args = [cli, "diet", ctx, "--strategies", "multi-stage,slim", "--json", "--keep-candidates", "-t", tag, ...probes];
  log(`${stack}: node ${args.slice(1).join(" ")}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync("node", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  const seconds = Math.round(Number(process.hrtime.bigint() - t0) / 1e8) / 10;
  const keep = r.stderr.split("\n").filter((l) => /\[multi-stage\]/.test(l)).slice(-5);
  try {
    if (r.status !== 0 && r.status !== 1) return { stack, error: `imgdiet diet exited ${r.status}: ${r.stderr.trim().split("\n").at(-1)}`, seconds };
    const result = JSON.parse(r.stdout);
    const rewrite = row(result.leaderboard, "multi-stage");
    const record = {
      stack,
      fixture: dir.slice(root.length + 1),
      original: { bytes: result.original.size, size: humanSize(result.original.size) },
      rewrite,
      slim: row(result.leaderboard, "slim"),
      winner: result.winner?.strategy ?? null,
      seconds,
      dietDockerfile: existsSync(join(ctx, "Dockerfile.diet")),
      ...(keep.length > 0 && !rewrite.verified ? { multiStageLog: keep } : {}),
    };
    const image = result.leaderboard.find((x) => x.strategy === "multi-stage")?.image;
    if (COMPILED.has(stack) && rewrite.bytes !== undefined && image && existsSync(join(ctx, "Dockerfile.diet"))) {
      const files = programFiles(image, join(ctx, "Dockerfile.diet"));
      const ratio = Math.round((rewrite.bytes / files.programBytes) * 1000) / 1000;
      record.program = { ...files, size: humanSize(files.programBytes), ratio, target: TARGET_RATIO, pass: rewrite.verified && ratio <= TARGET_RATIO };
    }
    return record;
  } finally {
    const images = [tag, "original", "multi-stage", "slim"].map((t) => (t.includes("/") ? t : `imgdiet-diet/${stack}:${t}`));
    docker(["rmi", ...images]);
    rmSync(work, { recursive: true, force: true });
  }
}

const previous = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")).stacks ?? [] : [];
const results = new Map(previous.map((s) => [s.stack, s]));
for (const s of chosen) {
  const record = runStack(s);
  results.set(s.stack, record);
  log(`${s.stack}: ${JSON.stringify(record)}`);
}
const doc = {
  what: "imgdiet diet DIR --strategies multi-stage,slim per stack (Docker Hub unreachable: debian:bookworm and golang:1.19 local, the rest from Debian packages)",
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  machine: { nproc: cpus().length, cpu: cpus()[0]?.model ?? "unknown", memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`, node: process.version, kernel: release() },
  stacks: [...results.values()].sort((a, b) => stacks.findIndex((s) => s.stack === a.stack) - stacks.findIndex((s) => s.stack === b.stack)),
};
writeFileSync(out, JSON.stringify(doc, null, 2) + "\n");
log(`wrote ${out}`);
