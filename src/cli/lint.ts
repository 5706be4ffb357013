import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { Option, type Command } from "commander";
import { CheckFailed, InputError } from "../errors.js";
import type { Severity } from "../finding/finding.js";
import { CONFIG_FILE, parseLintConfig } from "../dockerfile/lint/config.js";
import { atLeast, lintDockerfile } from "../dockerfile/lint/lint.js";
import type { LintDocument } from "../dockerfile/lint/lint-schema.js";
import { renderDiagnostics, renderLintText } from "../dockerfile/lint/lint-text.js";
import type { BuildContextFacts } from "../dockerfile/lint/rule.js";
import { LINT_RULES } from "../dockerfile/lint/rules/index.js";
import { listContext } from "../engine/context-tar.js";
import { renderJson } from "../report/json.js";
import { toSarif } from "../report/sarif.js";
import { toolVersion } from "./common.js";

type Format = "text" | "json" | "sarif";

interface LintFlags {
  format?: Format;
  json?: boolean;
  failLevel: Severity;
  context?: string;
  config?: string;
  buildArg: string[];
  listRules?: boolean;
}

const VCS = /^(\.git|\.hg|\.svn)(\/|$)/;

/** What `docker build` would send from `dir`, after its .dockerignore (the engine's own context walk). */
async function measureContext(dir: string): Promise<BuildContextFacts> {
  const entries = await listContext(dir).catch((e: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read the build context ${dir}: ${e.code === "ENOENT" ? "no such directory" : (e.code ?? e.message)}`);
  });
  const files = entries.filter((e) => e.type === "file");
  return {
    dockerignore: existsSync(join(dir, ".dockerignore")),
    bytes: files.reduce((n, f) => n + f.size, 0),
    files: files.length,
    vcsBytes: files.filter((f) => VCS.test(f.name)).reduce((n, f) => n + f.size, 0),
  };
}

/** The path findings carry: relative to the working directory when the file is below it (what code scanning expects). */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel.split(sep).join("/") : file;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${what} ${path}: ${code === "ENOENT" ? "no such file" : (code ?? (e as Error).message)}`);
  }
}

function buildArgs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InputError(`--build-arg ${pair}: expected NAME=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export function registerLint(program: Command): void {
  program
    .command("lint")
    .summary("find what makes the image of a Dockerfile fat or broken, with line and column")
    .argument("[dockerfile]", "the Dockerfile (- for stdin)", "Dockerfile")
    .addOption(new Option("--format <format>", "output: readable lines, one JSON document (schemas/lint.schema.json), or SARIF 2.1.0").choices(["text", "json", "sarif"]))
    .option("--json", "same as --format json")
    .addOption(new Option("--fail-level <level>", "exit 1 when a finding at or above this severity is present").choices(["error", "warning", "info"]).default("warning"))
    .option("--context <dir>", "the build context to measure for COPY . (default: the Dockerfile's directory; none for stdin)")
    .option("--config <file>", `settings file (default: ${CONFIG_FILE} in the current directory, else beside the Dockerfile)`)
    .option("--build-arg <NAME=value>", "a build argument, as docker build takes it (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--list-rules", "list the rules with their id, severity and title, and exit")
    .addHelpText(
      "after",
      `
Examples:
  imgdiet lint
  imgdiet lint services/api/Dockerfile --fail-level error
  imgdiet lint Dockerfile --format sarif > lint.sarif
  cat Dockerfile | imgdiet lint - --json

Silence a rule for one instruction with "# imgdiet ignore=ID[,ID]" on the line above it, for the whole
file with "# imgdiet global ignore=ID". ${CONFIG_FILE} (lint: disable / severity) is described in docs/lint.md.`,
    )
    .action(async (file: string, o: LintFlags) => {
      if (o.json && o.format && o.format !== "json") throw new InputError(`--json and --format ${o.format} disagree: give one of them`);
      const format: Format = o.json ? "json" : (o.format ?? "text");
      if (o.listRules) {
        for (const r of LINT_RULES) process.stdout.write(`${r.id.padEnd(36)} ${r.severity.padEnd(8)} ${r.title}\n`);
        return;
      }
      const text = readText(file, "Dockerfile");
      if (text.includes("\u0000")) throw new InputError(`${file} is not a Dockerfile: it holds NUL bytes (a binary file?)`);
      const configPath = o.config ?? [CONFIG_FILE, ...(file === "-" ? [] : [join(dirname(file), CONFIG_FILE)])].find((p) => existsSync(p));
      const config = configPath ? parseLintConfig(readText(configPath, "config file"), configPath, LINT_RULES.map((r) => r.id)) : undefined;
      const contextDir = o.context ?? (file === "-" ? undefined : dirname(file));
      const context = contextDir === undefined ? undefined : await measureContext(contextDir);
      const shown = file === "-" ? "Dockerfile" : displayPath(file);
      const result = lintDockerfile(text, {
        file: shown,
        ...(context ? { context } : {}),
        ...(config ? { config } : {}),
        buildArgs: buildArgs(o.buildArg),
      });
      if (result.diagnostics.length > 0) {
        process.stderr.write(renderDiagnostics(shown, result.diagnostics));
        throw new InputError(`${shown} does not parse: ${result.diagnostics.length} problem${result.diagnostics.length === 1 ? "" : "s"}`);
      }
      const count = (s: Severity) => result.findings.filter((f) => f.severity === s).length;
      const report: LintDocument = {
        schemaVersion: 1,
        file: shown,
        findings: result.findings,
        counts: { error: count("error"), warning: count("warning"), info: count("info") },
        suppressed: result.suppressed,
      };
      if (format === "json") process.stdout.write(renderJson(report));
      else if (format === "sarif") {
        const version = toolVersion();
        process.stdout.write(renderJson(toSarif({ findings: result.findings, rules: result.rules, tool: { name: "imgdiet", ...(version ? { version } : {}) } })));
      } else process.stdout.write(renderLintText(report));
      const failing = result.findings.filter((f) => atLeast(f.severity, o.failLevel)).length;
      if (failing > 0) throw new CheckFailed(`${failing} finding${failing === 1 ? "" : "s"} at or above ${o.failLevel}`);
    });
}
