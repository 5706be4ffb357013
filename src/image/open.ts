import { parseReference, type Reference } from "./reference.js";
import type { OpenOptions, Transport, WriteOptions, WriteResult } from "./transport.js";
import type { Image } from "./types.js";
import { dockerArchiveTransport } from "./transports/docker-archive.js";
import { dockerDaemonTransport } from "./transports/docker-daemon.js";
import { ociTransport } from "./transports/oci.js";
import { ociArchiveTransport } from "./transports/oci-archive.js";
import { registryTransport } from "./transports/registry.js";

function transportFor(ref: Reference): Transport {
  const t = {
    registry: registryTransport,
    "docker-daemon": dockerDaemonTransport,
    "docker-archive": dockerArchiveTransport,
    oci: ociTransport,
    "oci-archive": ociArchiveTransport,
  }[ref.transport];
  return t as Transport;
}

/** Open an image from any transport: `open("oci:./layout:app")`, `open("golang:1.19")`. */
export async function open(reference: string | Reference, opts: OpenOptions = {}): Promise<Image> {
  const ref = typeof reference === "string" ? parseReference(reference) : reference;
  return transportFor(ref).open(ref, opts);
}

/** Write an image to any transport. The input image is not changed. */
export async function write(image: Image, reference: string | Reference, opts: WriteOptions = {}): Promise<WriteResult> {
  const ref = typeof reference === "string" ? parseReference(reference) : reference;
  return transportFor(ref).write(image, ref, opts);
}

/** Copy an image between transports; config bytes and layer blobs pass through unchanged. */
export async function copy(src: string, dst: string, opts: OpenOptions & WriteOptions = {}): Promise<WriteResult> {
  const image = await open(src, opts);
  try {
    return await write(image, dst, opts);
  } finally {
    await image.close();
  }
}
