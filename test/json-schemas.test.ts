/**
 * Output contracts: every `--json` document carries schemaVersion and follows its published JSON Schema
 * (schemas/<command>.schema.json, generated from the zod schemas and shipped in the package). Real
 * outputs of the real CLI are validated with ajv; analyze's SARIF against the SARIF 2.1.0 schema.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { generateSchemas, SCHEMAS_DIR } from "../scripts/gen-schemas.js";
import { dockerBuild, imgdietAsync, must, removeImages, ROOT, sh, tempDir } from "./helpers/run.js";

const addFormats = addFormatsModule as unknown as <T extends Ajv>(ajv: T) => T;
const COMMANDS = ["analyze", "check", "copy", "diet", "diff", "lint", "slim", "verify"];
const IMAGE = "imgdiet-test/json-schemas:1";
const SLIM = "imgdiet-test/json-schemas:slim";
const DIET = "imgdiet-test/json-schemas:diet";

const ajv = addFormats(new Ajv({ allErrors: true, strict: true }));
const validators = new Map<string, ValidateFunction>(
  COMMANDS.map((c) => [c, ajv.compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, `${c}.schema.json`), "utf8")))]),
);

/** Validate a document against its command's schema; the errors, if any, as readable lines. */
function errorsOf(command: string, doc: unknown): string[] {
  const v = validators.get(command)!;
  return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Run the CLI (without blocking the test worker), expect exit 0 and exactly one JSON document on stdout. */
async function jsonOf(args: string[]): Promise<Record<string, unknown>> {
  const r = await imgdietAsync(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("published JSON Schemas", () => {
  it("are exactly what the zod schemas generate, one per --json command", () => {
    const generated = generateSchemas();
    expect([...generated.keys()].sort()).toEqual(COMMANDS.map((c) => `${c}.schema.json`));
    expect(readdirSync(SCHEMAS_DIR).sort()).toEqual([...generated.keys()].sort());
    for (const [name, text] of generated) expect(readFileSync(join(SCHEMAS_DIR, name), "utf8"), `schemas/${name} is stale: npm run schemas`).toBe(text);
  });

  it("ship in the package", () => {
    const r = sh("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT });
    expect(r.code, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const c of COMMANDS) expect(files).toContain(`schemas/${c}.schema.json`);
  });
});

describe("real --json outputs follow their schemas", () => {
  const dir = tempDir("json-schemas");
  let analysis: Record<string, unknown>;

  beforeAll(() => {
    dockerBuild(IMAGE, 'FROM debian:bookworm\nCMD ["cat"]\n');
  });
  afterAll(() => {
    removeImages(IMAGE, SLIM, DIET);
    rmSync(dir, { recursive: true, force: true });
  });

  it("analyze: --json and --format json print the same valid document", async () => {
    analysis = await jsonOf(["analyze", "debian:bookworm", "--json", "-q"]);
    expect(analysis.schemaVersion).toBe(2);
    expect(errorsOf("analyze", analysis)).toEqual([]);
    expect((analysis.findings as unknown[]).length).toBeGreaterThan(0);
    expect(await jsonOf(["analyze", "debian:bookworm", "--format", "json", "-q"])).toEqual(analysis);
  });

  it("analyze --format sarif is a SARIF 2.1.0 log of the same findings", async () => {
    const sarifSchema = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "sarif", "sarif-2.1.0.json"), "utf8"));
    // The vendored schema uses draft-07 style `definitions` under a 2020-12 `$schema`: not strict-mode clean.
    const validateSarif = addFormats(new Ajv2020({ strict: false, allErrors: true })).compile(sarifSchema);
    const log = await jsonOf(["analyze", "debian:bookworm", "--format", "sarif", "-q"]);
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const run = (log.runs as { results: { ruleId: string; properties: { saving: number } }[]; tool: { driver: { rules: { id: string }[] } } }[])[0]!;
    const findings = analysis.findings as { ruleId: string; saving: number }[];
    expect(run.results.map((r) => [r.ruleId, r.properties.saving])).toEqual(findings.map((f) => [f.ruleId, f.saving]));
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(expect.arrayContaining(["docs-shipped", "toolchain-in-image", "deleted-still-shipped"]));
    expect((await imgdietAsync(["analyze", "debian:bookworm", "--json", "--format", "sarif"])).code).toBe(2);
  });

  it("lint", async () => {
    const dockerfile = join(ROOT, "test", "fixtures", "dockerfiles", "real-world", "python-django-apt.Dockerfile");
    const r = await imgdietAsync(["lint", dockerfile, "--format", "json", "--fail-level", "error"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc.schemaVersion).toBe(1);
    expect(errorsOf("lint", doc)).toEqual([]);
    expect((doc.findings as unknown[]).length).toBeGreaterThan(0);
  });

  it("copy", async () => {
    const doc = await jsonOf(["copy", IMAGE, `docker-archive:${join(dir, "copy.tar")}:copied:1`, "--json"]);
    expect(doc.schemaVersion).toBe(1);
    expect(errorsOf("copy", doc)).toEqual([]);
  });

  it("check: a failing gate still prints one valid document (exit 1)", async () => {
    const r = await imgdietAsync(["check", IMAGE, "--max-size", "1MB", "--min-efficiency", "0.5", "--fail-on", "info", "--no-config", "--json", "-q"]);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc.schemaVersion).toBe(1);
    expect(errorsOf("check", doc)).toEqual([]);
    expect((doc.failures as unknown[]).length).toBeGreaterThan(1);
  });

  it("diff", async () => {
    const changed = "imgdiet-test/json-schemas:h6-changed";
    dockerBuild(changed, "FROM debian:bookworm\nRUN rm -rf /usr/share/doc/apt && chmod 600 /etc/issue && echo x > /new\n");
    try {
      const doc = await jsonOf(["diff", IMAGE, changed, "--json", "-q"]);
      expect(doc.schemaVersion).toBe(1);
      expect(errorsOf("diff", doc)).toEqual([]);
      expect(doc.summary).toMatchObject({ added: 1, changed: 1 });
    } finally {
      removeImages(changed);
    }
  });

  it("slim, then verify of the slim image against the original", async () => {
    const slim = await jsonOf(["slim", IMAGE, "--probe-stdin", "abc", "-o", SLIM, "--json"]);
    expect(slim.schemaVersion).toBe(1);
    expect(errorsOf("slim", slim)).toEqual([]);
    expect((slim.verify as { passed: boolean }).passed).toBe(true);
    const verify = await jsonOf(["verify", IMAGE, SLIM, "--probe-stdin", "abc", "--json"]);
    expect(verify.schemaVersion).toBe(1);
    expect(errorsOf("verify", verify)).toEqual([]);
    expect(verify.passed).toBe(true);
  });

  it("diet", async () => {
    const r = await imgdietAsync(["diet", IMAGE, "--strategies", "slim", "--probe-stdin", "abc", "-t", DIET, "-q", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(errorsOf("diet", doc)).toEqual([]);
    expect(doc.winner.strategy).toBe("slim");
    expect(must("docker", ["image", "inspect", "-f", "{{.Size}}", DIET]).trim()).toBe(String(doc.winner.size));
  });

  it("the validator refuses documents that break the contract", () => {
    const copy = () => JSON.parse(JSON.stringify(analysis)) as Record<string, any>;
    const wrongVersion = copy();
    wrongVersion.schemaVersion = 1;
    expect(errorsOf("analyze", wrongVersion).join("\n")).toMatch(/\/schemaVersion must be equal to constant/);
    const oldFinding = copy();
    oldFinding.findings[0] = { id: "docs-shipped", title: "t", evidence: [], saving: 1, fix: "f" };
    expect(errorsOf("analyze", oldFinding).join("\n")).toMatch(/\/findings\/0 must have required property 'ruleId'/);
    const humanUnits = copy();
    humanUnits.sizeHuman = "164MB";
    expect(errorsOf("analyze", humanUnits).join("\n")).toMatch(/must NOT have additional properties.*sizeHuman/);
    const badLocation = copy();
    badLocation.findings[0].location = { kind: "file", file: "Dockerfile" };
    expect(errorsOf("analyze", badLocation)).not.toEqual([]);
    expect(errorsOf("diet", { schemaVersion: 1 })).not.toEqual([]);
  });
});
