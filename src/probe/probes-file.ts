/**
 * `--probes probes.yaml`: the probes a user wants run (YAML or JSON), and the default probes
 * derived from an image config when none are given.
 *
 *   probes:
 *     - stdin: "abc\n"                 # default command, fed "abc\n"
 *     - name: version
 *       args: ["--version"]            # or a string: "--version"
 *     - http: { port: 8080, path: /healthz }
 *     - http: { method: POST, port: 8443, scheme: https, path: /api, body: '{"a":1}', headers: { X-Token: t } }
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";
import type { ContainerConfig } from "../image/types.js";
import type { Probe } from "./types.js";
import { splitArgs } from "../dockerfile/shell-words.js";
import { headerProblem } from "./headers.js";

const httpSchema = z
  .object({
    method: z.string().regex(/^[A-Za-z]+$/, "must be an HTTP method such as GET").optional(),
    port: z.number().int().min(1).max(65535),
    path: z.string().startsWith("/", "must start with /"),
    body: z.string().optional(),
    headers: z
      .record(z.string())
      .superRefine((h, ctx) => {
        for (const [name, value] of Object.entries(h)) {
          const problem = headerProblem(name, value);
          if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: [name] });
        }
      })
      .optional(),
    scheme: z.enum(["http", "https"]).optional(),
  })
  .strict();

const probeSchema = z
  .object({
    name: z.string().min(1).optional(),
    args: z.union([z.array(z.string()), z.string()]).optional(),
    stdin: z.string().optional(),
    http: httpSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.http && (p.args !== undefined || p.stdin !== undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "a probe is either a command (args, stdin) or http, not both", path: ["http"] });
    }
  });

const fileSchema = z.object({ probes: z.array(probeSchema).min(1, "give at least one probe") }).strict();

type RawProbe = z.infer<typeof probeSchema>;

function issuePath(path: ReadonlyArray<string | number>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out || "(top level)";
}

/** Split a command line into words like sh, expanding nothing (the one shell lexer, dockerfile/shell-words). */
export { splitArgs };

function shortText(s: string, max = 24): string {
  const flat = s.replace(/\n/g, "\\n");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function generatedName(p: Probe): string {
  if (p.kind === "http") return `${p.method} ${p.path} on port ${p.port}${p.scheme === "https" ? " (https)" : ""}`;
  const parts: string[] = [];
  if (p.args && p.args.length > 0) parts.push(p.args.join(" "));
  if (p.stdin !== undefined) {
    const line = p.stdin.replace(/\n$/, "");
    parts.push(line === "" ? (p.stdin === "" ? "empty stdin" : "stdin empty line") : `stdin ${shortText(line)}`);
  }
  return parts.join(", ") || "default command";
}

function toProbe(raw: RawProbe, where: string): Probe {
  if (raw.http) {
    const h = raw.http;
    return {
      kind: "http",
      name: raw.name ?? "",
      method: (h.method ?? "GET").toUpperCase(),
      port: h.port,
      path: h.path,
      ...(h.body !== undefined ? { body: h.body } : {}),
      ...(h.headers ? { headers: h.headers } : {}),
      ...(h.scheme ? { scheme: h.scheme } : {}),
    };
  }
  let args: string[] | undefined;
  if (typeof raw.args === "string") {
    try {
      args = splitArgs(raw.args);
    } catch (e) {
      throw new InputError(`${where}.args: ${(e as Error).message}`);
    }
  } else {
    args = raw.args;
  }
  return {
    kind: "command",
    name: raw.name ?? "",
    ...(args !== undefined ? { args } : {}),
    ...(raw.stdin !== undefined ? { stdin: raw.stdin } : {}),
  };
}

/** Parse the text of a probes file; `source` names it in errors. */
export function parseProbes(text: string, source: string): Probe[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InputError(`${source}: not valid YAML or JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${source}: ${issuePath(issue.path)}: ${issue.message}`);
  }
  const probes: Probe[] = [];
  const names = new Set<string>();
  parsed.data.probes.forEach((raw, i) => {
    const where = `${source}: probes[${i}]`;
    const probe = toProbe(raw, where);
    if (raw.name !== undefined) {
      if (names.has(raw.name)) throw new InputError(`${where}.name: duplicate probe name "${raw.name}"`);
    } else {
      const base = generatedName(probe);
      let name = base;
      for (let n = 2; names.has(name); n++) name = `${base} #${n}`;
      probe.name = name;
    }
    names.add(probe.name);
    probes.push(probe);
  });
  return probes;
}

/** Read and validate a probes file (YAML or JSON). */
export async function loadProbesFile(path: string): Promise<Probe[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read probes file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseProbes(text, path);
}

/**
 * Probes when the user gives none: the default command once with empty stdin; for each EXPOSEd
 * TCP port a `GET /` instead. (An image that exposes a port is a server: its command does not
 * exit, so running it as a command probe could only time out and would verify nothing.)
 */
export function defaultProbes(imageConfig: { config?: ContainerConfig }): Probe[] {
  const ports = exposedTcpPorts(imageConfig.config);
  if (ports.length === 0) return [{ kind: "command", name: "default command", stdin: "" }];
  return ports.map((port) => ({ kind: "http", name: `GET / on port ${port}`, method: "GET", port, path: "/" }));
}

/** The TCP ports an image config EXPOSEs, sorted. */
export function exposedTcpPorts(config: ContainerConfig | undefined): number[] {
  return Object.keys(config?.ExposedPorts ?? {})
    .map((k) => /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null && (m[2] ?? "tcp") === "tcp")
    .map((m) => Number(m[1]))
    .filter((p, i, all) => p > 0 && p < 65536 && all.indexOf(p) === i)
    .sort((a, b) => a - b);
}

/**
 * An HTTP probe on a port the image does not EXPOSE is a mistake (a typo, the wrong image): refused
 * before anything runs. An image that exposes no port at all is not checked — many images never
 * declare EXPOSE, and `docker run -p` publishes any port regardless.
 */
export function checkExposedPorts(probes: readonly Probe[], config: ContainerConfig | undefined, image: string): void {
  const exposed = exposedTcpPorts(config);
  if (exposed.length === 0) return;
  for (const p of probes) {
    if (p.kind === "http" && !exposed.includes(p.port)) {
      throw new InputError(`probe "${p.name}": ${image} does not expose port ${p.port} (it exposes ${exposed.join(", ")})`);
    }
  }
}
