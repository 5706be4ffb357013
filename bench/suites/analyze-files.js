// Issue 8, "Targets": peak RSS of `imgdiet analyze` on an image of 200 000 small files. Memory there
// follows the file count (per-layer entry lists and the merged FileTree), not the bytes, so this is
// the case that shows what one path costs.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compare } from "../lib.js";

export const title = "analyze: an image of 200 000 small files (peak RSS)";
export const description =
  "`imgdiet analyze docker-archive:… --json > /dev/null` on debian:bookworm plus one layer, made by a RUN, of " +
  "200 000 files of a few bytes in 200 directories. Memory follows the number of paths here, not their bytes. " +
  "The reference, `tar -t` of the same archive, is context only.";

export const IMAGE = "imgdiet-bench/many-files:200k";
const DOCKERFILE = `FROM debian:bookworm
RUN mkdir /many && cd /many && for d in $(seq 1 200); do mkdir $d; for f in $(seq 1 1000); do echo "$d/$f" > $d/$f; done; done
`;

function sh(cmd, args, input) {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], maxBuffer: 64 << 20 }).trim();
}

/** Build the image once, and its docker-archive once per image id. */
export function manyFilesArchive(ctx) {
  try {
    sh("docker", ["image", "inspect", IMAGE]);
  } catch {
    ctx.log(`docker build ${IMAGE} (200 000 files)`);
    sh("docker", ["build", "-q", "-t", IMAGE, "-"], DOCKERFILE);
  }
  const id = sh("docker", ["image", "inspect", "-f", "{{.Id}}", IMAGE]);
  const path = join(ctx.cacheDir, "many-files-200k.tar");
  const marker = `${path}.image-id`;
  if (!(existsSync(path) && existsSync(marker) && readFileSync(marker, "utf8") === id)) {
    rmSync(path, { force: true });
    ctx.log(`docker save ${IMAGE} → ${path}`);
    sh("docker", ["save", "-o", path, IMAGE]);
    writeFileSync(marker, id);
  }
  return path;
}

export default async function manyFilesSuite(ctx) {
  const archive = manyFilesArchive(ctx);
  const ref = `docker-archive:${archive}`;
  const r = compare({
    what: "analyze of 200 000 small files (docker-archive): peak RSS",
    measured: { cmd: "node", args: [ctx.cli, "analyze", ref, "--json"], label: "imgdiet analyze docker-archive:many-files-200k.tar --json" },
    reference: { cmd: "tar", args: ["-tf", archive], label: "tar -tf many-files-200k.tar" },
    target: { rssMB: 300 },
    runs: ctx.runs,
  });
  return [r.row];
}
