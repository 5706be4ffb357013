import { InputError } from "../../errors.js";
import { TarFileIndex } from "../../io/tar-index.js";
import { TarWriter } from "../../io/tar-writer.js";
import { writeAtomically } from "../../io/atomic.js";
import { fileSink } from "../../io/file-sink.js";
import type { Reference } from "../reference.js";
import type { Transport } from "../transport.js";
import { OCI_LAYOUT_FILE, blobPath, ociManifestFor, openLayout, updatedIndex, type LayoutStore } from "./oci-layout.js";

type OciArchiveRef = Extract<Reference, { transport: "oci-archive" }>;

/** An OCI layout packed in a tar: members are read in place by offset, never extracted. */
export const ociArchiveTransport: Transport<OciArchiveRef> = {
  async open(ref, opts) {
    const what = ref.raw;
    const index = await TarFileIndex.open(ref.path, what);
    const store: LayoutStore = {
      exists: (p) => index.has(p),
      readSmall: (p) => index.readSmall(p, what),
      stream: async (p) => {
        const m = index.resolve(p, what);
        return index.stream(m);
      },
    };
    if (!index.has("oci-layout")) throw new InputError(`${what}: not an oci-archive (no oci-layout file)`);
    return openLayout(store, ref.ref, ref.raw, opts);
  },
  async write(image, ref) {
    const m = ociManifestFor(image);
    await writeAtomically(ref.path, async (tmp) => {
      const { stream, closed } = await fileSink(tmp);
      const tar = new TarWriter(stream);
      const file = (path: string, b: Buffer) => tar.add({ path, type: "file", mode: 0o644, size: b.length }, b);
      await file("oci-layout", OCI_LAYOUT_FILE);
      await tar.add({ path: "blobs", type: "dir", mode: 0o755 });
      await tar.add({ path: "blobs/sha256", type: "dir", mode: 0o755 });
      const seen = new Set<string>();
      for (const layer of image.layers) {
        if (seen.has(layer.descriptor.digest)) continue;
        seen.add(layer.descriptor.digest);
        await tar.add({ path: blobPath(layer.descriptor.digest), type: "file", mode: 0o644, size: layer.descriptor.size }, await layer.blob());
      }
      await file(blobPath(image.manifest.config.digest), image.rawConfig);
      await file(blobPath(m.digest), m.bytes);
      await file("index.json", updatedIndex(undefined, m, ref.ref, image.config));
      await tar.finish();
      await closed;
    });
    return { reference: ref.raw, digest: m.digest };
  },
};
