/**
 * Reading `go run`, `go build` and `go install` command lines: their build flags, what they build, the
 * program arguments of `go run`, and the name of the binary they produce.
 */
import path from "node:path";

/** A word of a command line: its value, and how to write it back into a shell command. */
export interface Word {
  value: string;
  raw: string;
}

export interface GoFlag {
  name: string;
  value: string | null;
  /** The words as written (one for `-x` or `-x=v`, two for `-x v`). */
  raw: string[];
}

export interface GoInvocation {
  verb: "run" | "build" | "install";
  flags: GoFlag[];
  /** Packages, or .go files. */
  targets: Word[];
  /** Arguments handed to the program (`go run` only). */
  programArgs: Word[];
}

/** Build flags that take a value (`-tags x` as well as `-tags=x`); the rest are booleans. */
const VALUE_FLAGS = new Set([
  "C", "o", "p", "asmflags", "buildmode", "compiler", "gccgoflags", "gcflags", "installsuffix", "ldflags", "mod",
  "modfile", "overlay", "pkgdir", "tags", "toolexec", "pgo", "exec", "coverpkg", "covermode",
]);

/** Parses `go <verb> …` from its words, or returns null when the words are not such a command. */
export function parseGoInvocation(words: Word[]): GoInvocation | null {
  if (words.length < 2 || path.posix.basename(words[0].value) !== "go") return null;
  const verb = words[1].value;
  if (verb !== "run" && verb !== "build" && verb !== "install") return null;
  const flags: GoFlag[] = [];
  let i = 2;
  while (i < words.length && words[i].value.startsWith("-") && words[i].value !== "-") {
    const word = words[i];
    if (word.value === "--") {
      i++;
      break;
    }
    const text = word.value.replace(/^--?/, "");
    const eq = text.indexOf("=");
    if (eq >= 0) {
      flags.push({ name: text.slice(0, eq), value: text.slice(eq + 1), raw: [word.raw] });
      i++;
    } else if (VALUE_FLAGS.has(text) && i + 1 < words.length) {
      flags.push({ name: text, value: words[i + 1].value, raw: [word.raw, words[i + 1].raw] });
      i += 2;
    } else {
      flags.push({ name: text, value: null, raw: [word.raw] });
      i++;
    }
  }
  const rest = words.slice(i);
  if (verb !== "run") return { verb, flags, targets: rest, programArgs: [] };
  let end = 0;
  if (rest.length > 0 && rest[0].value.endsWith(".go")) while (end < rest.length && rest[end].value.endsWith(".go")) end++;
  else end = Math.min(1, rest.length);
  return { verb, flags, targets: rest.slice(0, end), programArgs: rest.slice(end) };
}

export function flagValue(invocation: GoInvocation, name: string): string | null {
  return invocation.flags.filter((f) => f.name === name).at(-1)?.value ?? null;
}

/**
 * The file name `go build` gives the binary when there is no `-o`: the first file's name for a file list,
 * otherwise the last element of the package's import path (`modulePath` names the package at `.`).
 */
export function defaultBinaryName(targets: string[], modulePath: string | null, cwdName: string): string {
  const first = targets[0] ?? ".";
  if (first.endsWith(".go")) return path.posix.basename(first, ".go");
  const clean = first.replace(/@.*$/, "").replace(/\/+$/, "").replace(/\/\.\.\.$/, "");
  if (clean === "." || clean === "") {
    const element = modulePath?.split("/").filter((e) => !/^v\d+$/.test(e)).at(-1);
    return element ?? (cwdName || "app");
  }
  const elements = clean.split("/").filter((e) => e !== "." && e !== ".." && !/^v\d+$/.test(e));
  return elements.at(-1) ?? (cwdName || "app");
}
