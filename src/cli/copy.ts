import type { Command } from "commander";
import { copy } from "../image/open.js";
import { copyDocument } from "../image/copy-schema.js";
import { addImageOptions, openOptions, printJson } from "./common.js";

export function registerCopy(program: Command): void {
  const cmd = program
    .command("copy")
    .summary("copy an image between any two transports (config and layer digests kept)")
    .argument("<source>", "image reference to read")
    .argument("<destination>", "image reference to write")
    .option("--json", "print the result as one JSON document (schemas/copy.schema.json)")
    .addHelpText(
      "after",
      `
Examples:
  imgdiet copy golang:1.19 oci:./golang-layout:1.19
  imgdiet copy oci:./golang-layout:1.19 docker://localhost:5000/golang:1.19
  imgdiet copy docker-archive:app.tar oci-archive:app-oci.tar`,
    );
  addImageOptions(cmd).action(async (src: string, dst: string, o: { json?: boolean; platform?: string; authfile?: string; insecure?: boolean }) => {
    const r = await copy(src, dst, openOptions(o));
    if (o.json) printJson(copyDocument(r));
    else process.stdout.write(`${r.reference} ${r.digest}\n`);
  });
}
