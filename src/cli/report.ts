import type { Command } from "commander";
import { imageReport, writeHtmlReport } from "../report/html/build.js";
import { checkReportPath } from "../report/html/write-report.js";
import { addImageOptions, endProgress, openOptions, progress, toolVersion } from "./common.js";
import { readMeter } from "./read-meter.js";

export function registerReport(program: Command): void {
  const cmd = program
    .command("report")
    .summary("write a self-contained HTML report of an image: treemap, layers, waste and findings")
    .argument("<image>", "image reference (NAME[:TAG], docker-daemon:, docker-archive:, oci:, oci-archive:, docker://)")
    .option("-o, --output <file>", "where to write the page", "imgdiet-report.html")
    .option("-q, --quiet", "no progress on stderr")
    .addHelpText(
      "after",
      `
The page needs no network: open it in any browser, attach it to a CI run, mail it.

Examples:
  imgdiet report golang:1.19
  imgdiet report docker-archive:image.tar -o image.html
  imgdiet analyze app:1 --report app.html      (the same page, next to the text report)`,
    );
  addImageOptions(cmd).action(async (ref: string, o: { output: string; quiet?: boolean; platform?: string; authfile?: string; insecure?: boolean }) => {
    await checkReportPath(o.output);
    const say = progress(o.quiet);
    say?.(`reading ${ref}…`);
    const meter = readMeter(o.quiet, `reading ${ref}`);
    const data = await imageReport(ref, {
      tool: toolVersion(),
      open: openOptions(o),
      onProgress: meter?.layer,
      onBytes: meter?.onBytes,
    });
    await writeHtmlReport(o.output, data);
    endProgress(o.quiet);
    if (!o.quiet) process.stderr.write(`wrote ${o.output}\n`);
  });
}
