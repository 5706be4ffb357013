import type { Command } from "commander";
import { analyze } from "../inspect/analyze.js";
import { open } from "../image/open.js";
import { renderAnalysisText } from "../report/analysis-text.js";
import { addImageOptions, endProgress, openOptions, printJson, progress } from "./common.js";

export function registerAnalyze(program: Command): void {
  const cmd = program
    .command("analyze")
    .summary("explain why an image is fat: sizes, layers, waste, content classes and findings")
    .argument("<image>", "image reference (NAME[:TAG], docker-daemon:, docker-archive:, oci:, oci-archive:, docker://)")
    .option("--json", "print one JSON document (schema in README)")
    .option("--top <n>", "how many largest files and directories to list", "10")
    .option("-q, --quiet", "no progress on stderr")
    .addHelpText(
      "after",
      `
Examples:
  imgdiet analyze golang:1.19
  imgdiet analyze docker-archive:image.tar --top 20
  imgdiet analyze oci:./layout:app --json | jq .efficiency
  imgdiet analyze docker://localhost:5000/team/app:1.0 --platform linux/arm64`,
    );
  addImageOptions(cmd).action(async (ref: string, o: { json?: boolean; top: string; quiet?: boolean; platform?: string; authfile?: string; insecure?: boolean }) => {
    const say = progress(o.quiet);
    say?.(`reading ${ref}…`);
    const image = await open(ref, openOptions(o));
    try {
      const top = Number.parseInt(o.top, 10);
      const a = await analyze(image, {
        top: Number.isFinite(top) && top > 0 ? top : 10,
        onProgress: (d, t) => say?.(`layers read: ${d}/${t}`),
      });
      endProgress(o.quiet);
      if (o.json) printJson(a);
      else process.stdout.write(renderAnalysisText(a));
    } finally {
      await image.close();
    }
  });
}
