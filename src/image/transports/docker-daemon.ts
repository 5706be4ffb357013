import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { exportImage, loadImage } from "../../daemon/index.js";
import type { Reference } from "../reference.js";
import type { Transport } from "../transport.js";
import { openDockerArchiveFile, writeDockerArchive } from "./docker-archive.js";

type DaemonRef = Extract<Reference, { transport: "docker-daemon" }>;

/**
 * The local engine. Reading exports the image (`docker save` through the Engine API) to a temporary
 * docker-archive, because the export stream puts manifest.json last and layers must be random-access.
 */
export const dockerDaemonTransport: Transport<DaemonRef> = {
  async open(ref) {
    const dir = await mkdtemp(join(tmpdir(), "imgdiet-daemon-"));
    try {
      const file = join(dir, "image.tar");
      await pipeline(await exportImage(ref.name), createWriteStream(file));
      const image = await openDockerArchiveFile(file, undefined, ref.raw);
      return { ...image, close: () => rm(dir, { recursive: true, force: true }) };
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  },
  async write(image, ref) {
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    const loading = loadImage(stream);
    const writing = writeDockerArchive(image, stream, ref.name, true).catch((e: unknown) => {
      stream.destroy(e as Error);
      throw e;
    });
    await Promise.all([writing, loading]);
    return { reference: ref.name, digest: image.manifest.config.digest };
  },
};
