/**
 * Reading a stage's RUN steps the way the toolchain and Python rewriters need them: which steps only
 * manage distribution packages (apt-get/apt/apk install, update, clean, cache removal) and which
 * packages they install, which steps are small file chores that work in any Debian or Alpine image
 * (chmod, mkdir, useradd…), and which build something; and the RUN line that installs only the
 * packages a final stage keeps.
 */
import type { Instruction } from "../parse.js";
import { splitCommands, tokenizeShell, type ShellWord } from "../shell-words.js";

export type PackageManager = "apt" | "apk";

export interface PackageInstall {
  manager: PackageManager;
  packages: string[];
}

export interface RunStep {
  /**
   * "packages": only package management; "chore": only essential file and account tools, safe to
   * repeat in a final stage of the same base; "build": anything else (compilers, downloads, pip…).
   */
  kind: "packages" | "chore" | "build";
  installs: PackageInstall[];
  /** The chore commands of a "packages" step (`useradd app` in `apt-get install … && useradd app`), as written. */
  chores: string[];
}

/** Programs every Debian and Alpine base has, whose steps do not depend on what the build installed. */
const CHORES = new Set([
  "chmod", "chown", "chgrp", "mkdir", "ln", "cp", "mv", "rm", "touch", "echo", "printf", "true", ":",
  "useradd", "groupadd", "adduser", "addgroup", "usermod", "install", "test", "[", "set", "cd", "export",
]);
/** apt-get options that take a value as the next word. */
const APT_VALUE_OPTIONS = new Set(["-o", "--option", "-t", "--target-release", "-c", "--config-file", "-a", "--host-architecture"]);
const APK_VALUE_OPTIONS = new Set(["-t", "--virtual", "-X", "--repository", "--root", "-p", "--arch", "--keys-dir", "--repositories-file", "--cache-dir"]);
const APT_VERBS = new Set(["update", "install", "clean", "autoclean", "autoremove", "upgrade", "dist-upgrade", "full-upgrade"]);
const APK_VERBS = new Set(["add", "update", "upgrade", "cache", "del"]);
const CACHE_DIRS = /^\/(var\/lib\/apt\/lists|var\/cache\/(apt|apk|debconf)|tmp)(\/|$)/;

/** The words after `VAR=value` prefixes (`DEBIAN_FRONTEND=noninteractive apt-get …`). */
function withoutAssignments(words: ShellWord[]): ShellWord[] {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i].value)) i++;
  return words.slice(i);
}

/** Package names of an apt-get/apk command, or null when the command is not package management. */
function packageCommand(words: string[]): PackageInstall | "other-management" | null {
  const [program, ...rest] = words;
  const name = program.split("/").at(-1) ?? program;
  const apt = name === "apt-get" || name === "apt";
  if (!apt && name !== "apk") return null;
  const valueOptions = apt ? APT_VALUE_OPTIONS : APK_VALUE_OPTIONS;
  const operands: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (valueOptions.has(word)) i++;
    else if (!word.startsWith("-")) operands.push(word);
  }
  const [verb, ...packages] = operands;
  if (!verb || !(apt ? APT_VERBS : APK_VERBS).has(verb)) return null;
  if (verb === "install" || verb === "add") return { manager: apt ? "apt" : "apk", packages: packages.map((p) => p.replace(/[=:].*$/, "")) };
  return "other-management";
}

/** Cache removal after an install: `rm -rf /var/lib/apt/lists/*`, `apt-get clean`'s kin. */
function cacheRemoval(words: string[]): boolean {
  if (words[0] !== "rm") return false;
  const paths = words.slice(1).filter((w) => !w.startsWith("-"));
  return paths.length > 0 && paths.every((p) => CACHE_DIRS.test(p));
}

/** Classifies one RUN instruction (exec form and heredocs count as builds: they are not read here). */
export function readRunStep(instruction: Instruction): RunStep {
  const script = instruction.command?.form === "shell" ? instruction.command.shell : null;
  if (instruction.keyword !== "RUN" || script === null || instruction.heredocs.length > 0 || instruction.flags.length > 0)
    return { kind: "build", installs: [], chores: [] };
  const installs: PackageInstall[] = [];
  const chores: string[] = [];
  let management = false;
  for (const command of splitCommands(tokenizeShell(script))) {
    const words = withoutAssignments(command.words).map((w) => w.value);
    if (words.length === 0) continue;
    const pkg = packageCommand(words);
    if (pkg !== null) {
      management = true;
      if (pkg !== "other-management") installs.push(pkg);
    } else if (!cacheRemoval(words) && !CHORES.has(words[0])) return { kind: "build", installs, chores: [] };
    else if (!cacheRemoval(words)) chores.push(command.words.map((w) => w.raw).join(" "));
  }
  return { kind: management ? "packages" : "chore", installs, chores: management ? chores : [] };
}

/** Directories a final stage leaves out of package installs (dpkg path-exclude), unless the program reads them. */
const DOC_DIRS = ["/usr/share/doc", "/usr/share/man", "/usr/share/info", "/usr/share/locale"];

/**
 * The parts of one RUN line installing `packages` with `manager` without recommends, caches or docs;
 * with apt, those the base already has are left alone. A doc directory the program touched
 * (`touched`) is not excluded.
 */
export function runtimeInstall(manager: PackageManager, packages: readonly string[], touched: readonly string[] = []): string[] {
  if (manager === "apk") return [`RUN apk add --no-cache ${packages.join(" ")}`];
  const read = (dir: string) => touched.some((p) => p === dir || p.startsWith(`${dir}/`));
  const excluded = DOC_DIRS.filter((d) => !read(d));
  const parts: string[] = [];
  if (excluded.length > 0) {
    const rules = excluded.flatMap((d) => [`'path-exclude=${d}/*'`, ...(d === "/usr/share/doc" ? [`'path-include=${d}/*/copyright'`] : [])]);
    parts.push(`RUN printf '%s\\n' ${rules.join(" ")} > /etc/dpkg/dpkg.cfg.d/imgdiet-nodoc`, "&& apt-get update");
  } else parts.push("RUN apt-get update");
  // Naming a package the base already has would upgrade it when the archive is newer than the base:
  // only the missing ones go to apt-get.
  parts.push(
    `&& wanted="${packages.join(" ")}"`,
    `&& apt-get install -y --no-install-recommends $(for p in $wanted; do dpkg -s "$p" > /dev/null 2>&1 || echo "$p"; done)`,
    "&& apt-get clean && rm -rf /var/lib/apt/lists/*",
  );
  return parts;
}
