import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { InputError } from "../../errors.js";
import { parseIndex, type Index } from "../documents.js";
import type { Reference } from "../reference.js";
import type { Transport } from "../transport.js";
import type { Image } from "../types.js";
import { OCI_LAYOUT_FILE, blobPath, ociManifestFor, openLayout, updatedIndex, type LayoutStore } from "./oci-layout.js";

type OciRef = Extract<Reference, { transport: "oci" }>;

function dirStore(dir: string): LayoutStore {
  return {
    exists: (p) => existsSync(join(dir, p)),
    readSmall: (p) => readFile(join(dir, p)),
    stream: async (p) => createReadStream(join(dir, p), { highWaterMark: 1 << 20 }),
  };
}

async function putFile(dir: string, path: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const dest = join(dir, path);
  if (existsSync(dest)) return; // content-addressed: already there
  const tmp = `${dest}.imgdiet-tmp-${process.pid}`;
  try {
    await write(tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Write an image into an OCI layout directory (created when missing; other images kept). */
export async function writeLayoutDir(image: Image, dir: string, ref: string | undefined): Promise<string> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  for (const layer of image.layers) {
    await putFile(dir, blobPath(layer.descriptor.digest), async (tmp) => pipeline(await layer.blob(), createWriteStream(tmp)));
  }
  await putFile(dir, blobPath(image.manifest.config.digest), (tmp) => writeFile(tmp, image.rawConfig));
  const m = ociManifestFor(image);
  await putFile(dir, blobPath(m.digest), (tmp) => writeFile(tmp, m.bytes));
  await writeFile(join(dir, "oci-layout"), OCI_LAYOUT_FILE);
  let existing: Index | undefined;
  if (existsSync(join(dir, "index.json"))) existing = parseIndex(await readFile(join(dir, "index.json")), `${dir}/index.json`);
  const indexTmp = join(dir, `.index.json.imgdiet-tmp-${process.pid}`);
  await writeFile(indexTmp, updatedIndex(existing, m, ref, image.config));
  await rename(indexTmp, join(dir, "index.json"));
  return m.digest;
}

export const ociTransport: Transport<OciRef> = {
  async open(ref, opts) {
    const s = await stat(ref.path).catch(() => undefined);
    if (!s?.isDirectory()) throw new InputError(`${ref.raw}: no OCI layout directory at ${ref.path}`);
    return openLayout(dirStore(ref.path), ref.ref, ref.raw, opts);
  },
  async write(image, ref) {
    const digest = await writeLayoutDir(image, ref.path, ref.ref);
    return { reference: ref.raw, digest };
  },
};
