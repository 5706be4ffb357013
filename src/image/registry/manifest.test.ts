import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { MediaType } from "../media-types.js";
import { parseManifest } from "./manifest.js";

const dg = (c: string) => "sha256:" + c.repeat(64);
const manifest = {
  schemaVersion: 2,
  mediaType: MediaType.dockerManifest,
  config: { mediaType: MediaType.dockerConfig, digest: dg("a"), size: 10 },
  layers: [{ mediaType: MediaType.dockerLayerGzip, digest: dg("b"), size: 20, extra: "dropped" }],
};
const buf = (o: unknown) => Buffer.from(JSON.stringify(o));

describe("parseManifest", () => {
  it("parses a Docker schema 2 manifest, keeping only descriptor fields", () => {
    const p = parseManifest(buf(manifest), undefined, "x");
    expect(p.kind).toBe("manifest");
    if (p.kind !== "manifest") return;
    expect(p.mediaType).toBe(MediaType.dockerManifest);
    expect(p.manifest.layers[0]).toEqual({ mediaType: MediaType.dockerLayerGzip, digest: dg("b"), size: 20 });
  });
  it("takes the media type from Content-Type when the JSON has none", () => {
    const { mediaType: _m, ...bare } = manifest;
    const p = parseManifest(buf({ ...bare, manifests: undefined }), `${MediaType.ociManifest}; charset=utf-8`, "x");
    expect(p.mediaType).toBe(MediaType.ociManifest);
    const idx = parseManifest(buf({ schemaVersion: 2, manifests: [] }), MediaType.dockerManifestList, "x");
    expect(idx).toEqual({ kind: "index", mediaType: MediaType.dockerManifestList, manifests: [] });
  });
  it("parses an OCI index with platforms", () => {
    const p = parseManifest(
      buf({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [{ mediaType: MediaType.ociManifest, digest: dg("c"), size: 5, platform: { os: "linux", architecture: "arm64", variant: "v8" } }],
      }),
      undefined,
      "x",
    );
    expect(p.kind === "index" && p.manifests[0]!.platform).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
  });
  it("rejects schema 1, bad JSON, bad digests and unknown media types", () => {
    expect(() => parseManifest(buf({ schemaVersion: 1, fsLayers: [] }), undefined, "x")).toThrow(/schema 1/);
    expect(() => parseManifest(Buffer.from("{"), undefined, "x")).toThrow(InputError);
    const bad = { ...manifest, layers: [{ mediaType: MediaType.dockerLayerGzip, digest: "sha256:zz", size: 1 }] };
    expect(() => parseManifest(buf(bad), undefined, "x")).toThrow(/layers\.0\.digest/);
    expect(() => parseManifest(buf({ ...manifest, mediaType: "application/vnd.example+json" }), undefined, "x")).toThrow(/unsupported manifest media type/);
  });
});
