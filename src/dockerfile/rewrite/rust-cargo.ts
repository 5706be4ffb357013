/**
 * What the Rust rewriter reads from a crate: the binary names (Cargo.toml `[package]` and `[[bin]]`), the
 * crates it depends on (Cargo.toml and Cargo.lock, to see whether it speaks TLS), and the `cargo`
 * command lines of the Dockerfile. A line reader of the few TOML shapes Cargo writes, not a TOML parser:
 * it only has to find names.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

export interface CargoCrate {
  /** `[package] name`, or null for a workspace root. */
  packageName: string | null;
  /** Names of the `[[bin]]` targets. */
  bins: string[];
  /** Crates named in dependency tables of Cargo.toml and packages listed in Cargo.lock. */
  crates: string[];
  /** A Cargo.lock sits beside Cargo.toml. */
  locked: boolean;
}

/** Crates that make TLS connections, which need a CA bundle unless they embed their roots. */
const TLS_CRATES = /^(rustls|rustls-native-certs|native-tls|tokio-native-tls|hyper-tls|hyper-rustls|openssl|openssl-sys|reqwest|ureq|isahc|curl|surf|attohttpc)$/;

function unquote(value: string): string {
  return value.trim().replace(/^["']|["']\s*(#.*)?$/g, "");
}

/** Reads Cargo.toml (and Cargo.lock) in `dir`; null when there is no Cargo.toml. */
export async function readCargoCrate(dir: string): Promise<CargoCrate | null> {
  const manifest = await readFile(path.join(dir, "Cargo.toml"), "utf8").catch(() => null);
  if (manifest === null) return null;
  const lock = await readFile(path.join(dir, "Cargo.lock"), "utf8").catch(() => null);
  const crate: CargoCrate = { packageName: null, bins: [], crates: [], locked: lock !== null };
  let section = "";
  for (const line of manifest.split(/\r?\n/).map((l) => l.trim())) {
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      section = line.startsWith("[[") ? `[[${header[1]}]]` : header[1];
      // `[dependencies.serde]` names the crate in its header.
      const dotted = /(^|\.)(dev-|build-)?dependencies\.([A-Za-z0-9_-]+)$/.exec(header[1]);
      if (dotted) crate.crates.push(dotted[3]);
      continue;
    }
    const entry = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!entry) continue;
    const [, key, value] = entry;
    if (section === "package" && key === "name") crate.packageName = unquote(value);
    else if (section === "[[bin]]" && key === "name") crate.bins.push(unquote(value));
    else if (/(^|\.)(dev-|build-)?dependencies$/.test(section)) crate.crates.push(key);
  }
  for (const match of (lock ?? "").matchAll(/^name\s*=\s*"([^"]+)"/gm)) crate.crates.push(match[1]);
  crate.crates = [...new Set(crate.crates)];
  return crate;
}

/** The crate that makes the program speak TLS, or undefined. */
export function tlsCrate(crate: CargoCrate | null): string | undefined {
  return crate?.crates.find((name) => TLS_CRATES.test(name));
}

/** The binary `cargo build`/`cargo run` produce by default: the single [[bin]], else the package's name. */
export function defaultBinary(crate: CargoCrate): string | null {
  if (crate.bins.length === 1) return crate.bins[0];
  return crate.packageName;
}

export interface CargoInvocation {
  /** `build`, `install`, `run`, … */
  subcommand: string;
  /** Index of the subcommand in the words. */
  at: number;
  /** Words before `--` after the subcommand. */
  options: string[];
  /** Words after `--` (the program's arguments for `cargo run`). */
  programArgs: string[];
}

/** Reads `cargo [+toolchain] SUBCOMMAND …`; null when the words are not a cargo command. */
export function parseCargo(words: readonly string[]): CargoInvocation | null {
  if (path.posix.basename(words[0] ?? "") !== "cargo") return null;
  let at = 1;
  while (at < words.length && (words[at].startsWith("+") || words[at].startsWith("-"))) at++;
  if (at >= words.length) return null;
  const rest = words.slice(at + 1);
  const dashdash = rest.indexOf("--");
  return { subcommand: words[at], at, options: dashdash < 0 ? rest : rest.slice(0, dashdash), programArgs: dashdash < 0 ? [] : rest.slice(dashdash + 1) };
}

/** The value of `--name VALUE` or `--name=VALUE` (also a short alias), or undefined. */
export function optionValue(options: readonly string[], ...names: string[]): string | undefined {
  for (let i = 0; i < options.length; i++) {
    for (const name of names) {
      if (options[i] === name) return options[i + 1];
      if (options[i].startsWith(`${name}=`)) return options[i].slice(name.length + 1);
    }
  }
  return undefined;
}

/** True when the options ask for an optimised build (`--release`, `-r`, or a `--profile`). */
export function isRelease(options: readonly string[]): boolean {
  return options.some((o) => o === "--release" || o === "-r" || o.startsWith("--profile")) || optionValue(options, "--profile") !== undefined;
}

/** The options that pick what cargo builds (features, package, binary, target), for a build added in place of `cargo run`. */
export function selectionOptions(options: readonly string[]): string[] {
  const kept: string[] = [];
  const withValue = new Set(["--features", "-F", "--package", "-p", "--bin", "--target", "--manifest-path", "--target-dir"]);
  for (let i = 0; i < options.length; i++) {
    const option = options[i];
    if (["--all-features", "--no-default-features", "--locked", "--frozen", "--offline"].includes(option)) kept.push(option);
    else if (withValue.has(option) && i + 1 < options.length) kept.push(option, options[++i]);
    else if ([...withValue].some((name) => option.startsWith(`${name}=`))) kept.push(option);
  }
  return kept;
}
