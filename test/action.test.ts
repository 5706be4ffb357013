/**
 * The GitHub Action (action.yml): every input a step uses is declared and every declared input is
 * used; inputs reach scripts only through `env:`; every imgdiet flag a step passes exists in that
 * command's --help of the built CLI; and the check, report and final steps' own scripts, run with
 * bash as the runner would run them, gate a real image.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CLI, must, removeImages, ROOT, sh, tempDir, type Ran } from "./helpers/run.js";

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

interface Action {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as Action;
const steps = action.runs.steps;
const IMAGE = "imgdiet-test/h7-action:1";

function step(name: string): Step {
  const s = steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step named ${name}`);
  return s;
}

/** Every `${{ … }}` expression in a value, recursively. */
function expressions(v: unknown): string[] {
  if (typeof v === "string") return [...v.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!.trim());
  if (Array.isArray(v)) return v.flatMap(expressions);
  if (v && typeof v === "object") return Object.values(v).flatMap(expressions);
  return [];
}

/** The inputs a value refers to (`inputs.NAME` in expressions and in `if:` conditions). */
function inputRefs(v: unknown): string[] {
  const text = typeof v === "string" ? v : JSON.stringify(v ?? null);
  return [...text.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
}

/** Which imgdiet command a step runs (`args=(COMMAND …)`) and the flags its script passes. */
function imgdietCall(s: Step): { command: string; flags: string[] } | undefined {
  if (!s.run?.includes("dist/cli/main.js")) return undefined;
  const command = /args=\(([a-z]+)\b/.exec(s.run)?.[1];
  if (!command) throw new Error(`step ${s.name} runs imgdiet without an args=(COMMAND …) line`);
  const flags = [...new Set([...s.run.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]))];
  return { command, flags };
}

let work: string;

/**
 * Run a step's script with bash as the runner does: its env with `${{ inputs.X }}` resolved from
 * `given` (else the input's default), GITHUB_ACTION_PATH at this checkout.
 */
function runStep(s: Step, given: Record<string, string>, extra: Record<string, string> = {}): Ran & { outputs: Record<string, string> } {
  const outputFile = join(work, `github-output-${Math.random().toString(16).slice(2)}`);
  writeFileSync(outputFile, "");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.env ?? {})) {
    env[k] = v.replace(/\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}/g, (_, name: string) => given[name] ?? action.inputs[name]?.default ?? "");
  }
  const r = sh("bash", ["-e", "-o", "pipefail", "-c", s.run!], {
    cwd: work,
    env: { ...process.env, ...env, ...extra, GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: outputFile, RUNNER_TEMP: work },
  });
  const outputs = Object.fromEntries(
    readFileSync(outputFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { ...r, outputs };
}

describe("action.yml", () => {
  it("is a composite action whose steps use only declared inputs, and every input is used", () => {
    expect(action.runs.using).toBe("composite");
    expect(action.inputs.image?.required).toBe(true);
    const used = new Set(steps.flatMap((s) => [...inputRefs(s.env), ...inputRefs(s.with), ...inputRefs(s.if ?? ""), ...inputRefs(s.run ?? "")]));
    for (const name of used) expect(Object.keys(action.inputs), `input ${name} is used but not declared`).toContain(name);
    for (const name of Object.keys(action.inputs)) expect([...used], `input ${name} is declared but never used`).toContain(name);
    for (const e of expressions(action.outputs)) expect(e).toMatch(/^steps\.check\.outputs\.(passed|exit-code)$/);
  });

  it("never splices an expression into a script: inputs reach bash through env", () => {
    for (const s of steps) {
      if (s.run) expect(expressions(s.run), `step ${s.name}`).toEqual([]);
      if (s.run) expect(s.shell, `step ${s.name} names its shell`).toBe("bash");
    }
  });

  it("passes only flags that the built CLI's --help lists for that command", () => {
    const calls = steps.map(imgdietCall).filter((c): c is NonNullable<typeof c> => c !== undefined);
    expect(calls.map((c) => c.command).sort()).toEqual(["check", "diet", "report"]);
    for (const { command, flags } of calls) {
      const help = must("node", [CLI, command, "--help"]);
      for (const flag of flags) expect(help, `imgdiet ${command} ${flag}`).toMatch(new RegExp(`(^|[\\s,])${flag}\\b`, "m"));
    }
    // Every threshold input of the check maps to a flag of the same name.
    const check = imgdietCall(step("imgdiet check"))!;
    for (const input of ["max-size", "min-efficiency", "max-wasted-bytes", "dive-ci", "fail-on", "format"]) expect(check.flags).toContain(`--${input}`);
  });
});

describe("action.yml steps, run with bash on a real image", () => {
  beforeAll(() => {
    work = tempDir("action");
    const ctx = tempDir("action-ctx");
    try {
      writeFileSync(join(ctx, "payload"), Buffer.alloc(200_000, 7));
      writeFileSync(join(ctx, "Dockerfile"), "FROM scratch\nCOPY payload /payload\n");
      must("docker", ["build", "-q", "-t", IMAGE, ctx]);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
  afterAll(() => {
    removeImages(IMAGE);
    rmSync(work, { recursive: true, force: true });
  });

  it("the check step records a pass, and the final step passes", () => {
    const r = runStep(step("imgdiet check"), { image: IMAGE, "max-size": "1MB", "min-efficiency": "0.9" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs).toEqual({ "exit-code": "0", passed: "true" });
    expect(r.stdout).toMatch(/max-size/);
    const last = step("Fail when the check failed");
    expect(sh("bash", ["-e", "-c", last.run!], { env: { ...process.env, CODE: r.outputs["exit-code"]! } }).code).toBe(0);
  });

  it("a failed rule is recorded without stopping the job early; the final step fails with it", () => {
    const out = join(work, "check.sarif");
    const r = runStep(step("imgdiet check"), { image: IMAGE, "max-size": "100KB", format: "sarif", output: out });
    expect(r.code, "the check step itself goes on to the reports").toBe(0);
    expect(r.outputs).toEqual({ "exit-code": "1", passed: "false" });
    const sarif = JSON.parse(readFileSync(out, "utf8")) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);
    const last = step("Fail when the check failed");
    const failed = sh("bash", ["-e", "-c", last.run!], { env: { ...process.env, CODE: r.outputs["exit-code"]! } });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("::error::imgdiet check failed (exit 1)");
  });

  it("a bad threshold is exit 2, not a pass", () => {
    const r = runStep(step("imgdiet check"), { image: IMAGE, "max-size": "lots" });
    expect(r.outputs).toEqual({ "exit-code": "2", passed: "false" });
  });

  it("the report step writes the HTML report into the artefact directory the upload step names", () => {
    const r = runStep(step("imgdiet report"), { image: IMAGE });
    expect(r.code, r.stderr).toBe(0);
    const page = join(work, "imgdiet-report", "image.html");
    expect(existsSync(page)).toBe(true);
    expect(readFileSync(page, "utf8")).toMatch(/^<!doctype html>/i);
    expect(step("Upload the reports").with?.path).toBe("${{ runner.temp }}/imgdiet-report/");
  });
});
