// Issue 2, "Speed and memory": imgdiet analyze of the 1.1 GB golang:1.19 image from an OCI layout
// with gzip layers (against zcat of the same blobs) and from a docker-archive (against 2 s and cat),
// peak RSS of both; and the engine export (docker-daemon transport) against curl on the socket.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compare, fmt, measure, rowFor } from "../lib.js";

export const title = "analyze: golang:1.19 (1.1 GB) from an OCI layout (gzip) and a docker-archive";
export const description =
  "`imgdiet analyze REF --json > /dev/null` reads every layer, verifies the blob digest and the diff_id of each, " +
  "parses all tar headers and sniffs ELF headers. References are run in the same script: `zcat` of the same gzip " +
  "layer blobs one after the other (what analyze must at least do: decompress), and `cat` of the archive.";

const IMAGE = "golang:1.19";
const EXPORT_IMAGE = IMAGE; // present wherever the suite runs (scripts/base-images.sh makes it)

function sh(cmd, args) {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 }).trim();
}

function imageId(ref) {
  return sh("docker", ["image", "inspect", "-f", "{{.Id}}", ref]);
}

/** A cached fixture: rebuilt when the image it came from changed. */
function cached(path, id, make) {
  const marker = `${path}.image-id`;
  if (existsSync(path) && existsSync(marker) && readFileSync(marker, "utf8") === id) return path;
  rmSync(path, { recursive: true, force: true });
  make(path);
  writeFileSync(marker, id);
  return path;
}

function layerBlobs(dir) {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const blob = (d) => join(dir, "blobs", ...d.split(":"));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), "utf8"));
  for (const l of manifest.layers) {
    if (!/gzip/.test(l.mediaType)) throw new Error(`${dir}: layer ${l.digest} is ${l.mediaType}, not gzip`);
  }
  return manifest.layers.map((l) => blob(l.digest));
}

export default async function analyzeSuite(ctx) {
  const id = imageId(IMAGE);
  const oci = cached(join(ctx.cacheDir, "golang-1.19-oci-gzip"), id, (p) => {
    ctx.log(`skopeo copy ${IMAGE} → ${p} (gzip layers)`);
    sh("skopeo", ["copy", "--quiet", "--dest-compress-format", "gzip", "--dest-compress", `docker-daemon:${IMAGE}`, `oci:${p}:g`]);
  });
  const archive = cached(join(ctx.cacheDir, "golang-1.19.tar"), id, (p) => {
    ctx.log(`docker save ${IMAGE} → ${p}`);
    sh("docker", ["save", "-o", p, IMAGE]);
  });
  const blobs = layerBlobs(oci);
  const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  const analyze = (ref) => ({ cmd: "node", args: [ctx.cli, "analyze", ref, "--json"], label: `imgdiet analyze ${ref.replace(ctx.cacheDir + "/", "")} --json` });
  const rows = [];

  ctx.log("analyze oci (gzip) vs zcat");
  const gz = compare({
    what: `analyze ${IMAGE}, OCI layout, ${blobs.length} gzip layers: wall time vs zcat`,
    measured: analyze(`oci:${oci}:g`),
    reference: { shell: `cat ${blobs.map(q).join(" ")} | zcat > /dev/null`, label: `cat <${blobs.length} layer blobs> | zcat > /dev/null` },
    target: { ratio: 1.0 },
    runs: ctx.runs,
  });
  rows.push(gz.row);

  ctx.log("analyze docker-archive vs cat");
  const tar = compare({
    what: `analyze ${IMAGE}, docker-archive (uncompressed): wall time`,
    measured: analyze(`docker-archive:${archive}`),
    reference: { shell: `cat ${q(archive)} > /dev/null`, label: "cat archive > /dev/null" },
    target: { seconds: 2 },
    runs: ctx.runs,
  });
  rows.push({ ...tar.row, note: "the target is absolute (2 s); the ratio to `cat` of the archive is context: analyze must also hash every byte (sha256) and parse every tar header." });

  rows.push(rowFor({ what: `analyze ${IMAGE}, OCI layout (gzip): peak RSS`, reference: { label: "cat … | zcat" }, target: { rssMB: 200 } }, gz.measured, gz.reference, ctx.runs));
  rows.push(rowFor({ what: `analyze ${IMAGE}, docker-archive: peak RSS`, reference: { label: "cat" }, target: { rssMB: 200 } }, tar.measured, tar.reference, ctx.runs));

  ctx.log(`engine export of ${EXPORT_IMAGE} vs curl`);
  const socket = (process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock").replace(/^unix:\/\//, "");
  const clientUrl = pathToFileURL(join(ctx.root, "dist", "engine", "client.js")).href;
  const startup = measure({ cmd: "node", args: ["--input-type=module", "-e", `await import(${JSON.stringify(clientUrl)})`] }, ctx.runs);
  const size = Number(sh("docker", ["image", "inspect", "-f", "{{.Size}}", EXPORT_IMAGE]));
  const exp = compare({
    what: `docker-daemon read: exportImage("${EXPORT_IMAGE}") (${(size / 1e9).toFixed(2)} GB) to /dev/null vs curl on the socket`,
    measured: { cmd: "node", args: [join(ctx.root, "bench", "tools", "export.js"), EXPORT_IMAGE], label: `node bench/tools/export.js ${EXPORT_IMAGE}` },
    reference: { shell: `curl -sf --unix-socket ${q(socket)} http://localhost/images/${EXPORT_IMAGE}/get > /dev/null`, label: `curl --unix-socket … /images/${EXPORT_IMAGE}/get > /dev/null` },
    target: { ratio: 1.1 },
    runs: ctx.runs,
  });
  rows.push({
    ...exp.row,
    note:
      `includes ${fmt.s(startup.best.wall)} of node start-up and module loading that curl does not pay ` +
      `(without it: ${fmt.x((exp.measured.best.wall - startup.best.wall) / exp.reference.best.wall)}); the engine builds the tar on the fly and is CPU-bound, ` +
      "so on 2 cores every CPU-second the reader spends is taken from it.",
  });
  return rows;
}
