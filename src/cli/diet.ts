import type { Command } from "commander";
import { CheckFailed, InputError } from "../errors.js";
import { diet } from "../diet/diet.js";
import { STRATEGY_NAMES, type StrategyName } from "../diet/config.js";
import { renderLeaderboardText } from "../report/leaderboard-text.js";
import { dietDocument } from "../diet/diet-schema.js";
import { printJson, toolVersion } from "./common.js";
import { dietReport, writeHtmlReport } from "../report/html/build.js";
import { checkReportPath } from "../report/html/write-report.js";
import { addProbeOptions } from "./probe-flags.js";
import { probesFromFlags, probeTimeoutsFromFlags, type ProbeFlags } from "../probe/flags.js";

interface DietFlags extends ProbeFlags {
  file?: string;
  tag?: string;
  config?: string;
  upx?: string;
  max?: boolean;
  keepCandidates?: boolean;
  strict?: boolean;
  strategies?: string;
  json?: boolean;
  quiet?: boolean;
  report?: string;
}

function parseStrategies(list: string | undefined): StrategyName[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(STRATEGY_NAMES as readonly string[]).includes(n)) throw new InputError(`--strategies: unknown strategy ${JSON.stringify(n)} (known: ${STRATEGY_NAMES.join(", ")})`);
  }
  if (names.length === 0) throw new InputError("--strategies: give at least one strategy");
  return names as StrategyName[];
}

export function registerDiet(program: Command): void {
  const cmd = program
    .command("diet")
    .summary("try every strategy on a build context or image, verify each candidate, tag the smallest that works")
    .argument("<context|image>", "a build context directory (with a Dockerfile), or an image reference")
    .option("-f, --file <Dockerfile>", "the Dockerfile (default: CONTEXT/Dockerfile)")
    .option("-t, --tag <name>", "tag for the smallest verified image (default: NAME:diet)")
    .option("--config <file>", "diet config: base-swap table, upx, strategies (default: CONTEXT/.imgdiet.json)")
    .option("--upx <path>", "the upx binary (default: IMGDIET_UPX, the config file, or upx on PATH)")
    .option("--max", "upx --ultra-brute instead of --best (slower, smaller)")
    .option("--strategies <list>", `comma-separated strategies to run (default: all: ${STRATEGY_NAMES.join(",")})`)
    .option("--keep-candidates", "keep every candidate image (imgdiet-diet/NAME:STRATEGY)")
    .option("--strict", "verification also compares stderr")
    .option("-q, --quiet", "no progress lines on stderr")
    .option("--json", "print the leaderboard as one JSON document (schemas/diet.schema.json)")
    .option("--report <file>", "also write an HTML report: the leaderboard, the original and the winner side by side")
    .addHelpText(
      "after",
      `
Strategies:
  base-swap    the same Dockerfile on the smaller variant of its base (golang:X → golang:X-alpine, …)
  slim         keep only the files the program reaches and touches under the probes
  multi-stage  rewrite to a builder stage + minimal final stage, written next to the Dockerfile as Dockerfile.diet
  strip-upx    strip, then upx, the program's binaries in the best verified candidate

Every candidate is verified against the original with the same probes (stdout, exit code, HTTP status
and body); only a verified candidate can win. Exit 0 when one verified, 1 when none did.

Examples:
  imgdiet diet . -t myapp:small
  imgdiet diet examples/hash --probe-stdin abc --probe-stdin "" --upx ./upx --max
  imgdiet diet web/ --http-probe 8080/ --json
  imgdiet diet myapp:latest`,
    );
  addProbeOptions(cmd).action(async (target: string, o: DietFlags) => {
    if (o.report) await checkReportPath(o.report);
    const probes = await probesFromFlags(o);
    const r = await diet({
      target,
      dockerfile: o.file,
      tag: o.tag,
      config: o.config,
      probes,
      probeRun: probeTimeoutsFromFlags(o),
      upx: o.upx,
      max: o.max,
      keepCandidates: o.keepCandidates,
      strict: o.strict,
      shadow: o.shadow,
      strategies: parseStrategies(o.strategies),
      onLog: o.quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
    });
    if (o.json) printJson(dietDocument(r));
    else process.stdout.write(renderLeaderboardText(r));
    if (o.report) await writeHtmlReport(o.report, await dietReport(r, { tool: toolVersion() }));
    if (!r.winner) throw new CheckFailed("no candidate verified: nothing tagged");
  });
}
