import type { Command } from "commander";
import { open, write } from "../image/open.js";
import { meteredImage } from "../image/metered.js";
import { copyDocument } from "../image/copy-schema.js";
import { addImageOptions, openOptions, printJson } from "./common.js";
import { readMeter } from "./read-meter.js";

export function registerCopy(program: Command): void {
  const cmd = program
    .command("copy")
    .summary("copy an image between any two transports (config and layer digests kept)")
    .argument("<source>", "image reference to read")
    .argument("<destination>", "image reference to write")
    .option("--json", "print the result as one JSON document (schemas/copy.schema.json)")
    .option("-q, --quiet", "no progress on stderr")
    .addHelpText(
      "after",
      `
Examples:
  imgdiet copy golang:1.19 oci:./golang-layout:1.19
  imgdiet copy oci:./golang-layout:1.19 docker://localhost:5000/golang:1.19
  imgdiet copy docker-archive:app.tar oci-archive:app-oci.tar`,
    );
  addImageOptions(cmd).action(async (src: string, dst: string, o: { json?: boolean; quiet?: boolean; platform?: string; authfile?: string; insecure?: boolean }) => {
    const image = await open(src, openOptions(o));
    let r;
    try {
      // Every writer streams the layer blobs it writes: a bar of those bytes (blobs the destination
      // already has are not sent, and the bar ends short of them).
      const meter = readMeter(o.quiet, `copying to ${dst}`);
      meter?.expectBytes(image.layers.reduce((n, l) => n + l.descriptor.size, 0));
      r = await write(meter ? meteredImage(image, meter.onBytes) : image, dst, openOptions(o));
      meter?.end();
    } finally {
      await image.close();
    }
    if (o.json) printJson(copyDocument(r));
    else process.stdout.write(`${r.reference} ${r.digest}\n`);
  });
}
