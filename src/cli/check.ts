import { Option, type Command } from "commander";
import { CheckFailed, InputError } from "../errors.js";
import { open } from "../image/open.js";
import type { Image } from "../image/types.js";
import { check } from "../inspect/check/check.js";
import { loadThresholds, type ThresholdFlags } from "../inspect/check/load.js";
import { CHECK_RULES } from "../inspect/check/rules.js";
import { IMAGE_RULES } from "../inspect/findings/index.js";
import { renderCheckJunit } from "../report/check-junit.js";
import { renderCheckText } from "../report/check-text.js";
import { renderJson } from "../report/json.js";
import { toSarif } from "../report/sarif.js";
import { addImageOptions, endProgress, openOptions, progress, toolVersion } from "./common.js";
import { readMeter } from "./read-meter.js";

type Format = "text" | "json" | "junit" | "sarif";

interface CheckFlags extends ThresholdFlags {
  /** A file name, or false for --no-config. */
  config?: string | false;
  diveCi?: string;
  format?: Format;
  json?: boolean;
  quiet?: boolean;
  platform?: string;
  authfile?: string;
  insecure?: boolean;
}

export function registerCheck(program: Command): void {
  const cmd = program
    .command("check")
    .summary("the CI gate: fail (exit 1) when an image breaks a size, efficiency, waste, growth or findings threshold")
    .argument("<image>", "image reference (NAME[:TAG], docker-daemon:, docker-archive:, oci:, oci-archive:, docker://)")
    .option("--max-size <size>", "fail when the image is larger (e.g. 100MB, 1.5GiB, bytes)")
    .option("--min-efficiency <ratio>", "fail when dive's efficiency score is lower (0..1 or a percentage: 0.95, 95%)")
    .option("--max-wasted-bytes <size>", "fail when dive's wasted bytes are more (e.g. 20MB)")
    .option("--max-user-wasted-percent <ratio>", "fail when dive's wasted ÷ user-layer bytes is more (0..1 or a percentage)")
    .option("--max-growth <size|percent>", "fail when the image grew by more than this against --baseline (e.g. 5MB, 10%)")
    .option("--baseline <image>", "the image to measure growth against (any reference)")
    .option("--fail-on <severity>", "fail when analyze finds anything at this severity or worse (error, warning, info)")
    .option("--config <file>", "imgdiet config with a check: section (default: ./.imgdiet.yaml when present)")
    .option("--dive-ci <file>", "dive's CI rules file (default: ./.dive-ci when present)")
    .option("--no-config", "do not look for ./.imgdiet.yaml and ./.dive-ci (files named with --config or --dive-ci are still read)")
    .addOption(new Option("--format <format>", "output: readable lines, one JSON document (schemas/check.schema.json), JUnit XML, or SARIF 2.1.0").choices(["text", "json", "junit", "sarif"]))
    .option("--json", "same as --format json")
    .option("-q, --quiet", "no progress on stderr")
    .addHelpText(
      "after",
      `
Thresholds come from flags, then the check: section of .imgdiet.yaml, then .dive-ci (dive's rules,
read as dive reads them). "disabled" turns a rule off. Exit 0 when every rule passes, 1 when one fails,
2 for a bad threshold or config.

Examples:
  imgdiet check app:1 --max-size 50MB --min-efficiency 0.95
  imgdiet check app:1 --dive-ci .dive-ci --format junit > check.xml
  imgdiet check docker://localhost:5000/app:pr-12 --baseline docker://localhost:5000/app:main --max-growth 5%
  imgdiet check oci-archive:app.tar --fail-on warning --format sarif > check.sarif`,
    );
  addImageOptions(cmd).action(async (ref: string, o: CheckFlags) => {
    if (o.json && o.format && o.format !== "json") throw new InputError(`--json and --format ${o.format} disagree: give one of them`);
    const format: Format = o.json ? "json" : (o.format ?? "text");
    const flags: ThresholdFlags = {
      maxSize: o.maxSize, minEfficiency: o.minEfficiency, maxWastedBytes: o.maxWastedBytes, maxUserWastedPercent: o.maxUserWastedPercent,
      maxGrowth: o.maxGrowth, baseline: o.baseline, failOn: o.failOn,
    };
    const named = typeof o.config === "string" ? o.config : undefined;
    const loaded = await loadThresholds({ flags, config: named, diveCi: o.diveCi, cwd: o.config === false ? undefined : process.cwd() });
    for (const w of loaded.warnings) process.stderr.write(`imgdiet: warning: ${w}\n`);
    const say = progress(o.quiet);
    say?.(`reading ${ref}…`);
    const image = await open(ref, openOptions(o));
    let baseline: Image | undefined;
    try {
      const t = loaded.thresholds;
      if (t.baseline) baseline = await open(t.baseline.value, openOptions(o));
      const meter = readMeter(o.quiet, `reading ${ref}`);
      meter?.layer(0, image.layers.length);
      let reading = "image";
      const report = await check(image, t, {
        baseline,
        onProgress: (what, d, n) => {
          if (what !== reading && t.baseline) meter?.relabel(`reading ${t.baseline.value}`);
          reading = what;
          meter?.layer(d, n);
        },
        onBytes: meter?.onBytes,
      });
      endProgress(o.quiet);
      if (format === "json") process.stdout.write(renderJson(report));
      else if (format === "junit") process.stdout.write(renderCheckJunit(report));
      else if (format === "sarif") {
        const version = toolVersion();
        const log = toSarif({ findings: report.failures, rules: [...CHECK_RULES, ...IMAGE_RULES], tool: { name: "imgdiet", ...(version ? { version } : {}) }, image: report.reference });
        process.stdout.write(renderJson(log));
      } else process.stdout.write(renderCheckText(report));
      if (!report.passed) {
        const failed = report.rules.filter((r) => !r.passed).map((r) => r.rule);
        throw new CheckFailed(`check failed: ${failed.length} of ${report.rules.length} rules (${failed.join(", ")})`);
      }
    } finally {
      await baseline?.close();
      await image.close();
    }
  });
}
