/**
 * Builder-side shell steps that produce the few files a scratch image may need besides the program:
 * an /etc/passwd and /etc/group holding just the user, the CA bundle, and the shared libraries of a
 * dynamically linked (cgo) binary. Each returns the parts of one RUN line (joined with continuations).
 * Only POSIX sh, awk, cut, ldd and cp are used, so Debian and Alpine builders both work.
 */
import { quoteShellWord } from "../shell-words.js";

/** Where the builder puts what the final stage copies. */
export const OUT = "/out";
export const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

export interface UserSpec {
  user: string;
  group: string | null;
}

/** Splits a USER argument (`name`, `uid:gid`, `name:group`). */
export function parseUserSpec(spec: string): UserSpec {
  const [user, group] = spec.trim().split(":", 2);
  return { user, group: group ?? null };
}

export function isRootUser(spec: string | null): boolean {
  return spec === null || /^(root|0)(:.*)?$/.test(spec.trim());
}

/** True when the spec names a user or group (not only numeric ids): Docker must then read /etc/passwd. */
export function needsNameLookup(spec: UserSpec): boolean {
  return !/^\d+$/.test(spec.user) || (spec.group !== null && !/^\d+$/.test(spec.group));
}

/** A literal for `awk -v`, keeping `$VAR` references expandable by the builder's shell. */
function shellValue(text: string): string {
  return text.includes("$") ? `"${text.replace(/["\\`]/g, "\\$&")}"` : quoteShellWord(text);
}

/**
 * Writes OUT/etc/passwd with the first entry whose name or uid is the user, and OUT/etc/group with its
 * primary group, the named group and the groups listing the user as a member. A user missing from the
 * builder gives an empty file — the same "unknown user" the original image would have reported.
 */
export function passwdScript(spec: UserSpec): string[] {
  return [
    `mkdir -p ${OUT}/etc`,
    `&& awk -F: -v u=${shellValue(spec.user)} '($1 == u || $3 == u) && !n++' /etc/passwd > ${OUT}/etc/passwd`,
    `&& awk -F: -v g=${shellValue(spec.group ?? "")} -v gid="$(cut -d: -f4 ${OUT}/etc/passwd)" -v name="$(cut -d: -f1 ${OUT}/etc/passwd)"`,
    `'(gid != "" && $3 == gid) || (g != "" && ($1 == g || $3 == g)) || (name != "" && index("," $4 ",", "," name ","))'`,
    `/etc/group > ${OUT}/etc/group`,
  ];
}

/** Makes sure the builder has a CA bundle to copy (installs ca-certificates only when it is missing). */
export function caBundleScript(): string[] {
  return [
    `test -s ${CA_BUNDLE}`,
    `|| (apt-get update && apt-get install -y --no-install-recommends ca-certificates)`,
    `|| apk add --no-cache ca-certificates`,
  ];
}

/** Copies the ELF interpreter and every shared library `ldd` resolves for `binary` to OUT/rootfs. */
export function elfClosureScript(binary: string): string[] {
  return [
    `mkdir -p ${OUT}/rootfs`,
    `&& for lib in $(ldd ${binary} | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\\//) print $i }' | sort -u); do`,
    `mkdir -p "${OUT}/rootfs$(dirname "$lib")" && cp -L "$lib" "${OUT}/rootfs$lib" || exit 1;`,
    `done`,
  ];
}

/**
 * Copies to OUT/rootfs the ELF interpreter and shared libraries `ldd` resolves for several files at once
 * (`files` is shell text: paths, globs or `$(find …)`), leaving out libraries under `skipUnder` (a
 * runtime's own libraries, already copied with it). ldd prints a `file:` header per file: not a library.
 */
export function elfLibrariesScript(files: string, skipUnder: string): string[] {
  return [
    `mkdir -p ${OUT}/rootfs`,
    `&& for lib in $(ldd ${files} 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\\// && $i !~ /:$/) print $i }' | sort -u); do`,
    `case "$lib" in ${skipUnder}/*) continue ;; esac;`,
    `mkdir -p "${OUT}/rootfs$(dirname "$lib")" && cp -L "$lib" "${OUT}/rootfs$lib" || exit 1;`,
    `done`,
  ];
}
