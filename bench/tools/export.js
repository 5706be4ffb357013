// Stream `docker save NAME` through imgdiet's raw Engine API client (daemon/ exportImage) to /dev/null.
import { pipeline } from "node:stream/promises";
import { createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist");
const { exportImage } = await import(pathToFileURL(join(dist, "daemon", "images.js")).href);
const name = process.argv[2];
if (!name) throw new Error("usage: node bench/tools/export.js IMAGE");
await pipeline(await exportImage(name), createWriteStream("/dev/null"));
