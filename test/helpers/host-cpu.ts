/**
 * The host glibc loader's own view of this CPU ($PLATFORM and the active glibc-hwcaps subdirectories),
 * from `ld.so --list-diagnostics` (glibc ≥ 2.33), so tests comparing our resolver with the host's
 * ldd can narrow the resolver to exactly this CPU.
 */
import { execFileSync } from "node:child_process";
import type { CpuVariants } from "../../src/elf/search-paths.js";

const HOST_LOADER = "/lib64/ld-linux-x86-64.so.2";

export function hostCpu(): CpuVariants {
  const text = execFileSync(HOST_LOADER, ["--list-diagnostics"], { encoding: "utf8" });
  const field = (name: string): string | undefined => text.match(new RegExp(`^${name}=(.*)$`, "m"))?.[1]?.replace(/^"|"$/g, "");
  const platform = field("dl_platform");
  const subdirs = field("dl_hwcaps_subdirs");
  const active = field("dl_hwcaps_subdirs_active");
  if (!platform || subdirs === undefined || active === undefined) throw new Error(`${HOST_LOADER} --list-diagnostics: no dl_platform / dl_hwcaps_subdirs`);
  // Each level needs the one below it, so the active subdirectories are the last N of the list.
  const list = subdirs.split(":").filter(Boolean);
  let n = 0;
  for (let mask = Number(active); mask; mask >>>= 1) n += mask & 1;
  return { platforms: [platform], hwcaps: list.slice(list.length - Math.min(n, list.length)) };
}
