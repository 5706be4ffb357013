import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { sha256 } from "../digest.js";
import { MediaType } from "../media-types.js";
import type { Compression, Image, Layer } from "../types.js";
import { baseUrl, isInsecure } from "./client.js";
import { buildManifest, completeUploadUrl, manifestFamily, mountSource } from "./push.js";

function layer(bytes: Buffer, compression: Compression, mediaType: string): Layer {
  return {
    descriptor: { mediaType, digest: sha256(bytes), size: bytes.length, annotations: { "org.example": "kept" } },
    diffId: sha256(bytes),
    compression,
    blob: async () => Readable.from([bytes]),
    uncompressed: async () => Readable.from([bytes]),
  };
}

function image(manifestMediaType: string | undefined): Image {
  const rawConfig = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}  ');
  const layers = [layer(Buffer.from("a"), "gzip", MediaType.dockerLayerGzip), layer(Buffer.from("b"), "zstd", MediaType.ociLayerZstd)];
  return {
    source: "test",
    manifest: {
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: { mediaType: MediaType.ociConfig, digest: "sha256:" + "0".repeat(64), size: 1 },
      layers: layers.map((l) => l.descriptor),
      annotations: { "org.opencontainers.image.title": "t" },
    },
    rawConfig,
    config: JSON.parse(rawConfig.toString()),
    layers,
    close: async () => undefined,
  };
}

describe("buildManifest", () => {
  it("writes an OCI manifest for an OCI source, with the config descriptor from the exact bytes", () => {
    const img = image(MediaType.ociManifest);
    const m = buildManifest(img);
    const j = JSON.parse(m.bytes.toString());
    expect(m.mediaType).toBe(MediaType.ociManifest);
    expect(m.digest).toBe(sha256(m.bytes));
    expect(j.config).toEqual({ mediaType: MediaType.ociConfig, digest: sha256(img.rawConfig), size: img.rawConfig.length });
    expect(j.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual([MediaType.ociLayerGzip, MediaType.ociLayerZstd]);
    expect(j.layers[0].annotations).toEqual({ "org.example": "kept" });
    expect(j.annotations).toEqual({ "org.opencontainers.image.title": "t" });
  });
  it("writes a Docker manifest for a Docker source, without OCI-only fields", () => {
    const m = buildManifest(image(MediaType.dockerManifest));
    const j = JSON.parse(m.bytes.toString());
    expect(j.mediaType).toBe(MediaType.dockerManifest);
    expect(j.config.mediaType).toBe(MediaType.dockerConfig);
    expect(j.layers[0]).toEqual({ mediaType: MediaType.dockerLayerGzip, digest: sha256(Buffer.from("a")), size: 1 });
    expect(j.annotations).toBeUndefined();
  });
  it("infers the family from the config media type when the manifest does not say", () => {
    const img = image(undefined);
    expect(manifestFamily(img.manifest)).toBe("oci");
    expect(manifestFamily({ ...img.manifest, config: { ...img.manifest.config, mediaType: MediaType.dockerConfig } })).toBe("docker");
  });
});

describe("upload locations", () => {
  const req = new URL("http://127.0.0.1:5000/v2/a/b/blobs/uploads/");
  const digest = "sha256:" + "f".repeat(64);
  it("resolves a relative Location and adds the digest", () => {
    expect(completeUploadUrl("/v2/a/b/blobs/uploads/123", req, digest).href).toBe(
      `http://127.0.0.1:5000/v2/a/b/blobs/uploads/123?digest=sha256%3A${"f".repeat(64)}`,
    );
  });
  it("keeps an absolute Location's host and existing query", () => {
    const u = completeUploadUrl("https://upload.example.com/up/1?_state=abc%3D%3D&x=1", req, digest);
    expect(u.origin).toBe("https://upload.example.com");
    expect(u.search).toBe(`?_state=abc%3D%3D&x=1&digest=sha256%3A${"f".repeat(64)}`);
  });
});

describe("baseUrl and isInsecure", () => {
  it("treats loopback hosts as insecure (HTTPS tried without checks, then HTTP), others only when told", () => {
    expect(isInsecure("localhost:5000")).toBe(true);
    expect(isInsecure("127.0.0.1:5000")).toBe(true);
    expect(isInsecure("[::1]:5000")).toBe(true);
    expect(isInsecure("registry.example.com")).toBe(false);
    expect(isInsecure("registry.example.com:5000", true)).toBe(true);
    expect(baseUrl("localhost:5000").href).toBe("https://localhost:5000/v2/");
    expect(baseUrl("localhost:5000", true).href).toBe("http://localhost:5000/v2/");
    expect(baseUrl("docker.io").href).toBe("https://registry-1.docker.io/v2/");
  });
});

describe("mountSource", () => {
  const target = { registry: "reg.example.com:5000", repository: "team/app" };
  it("names the source repository only for an image read from the same registry", () => {
    expect(mountSource({ source: "docker://reg.example.com:5000/team/base:1" }, target)).toBe("team/base");
    expect(mountSource({ source: "docker://reg.example.com:5000/team/app:old" }, target)).toBeUndefined();
    expect(mountSource({ source: "docker://other.example.com/team/base:1" }, target)).toBeUndefined();
    expect(mountSource({ source: "oci:/tmp/layout:x" }, target)).toBeUndefined();
    expect(mountSource({ source: "not a reference at all" }, target)).toBeUndefined();
    expect(mountSource({ source: "docker://docker.io/library/debian:12" }, { registry: "index.docker.io", repository: "me/debian" })).toBe("library/debian");
  });
});
