/**
 * What a jlink runtime of just the application's modules needs besides jdeps' answer, shared by the
 * Java rewriter and diet's jre-trim strategy (which sits above dockerfile/).
 */
import { posix } from "node:path";
import type { JavaLaunch } from "./java-launch.js";

/**
 * Added when the JDK has them: TLS with elliptic curves (a provider, never imported), extended
 * charsets and the zip file system (providers too), and sun.misc.Unsafe (used reflectively by many
 * libraries). Small next to the modules a program names.
 */
export const SERVICE_MODULES = ["jdk.crypto.ec", "jdk.charsets", "jdk.zipfs", "jdk.unsupported"];

/** jlink's options that keep a runtime small: no man pages, no C headers, compressed class files. */
export const JLINK_SIZE_OPTIONS = ["--no-man-pages", "--no-header-files", "--compress=2"];

/**
 * Shell that sets $strip to jlink's strip option: `--strip-debug` also strips native symbols with
 * objcopy (binutils), which a JDK image seldom has; without it only the class files' debug attributes go.
 * Safe inside an `&&` chain.
 */
export const CHOOSE_STRIP = `strip=--strip-java-debug-attributes && if command -v objcopy >/dev/null 2>&1; then strip=--strip-debug; fi`;

/** What jdeps is given: the `-jar` and every jar beside it (`tree:DIR`), or the class path. */
export function applicationCode(launch: JavaLaunch): string[] {
  if (launch.jar) {
    const dir = posix.dirname(launch.jar);
    return [launch.jar, ...(dir === "/" ? [] : [`tree:${dir}`])];
  }
  return launch.classPath;
}
