import { endianness } from "node:os";
import { InputError } from "../errors.js";
import type { Descriptor, Platform } from "./types.js";

/** Choosing one manifest from an image index / manifest list by platform. */

/** Node's process.arch in OCI (GOARCH) spelling. */
export function ociArchitecture(nodeArch: string = process.arch): string {
  switch (nodeArch) {
    case "x64":
      return "amd64";
    case "ia32":
      return "386";
    case "ppc64":
      return endianness() === "LE" ? "ppc64le" : "ppc64";
    case "mipsel":
      return "mipsle";
    default:
      return nodeArch; // arm64, arm, s390x, riscv64, loong64, mips, ppc all match already
  }
}

/** The default platform: linux on the host's architecture (with the ARM variant for 32-bit ARM). */
export function hostPlatform(): Platform {
  const architecture = ociArchitecture();
  const p: Platform = { os: "linux", architecture };
  if (architecture === "arm") {
    const v = (process.config.variables as Record<string, unknown>).arm_version;
    if (typeof v === "string" || typeof v === "number") p.variant = `v${v}`;
  }
  return p;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** Variants that are implied when none is written (containerd's normalisation). */
function normalVariant(architecture: string, variant: string | undefined): string | undefined {
  if (architecture === "arm64") return variant === undefined || variant === "v8" ? "v8" : variant;
  if (architecture === "arm") return variant ?? "v7";
  return variant;
}

/**
 * The index entry for `wanted`: os and architecture must match; a wanted variant must match (with
 * implied defaults), and without one an entry without variant is preferred. No match is an
 * InputError listing the platforms the index offers.
 */
export function selectManifest(manifests: readonly Descriptor[], wanted: Platform, what: string): Descriptor {
  const candidates = manifests.filter((d) => d.platform && d.platform.os === wanted.os && d.platform.architecture === wanted.architecture);
  let chosen: Descriptor | undefined;
  if (wanted.variant !== undefined) {
    const v = normalVariant(wanted.architecture, wanted.variant);
    chosen = candidates.find((d) => normalVariant(d.platform!.architecture, d.platform!.variant) === v);
  } else {
    chosen = candidates.find((d) => !d.platform!.variant) ?? candidates[0];
  }
  if (chosen) return chosen;
  const available = manifests
    .map((d) => d.platform)
    .filter((p): p is Platform => !!p && p.os !== "unknown" && p.architecture !== "unknown")
    .map(formatPlatform);
  const list = available.length ? [...new Set(available)].join(", ") : "none";
  throw new InputError(`${what}: no image for platform ${formatPlatform(wanted)} (available: ${list})`);
}

/** Parse `os/arch[/variant]` as given to --platform. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant, extra] = s.split("/");
  if (!os || !architecture || extra !== undefined) {
    throw new InputError(`invalid platform ${JSON.stringify(s)}: expected os/arch[/variant]`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}
