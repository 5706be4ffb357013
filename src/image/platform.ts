import { InputError } from "../errors.js";
import type { Descriptor, Platform } from "./types.js";

const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

export function hostPlatform(): Platform {
  return { os: "linux", architecture: ARCH[process.arch] ?? process.arch };
}

/** Parse `os/arch[/variant]` as given to --platform. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant, extra] = s.split("/");
  if (!os || !architecture || extra !== undefined) {
    throw new InputError(`invalid platform ${JSON.stringify(s)}: expected os/arch[/variant]`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** Pick the manifest for a platform out of an index's descriptors. */
export function selectPlatform(manifests: readonly Descriptor[], want: Platform, where: string): Descriptor {
  const candidates = manifests.filter(
    (m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture,
  );
  const exact = want.variant ? candidates.find((m) => m.platform?.variant === want.variant) : undefined;
  const chosen = exact ?? (want.variant ? undefined : candidates[0]);
  if (!chosen) {
    const have = manifests.filter((m) => m.platform).map((m) => formatPlatform(m.platform!));
    throw new InputError(
      `${where}: no image for platform ${formatPlatform(want)} (available: ${have.join(", ") || "none"})`,
    );
  }
  return chosen;
}
