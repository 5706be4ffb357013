import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import type { Descriptor } from "./types.js";
import { formatPlatform, hostPlatform, ociArchitecture, selectManifest } from "./platform.js";

const d = (n: number, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: "sha256:" + String(n).repeat(64).slice(0, 64),
  size: 100 + n,
  platform: variant ? { os, architecture, variant } : { os, architecture },
});

const index = [d(1, "linux", "amd64"), d(2, "linux", "arm", "v6"), d(3, "linux", "arm", "v7"), d(4, "linux", "arm64", "v8"), d(5, "unknown", "unknown")];

describe("platform selection", () => {
  it("maps Node architectures to OCI names", () => {
    expect(ociArchitecture("x64")).toBe("amd64");
    expect(ociArchitecture("arm64")).toBe("arm64");
    expect(ociArchitecture("ia32")).toBe("386");
    expect(hostPlatform().os).toBe("linux");
  });
  it("picks by os and architecture", () => {
    expect(selectManifest(index, { os: "linux", architecture: "amd64" }, "x")).toBe(index[0]);
  });
  it("treats arm64 without a variant as v8, and picks the exact arm variant", () => {
    expect(selectManifest(index, { os: "linux", architecture: "arm64" }, "x")).toBe(index[3]);
    expect(selectManifest(index, { os: "linux", architecture: "arm64", variant: "v8" }, "x")).toBe(index[3]);
    expect(selectManifest(index, { os: "linux", architecture: "arm", variant: "v6" }, "x")).toBe(index[1]);
    expect(selectManifest(index, { os: "linux", architecture: "arm", variant: "v7" }, "x")).toBe(index[2]);
    const noVariant = [d(6, "linux", "arm64")];
    expect(selectManifest(noVariant, { os: "linux", architecture: "arm64", variant: "v8" }, "x")).toBe(noVariant[0]);
  });
  it("fails with the available platforms listed (attestations left out)", () => {
    let err: unknown;
    try {
      selectManifest(index, { os: "linux", architecture: "s390x" }, "docker://r/x:1");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      "docker://r/x:1: no image for platform linux/s390x (available: linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8)",
    );
    expect(() => selectManifest(index, { os: "windows", architecture: "amd64" }, "x")).toThrow(InputError);
    expect(() => selectManifest(index, { os: "linux", architecture: "arm", variant: "v5" }, "x")).toThrow(/linux\/arm\/v5/);
  });
  it("formats platforms", () => {
    expect(formatPlatform({ os: "linux", architecture: "arm", variant: "v7" })).toBe("linux/arm/v7");
  });
});
