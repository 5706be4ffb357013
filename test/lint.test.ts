/**
 * `imgdiet lint` through the built CLI: exit codes by --fail-level, the three formats (SARIF validated
 * against the official SARIF 2.1.0 schema), the build context measured on a real directory, the config
 * file, and a Dockerfile that does not parse. No engine needed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Ajv } from "ajv";
import { imgdiet, ROOT, tempDir } from "./helpers/run.js";

const addFormats = addFormatsModule as unknown as <T extends Ajv>(ajv: T) => T;
const CORPUS = join(ROOT, "test", "fixtures", "dockerfiles", "real-world");

const INFO_ONLY = "FROM debian:bookworm-slim\nRUN groupadd -r app\nRUN useradd -r -g app app\nUSER app\nCMD [\"bash\"]\n";
const WARNING = "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCMD [\"node\", \"index.js\"]\n";
const ERROR = "FROM scratch\nCOPY app /app\nUSER app\nCMD /app\n";

describe("imgdiet lint", () => {
  const dir = tempDir("lint");
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  const lint = (args: string[]) => imgdiet(["lint", ...args], { cwd: dir });

  beforeAll(() => {
    write("info/Dockerfile", INFO_ONLY);
    write("warning/Dockerfile", WARNING);
    write("error/Dockerfile", ERROR);
    write("clean/Dockerfile", readFileSync(join(CORPUS, "go-scratch-clean.Dockerfile"), "utf8"));
    write("clean/.dockerignore", ".git\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("exits 1 only when a finding reaches --fail-level (default warning)", () => {
    const cases: [string, string[], number][] = [
      ["clean/Dockerfile", [], 0],
      ["clean/Dockerfile", ["--fail-level", "info"], 0],
      ["info/Dockerfile", [], 0],
      ["info/Dockerfile", ["--fail-level", "info"], 1],
      ["warning/Dockerfile", [], 1],
      ["warning/Dockerfile", ["--fail-level", "error"], 0],
      ["error/Dockerfile", ["--fail-level", "error"], 1],
    ];
    for (const [file, flags, code] of cases) {
      const r = lint([file, ...flags]);
      expect(r.code, `${file} ${flags.join(" ")}: ${r.stdout}${r.stderr}`).toBe(code);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const failed = lint(["warning/Dockerfile"]);
    expect(failed.stdout).toMatch(/^warning\/Dockerfile:1:6 warning heavy-base-image: /m);
    expect(failed.stderr).toBe("imgdiet: 1 finding at or above warning\n");
    expect(lint(["clean/Dockerfile"]).stdout).toBe("clean/Dockerfile: no findings\n");
  });

  it("writes SARIF 2.1.0 that the official schema accepts, with regions on the Dockerfile", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "sarif", "sarif-2.1.0.json"), "utf8"));
    const validate = addFormats(new Ajv2020({ strict: false, allErrors: true })).compile(schema);
    const r = lint(["error/Dockerfile", "--format", "sarif", "--fail-level", "error"]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const run = log.runs[0];
    expect(run.tool.driver.rules.length).toBeGreaterThanOrEqual(15);
    expect(run.results.map((x: { ruleId: string; level: string }) => [x.ruleId, x.level])).toEqual([
      ["scratch-user-without-passwd", "error"],
      ["shell-form-without-shell", "error"],
    ]);
    expect(run.results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "error/Dockerfile" },
      region: { startLine: 3, startColumn: 6, endLine: 3, endColumn: 9 },
    });
    expect(run.tool.driver.rules[run.results[0].ruleIndex].id).toBe("scratch-user-without-passwd");
  });

  it("measures the build context for COPY . : bytes sent, and .git bytes as the saving", () => {
    const ctx = join(dir, "ctx");
    write("ctx/Dockerfile", "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD [\"app\"]\n");
    write("ctx/app.py", "x".repeat(1000));
    write("ctx/.git/objects/pack", "y".repeat(5000));
    const r = lint(["ctx/Dockerfile", "--json", "--fail-level", "error"]);
    expect(r.code, r.stderr).toBe(0);
    const finding = JSON.parse(r.stdout).findings.find((f: { ruleId: string }) => f.ruleId === "copy-context-without-dockerignore");
    const dockerfileBytes = readFileSync(join(ctx, "Dockerfile")).length;
    expect(finding.saving).toBe(5000);
    expect(finding.message).toContain(`the context sends ${1000 + 5000 + dockerfileBytes} bytes in 3 files, 5000 bytes of them version-control data`);
    write("ctx/.dockerignore", ".git\n");
    const after = JSON.parse(lint(["ctx/Dockerfile", "--json", "--fail-level", "error"]).stdout);
    expect(after.findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain("copy-context-without-dockerignore");
  });

  it("reads .imgdiet.yaml from the working directory, and --config", () => {
    write(".imgdiet.yaml", "lint:\n  severity:\n    heavy-base-image: info\n");
    try {
      expect(lint(["warning/Dockerfile"]).code).toBe(0);
      const other = write("strict.yaml", "lint:\n  severity:\n    consecutive-run: error\n");
      expect(lint(["info/Dockerfile", "--config", other]).code).toBe(1);
      write("typo.yaml", "lint:\n  disable: [heavy-base]\n");
      const r = lint(["warning/Dockerfile", "--config", "typo.yaml"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('imgdiet: typo.yaml: unknown lint rule "heavy-base" (imgdiet lint --list-rules shows them)\n');
    } finally {
      rmSync(join(dir, ".imgdiet.yaml"));
    }
  });

  it("a Dockerfile that does not parse: every problem as file:line:col, exit 2, nothing on stdout", () => {
    write("broken/Dockerfile", "FROM debian\nRUN\nBOGUS x\nCOPY one\nCMD [\"x\"]\n");
    const r = lint(["broken/Dockerfile", "--format", "sarif"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "broken/Dockerfile:2:1: RUN needs arguments\nbroken/Dockerfile:3:1: unknown instruction BOGUS\nbroken/Dockerfile:4:1: COPY needs a source and a destination\nimgdiet: broken/Dockerfile does not parse: 3 problems\n",
    );
    expect(lint(["missing/Dockerfile"]).stderr).toBe("imgdiet: cannot read Dockerfile missing/Dockerfile: no such file\n");
    expect(lint(["missing/Dockerfile"]).code).toBe(2);
    writeFileSync(join(dir, "binary"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    expect(lint(["binary"])).toMatchObject({ code: 2, stdout: "", stderr: "imgdiet: binary is not a Dockerfile: it holds NUL bytes (a binary file?)\n" });
  });

  it("reads stdin, and an unknown stack still gets the generic rules", () => {
    const elixir = readFileSync(join(CORPUS, "elixir-phoenix-unknown-stack.Dockerfile"), "utf8");
    const r = imgdiet(["lint", "-", "--json", "--fail-level", "error"], { cwd: dir, input: elixir });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.file).toBe("Dockerfile");
    expect(doc.findings.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(["apt-lists-not-removed", "apt-no-install-recommends"]);
    expect(doc.counts).toEqual({ error: 0, warning: 2, info: 0 });
  });

  it("lists its rules", () => {
    const r = lint(["--list-rules"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^apt-no-install-recommends\s+warning\s+apt-get install without --no-install-recommends$/m);
  });
});
