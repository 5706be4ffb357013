/**
 * Shadow probes: inputs nobody wrote. Real clients send more than the probes a user remembers — a
 * mistyped path, another encoding, HEAD, an empty input — and a slimmed image that lost the file
 * behind one of those answers (the 404 page, a locale, a help text) must not pass. From the given
 * probes, deriveShadows() makes:
 *
 * - HTTP, per probe: the same request with `Accept-Encoding: gzip, br`, and with `Accept-Language: de`;
 *   per port: GET of an unknown path (the 404 page);
 *   per probed path: HEAD and OPTIONS; per endpoint probed with a body: the same request with
 *   malformed JSON.
 * - Commands: `--help` and `--version` as the arguments (like `docker run IMG --help`), and per
 *   probe's arguments: empty stdin and one line of non-ASCII text.
 *
 * A variant that repeats a given probe or an earlier variant is left out. Pure: no engine here; the
 * baseline (baseline.ts) runs them on the original twice and keeps the ones it answers the same way.
 */
import type { CommandProbe, HttpProbe, Probe } from "./types.js";

/** A path no server is expected to have, the same on every run. */
export const UNKNOWN_PATH = "/imgdiet-shadow-no-such-path";
/** Truncated JSON: an endpoint that takes JSON must answer it with an error, and the same one after slimming. */
export const MALFORMED_JSON = '{"imgdiet": "malformed JSON';
export const NON_ASCII_LINE = "grüße, 世界 — ½ ✓\n";

function header(p: HttpProbe, name: string): string | undefined {
  const hit = Object.entries(p.headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return hit?.[1];
}

function withHeader(p: HttpProbe, name: string, value: string): Record<string, string> {
  const kept = Object.entries(p.headers ?? {}).filter(([k]) => k.toLowerCase() !== name.toLowerCase());
  return Object.fromEntries([...kept, [name, value]]);
}

/** What a probe does, ignoring its name: two probes with the same key are the same question. */
function key(p: Probe): string {
  if (p.kind === "command") return JSON.stringify(["command", p.args?.length ? p.args : null, p.stdin ?? ""]);
  const headers = Object.entries(p.headers ?? {})
    .map(([k, v]) => [k.toLowerCase(), v])
    .sort();
  return JSON.stringify(["http", p.method, p.scheme ?? "", p.port, p.path, p.body ?? null, headers]);
}

/** Derive the shadow probes of `given` (pure; see the file comment), named "VARIANT (shadow of GIVEN)". */
export function deriveShadows(given: readonly Probe[]): Probe[] {
  const seen = new Set(given.map(key));
  const out: Probe[] = [];
  const last: Probe[] = [];
  const add = (list: Probe[], of: Probe, variant: string, p: Omit<CommandProbe, "name" | "shadow"> | Omit<HttpProbe, "name" | "shadow">) => {
    const probe = { ...p, name: `${variant} (shadow of ${of.name})`, shadow: { of: of.name, variant } } as Probe;
    const k = key(probe);
    if (seen.has(k)) return;
    seen.add(k);
    list.push(probe);
  };

  for (const g of given) {
    if (g.kind !== "http") continue;
    const base = { kind: "http" as const, port: g.port, ...(g.scheme ? { scheme: g.scheme } : {}) };
    const plain = { ...base, ...(g.headers ? { headers: g.headers } : {}) };
    // First in its port's container the variants closest to the given request: the first request is
    // also the readiness poll (run.ts), and the given request is known to get an answer.
    const same = { ...plain, method: g.method, path: g.path, ...(g.body !== undefined ? { body: g.body } : {}) };
    add(out, g, "Accept-Encoding: gzip, br", { ...same, headers: withHeader(g, "Accept-Encoding", "gzip, br") });
    add(out, g, "Accept-Language: de", { ...same, headers: withHeader(g, "Accept-Language", "de") });
    add(out, g, "unknown path", { ...base, method: "GET", path: UNKNOWN_PATH });
    add(out, g, "HEAD", { ...plain, method: "HEAD", path: g.path });
    add(out, g, "OPTIONS", { ...plain, method: "OPTIONS", path: g.path });
    // Last in its port's container: a server that crashes on bad input takes no other variant with it.
    if (g.body !== undefined) {
      const json = header(g, "Content-Type") === undefined ? { ...g.headers, "Content-Type": "application/json" } : g.headers;
      add(last, g, "malformed JSON", { ...base, method: g.method, path: g.path, body: MALFORMED_JSON, ...(json ? { headers: json } : {}) });
    }
  }

  const commands = given.filter((g): g is CommandProbe => g.kind === "command");
  if (commands.length) {
    const first = commands[0]!;
    add(out, first, "--help", { kind: "command", args: ["--help"], stdin: "" });
    add(out, first, "--version", { kind: "command", args: ["--version"], stdin: "" });
  }
  for (const g of commands) {
    const args = g.args && g.args.length ? { args: g.args } : {};
    add(out, g, "empty stdin", { kind: "command", ...args, stdin: "" });
    add(out, g, "non-ASCII line", { kind: "command", ...args, stdin: NON_ASCII_LINE });
  }
  return [...out, ...last];
}
