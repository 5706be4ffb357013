/**
 * Probe specs from command-line flag values (slim, verify and diet share them): repeatable
 * --probe-args, --probe-stdin and --http-probe, a --probes file, and the two timeouts. The commander
 * wiring is cli/probe-flags.ts.
 */
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { tokenizeShell } from "../dockerfile/shell-words.js";
import { parseHeaderLine } from "./headers.js";
import { generatedName, loadProbesFile, splitArgs } from "./probes-file.js";
import type { Probe, ProbeRunOptions } from "./types.js";

/** The probe flags' values as commander gives them. */
export interface ProbeFlags {
  probeArgs?: string[];
  probeStdin?: string[];
  httpProbe?: string[];
  probes?: string;
  probeTimeout?: string;
  readyTimeout?: string;
  /** false with --no-shadow: no derived probes (shadow.ts). */
  shadow?: boolean;
}

/** `--probe-timeout 5` / `2.5` seconds → milliseconds. */
function seconds(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`${flag} ${JSON.stringify(v)}: expected a number of seconds above 0`);
  return Math.round(n * 1000);
}

/** The probe timeouts from --probe-timeout and --ready-timeout (absent ones keep the defaults). */
export function probeTimeoutsFromFlags(o: ProbeFlags): ProbeRunOptions {
  const timeoutMs = seconds("--probe-timeout", o.probeTimeout);
  const readyTimeoutMs = seconds("--ready-timeout", o.readyTimeout);
  return { ...(timeoutMs ? { timeoutMs } : {}), ...(readyTimeoutMs ? { readyTimeoutMs } : {}) };
}

const HTTP_SYNTAX = "[METHOD] [https://]PORT[/PATH] [-H 'Name: value']... [BODY]";
/** `-H` then its word (after spaces, or a quote right away), at the start of what follows PORT/PATH. */
const HEADER_FLAG = /^-H(?:\s+|(?=['"])|$)/;

/**
 * `[METHOD] [https://]PORT[/PATH] [-H 'Name: value']... [BODY]` → an HTTP probe. Each `-H` takes one
 * shell word (quote it when the value has spaces); the body is the rest of the text, as written.
 */
export function parseHttpProbe(spec: string): Probe {
  const bad = (why: string) => new InputError(`--http-probe ${JSON.stringify(spec)}: ${why}`);
  const m = /^\s*(?:([A-Za-z]+)\s+)?(?:(https?):\/\/)?(\d{1,5})(\/\S*)?(?:\s+([\s\S]*))?$/.exec(spec);
  if (!m) throw bad(`expected ${HTTP_SYNTAX}`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw bad("bad port");
  const headers: Record<string, string> = {};
  let rest = m[5] ?? "";
  for (let h = HEADER_FLAG.exec(rest); h; h = HEADER_FLAG.exec(rest)) {
    const after = rest.slice(h[0].length);
    const word = tokenizeShell(after)[0];
    if (!word || word.kind !== "word" || !after.startsWith(word.raw)) throw bad("-H needs a header: -H 'Name: value'");
    if (word.unterminated) throw bad(`-H: unterminated ${word.unterminated} quote`);
    try {
      const [name, value] = parseHeaderLine(word.value);
      headers[name] = value;
    } catch (e) {
      throw bad((e as Error).message);
    }
    rest = after.slice(word.raw.length).replace(/^\s+/, "");
  }
  const p: Probe = {
    kind: "http",
    name: "",
    method: (m[1] ?? "GET").toUpperCase(),
    port,
    path: m[4] ?? "/",
    ...(rest ? { body: rest } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(m[2] ? { scheme: m[2] as "http" | "https" } : {}),
  };
  return { ...p, name: generatedName(p) };
}

function stdinText(v: string): string {
  if (!v.startsWith("@")) return v.endsWith("\n") ? v : v + "\n";
  try {
    return readFileSync(v.slice(1), "utf8");
  } catch (e) {
    throw new InputError(`--probe-stdin ${v}: cannot read ${v.slice(1)}: ${(e as NodeJS.ErrnoException).code}`);
  }
}

/** Probes from flags; undefined when none was given (callers then use the defaults). */
export async function probesFromFlags(o: ProbeFlags): Promise<Probe[] | undefined> {
  const probes: Probe[] = [];
  if (o.probes) probes.push(...(await loadProbesFile(o.probes)));
  for (const a of o.probeArgs ?? []) {
    let args: string[];
    try {
      args = splitArgs(a);
    } catch (e) {
      throw new InputError(`--probe-args ${JSON.stringify(a)}: ${(e as Error).message}`);
    }
    const p: Probe = { kind: "command", name: "", args };
    probes.push({ ...p, name: generatedName(p) });
  }
  for (const s of o.probeStdin ?? []) {
    const p: Probe = { kind: "command", name: "", stdin: stdinText(s) };
    probes.push({ ...p, name: generatedName(p) });
  }
  for (const h of o.httpProbe ?? []) probes.push(parseHttpProbe(h));
  // Probe names must be unique: they attribute traced files and verdicts.
  const seen = new Map<string, number>();
  for (const p of probes) {
    const n = seen.get(p.name) ?? 0;
    seen.set(p.name, n + 1);
    if (n > 0) p.name = `${p.name} #${n + 1}`;
  }
  return probes.length ? probes : undefined;
}
