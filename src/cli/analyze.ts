import { Option, type Command } from "commander";
import { InputError } from "../errors.js";
import { analyzeScan, scanForAnalysis } from "../inspect/analyze.js";
import { IMAGE_RULES } from "../inspect/findings/index.js";
import { open } from "../image/open.js";
import { renderAnalysisText } from "../report/analysis-text.js";
import { renderJson } from "../report/json.js";
import { toSarif } from "../report/sarif.js";
import { analysisReport, writeHtmlReport } from "../report/html/build.js";
import { checkReportPath } from "../report/html/write-report.js";
import { addImageOptions, endProgress, openOptions, progress, toolVersion } from "./common.js";
import { readMeter } from "./read-meter.js";

type Format = "text" | "json" | "sarif";

/** `--json` is kept as another way to say `--format json`. */
function formatOf(o: { format?: Format; json?: boolean }): Format {
  if (o.json && o.format && o.format !== "json") throw new InputError(`--json and --format ${o.format} disagree: give one of them`);
  return o.json ? "json" : (o.format ?? "text");
}

export function registerAnalyze(program: Command): void {
  const cmd = program
    .command("analyze")
    .summary("explain why an image is fat: sizes, layers, waste, content classes and findings")
    .argument("<image>", "image reference (NAME[:TAG], docker-daemon:, docker-archive:, oci:, oci-archive:, docker://)")
    .addOption(new Option("--format <format>", "output: a readable report, one JSON document (schemas/analyze.schema.json), or SARIF 2.1.0 findings").choices(["text", "json", "sarif"]))
    .option("--json", "same as --format json")
    .option("--top <n>", "how many largest files and directories to list", "10")
    .option("--report <file>", "also write the HTML report (as imgdiet report) to this file")
    .option("-q, --quiet", "no progress on stderr")
    .addHelpText(
      "after",
      `
Examples:
  imgdiet analyze golang:1.19
  imgdiet analyze docker-archive:image.tar --top 20
  imgdiet analyze oci:./layout:app --json | jq .efficiency
  imgdiet analyze app:1 --format sarif > imgdiet.sarif
  imgdiet analyze docker://localhost:5000/team/app:1.0 --platform linux/arm64`,
    );
  addImageOptions(cmd).action(
    async (ref: string, o: { format?: Format; json?: boolean; top: string; report?: string; quiet?: boolean; platform?: string; authfile?: string; insecure?: boolean }) => {
      const format = formatOf(o);
      if (o.report) await checkReportPath(o.report);
      const say = progress(o.quiet);
      say?.(`reading ${ref}…`);
      const image = await open(ref, openOptions(o));
      try {
        const top = Number.parseInt(o.top, 10);
        const meter = readMeter(o.quiet, `reading ${ref}`);
        meter?.layer(0, image.layers.length);
        const scanned = await scanForAnalysis(image, { onProgress: meter?.layer, onBytes: meter?.onBytes });
        const a = analyzeScan(scanned, { top: Number.isFinite(top) && top > 0 ? top : 10 });
        if (o.report) await writeHtmlReport(o.report, analysisReport(scanned, a, { tool: toolVersion() }));
        endProgress(o.quiet);
        if (format === "json") process.stdout.write(renderJson(a));
        else if (format === "sarif") {
          const version = toolVersion();
          const log = toSarif({ findings: a.findings, rules: IMAGE_RULES, tool: { name: "imgdiet", ...(version ? { version } : {}) }, image: a.reference });
          process.stdout.write(renderJson(log));
        } else process.stdout.write(renderAnalysisText(a));
      } finally {
        await image.close();
      }
    },
  );
}
