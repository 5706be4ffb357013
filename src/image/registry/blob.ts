import type { Readable } from "node:stream";
import { EnvironmentError, ImgdietError, InputError } from "../../errors.js";
import { sha256, VerifyingStream } from "../digest.js";
import type { RegistryClient } from "./client.js";
import { readBody } from "./http.js";

/** Reading blobs: streamed and verified for layers, buffered (small, bounded) for configs. */

export interface BlobLocation {
  client: RegistryClient;
  repository: string;
  /** For messages, e.g. `docker://host/repo`. */
  name: string;
}

const CONFIG_LIMIT = 32 * 1024 * 1024;

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

async function getBlob(loc: BlobLocation, digest: string) {
  return loc.client.request({
    method: "GET",
    path: `${loc.repository}/blobs/${digest}`,
    scope: pullScope(loc.repository),
    ok: [200],
    followRedirects: true,
    notFound: `blob ${digest} not found in ${loc.name}`,
  });
}

/**
 * The blob as a stream that fails with an InputError naming the digest when its content does not
 * match. Nothing is buffered: bytes flow from the socket to the reader.
 */
export async function openBlob(loc: BlobLocation, digest: string, size: number): Promise<Readable> {
  const res = await getBlob(loc, digest);
  const verify = new VerifyingStream(digest, `${loc.name} blob ${digest}`, size);
  res.on("error", (e) => verify.destroy(e instanceof ImgdietError ? e : new EnvironmentError(`${loc.name} blob ${digest}: download failed: ${e.message}`)));
  // A reader that stops early must not leave the connection hanging.
  verify.on("close", () => {
    if (!res.readableEnded) res.destroy();
  });
  return res.pipe(verify);
}

/** A small blob (a config) read whole and checked against digest and size. */
export async function readSmallBlob(loc: BlobLocation, digest: string, size: number, what: string): Promise<Buffer> {
  if (size > CONFIG_LIMIT) throw new InputError(`${loc.name}: ${what} ${digest} is ${size} bytes, more than the ${CONFIG_LIMIT} allowed`);
  const res = await getBlob(loc, digest);
  const bytes = await readBody(res, CONFIG_LIMIT, `${loc.name} ${what} ${digest}`);
  const got = sha256(bytes);
  if (got !== digest) throw new InputError(`${loc.name} ${what} ${digest}: digest mismatch: got ${got}`);
  if (bytes.length !== size) throw new InputError(`${loc.name} ${what} ${digest}: size mismatch: expected ${size} bytes, got ${bytes.length}`);
  return bytes;
}
