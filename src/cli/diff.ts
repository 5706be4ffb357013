import type { Command } from "commander";
import { InputError } from "../errors.js";
import { open } from "../image/open.js";
import type { Image } from "../image/types.js";
import { diffImages } from "../inspect/diff-images.js";
import { renderDiffText } from "../report/diff-text.js";
import { renderJson } from "../report/json.js";
import { addImageOptions, endProgress, openOptions, progress } from "./common.js";
import { readMeter } from "./read-meter.js";

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${flag}: ${JSON.stringify(value)} is not a positive whole number`);
  return n;
}

export function registerDiff(program: Command): void {
  const cmd = program
    .command("diff")
    .summary("compare two images: files added, removed and changed, size deltas by directory and class, shared layers")
    .argument("<a>", "the first image (any reference: NAME[:TAG], docker-daemon:, docker-archive:, oci:, oci-archive:, docker://)")
    .argument("<b>", "the second image, from the same or another transport")
    .option("--mtime", "also compare modification times (off: every rebuild changes them)")
    .option("--depth <n>", "directory levels to group size deltas by", "2")
    .option("--top <n>", "paths of each kind (and directories) to list in the text report", "30")
    .option("--json", "print one JSON document (schemas/diff.schema.json) with every path")
    .option("-q, --quiet", "no progress on stderr")
    .addHelpText(
      "after",
      `
Layers the two images share (same diff_id) are read once, whatever transports they come from.

Examples:
  imgdiet diff app:1 app:2
  imgdiet diff docker://localhost:5000/app:main oci-archive:build/app.tar --json | jq '.changed[] | .path'
  imgdiet diff app:1 app:2 --mtime --depth 3`,
    );
  addImageOptions(cmd).action(
    async (refA: string, refB: string, o: { mtime?: boolean; depth: string; top: string; json?: boolean; quiet?: boolean; platform?: string; authfile?: string; insecure?: boolean }) => {
      const depth = positive(o.depth, "--depth");
      const top = positive(o.top, "--top");
      const say = progress(o.quiet);
      say?.(`reading ${refA}…`);
      const a = await open(refA, openOptions(o));
      let b: Image | undefined;
      try {
        say?.(`reading ${refB}…`);
        b = await open(refB, openOptions(o));
        const meter = readMeter(o.quiet, `reading ${refA}`);
        meter?.layer(0, a.layers.length);
        let reading: "a" | "b" = "a";
        const d = await diffImages(a, b, {
          mtime: o.mtime === true,
          depth,
          onProgress: (w, n, t) => {
            if (w !== reading) meter?.relabel(`reading ${refB}`);
            reading = w;
            meter?.layer(n, t);
          },
          onBytes: meter?.onBytes,
        });
        endProgress(o.quiet);
        process.stdout.write(o.json ? renderJson(d) : renderDiffText(d, { top }));
      } finally {
        await b?.close();
        await a.close();
      }
    },
  );
}
