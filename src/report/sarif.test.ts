/** SARIF output of findings, checked against the SARIF 2.1.0 JSON Schema (test/fixtures/sarif, vendored from npm). */
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { findingSchema, type Finding, type RuleDescriptor } from "../finding/finding.js";
import { IMAGE_ROOT, toSarif } from "./sarif.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const schema = JSON.parse(readFileSync(new URL("../../test/fixtures/sarif/sarif-2.1.0.json", import.meta.url), "utf8"));
// The vendored schema uses draft-07 style `definitions` under a 2020-12 `$schema`: not strict-mode clean.
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
const validateSarif = ajv.compile(schema);

const rules: RuleDescriptor[] = [
  { id: "toolchain-in-image", title: "A compiler toolchain ships", doc: "Build in a builder stage.", severity: "warning" },
  { id: "go-run-at-startup", title: "`go run` at every start", doc: "Build once.", severity: "error" },
  { id: "docs-shipped", title: "Docs ship", doc: "Exclude docs.", severity: "info" },
  { id: "DL3008", title: "Pin versions in apt-get install", doc: "Pin.", severity: "warning" },
];

const findings: Finding[] = [
  {
    ruleId: "toolchain-in-image", severity: "warning", title: "A compiler toolchain ships", message: "/usr/local/go/bin/go\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1",
    location: { kind: "image", path: "/usr/local/go/bin/go", layer: { index: 1, diffId: "sha256:" + "a".repeat(64) } }, saving: 554_000_000, fix: "Build in a builder stage.",
  },
  { ruleId: "go-run-at-startup", severity: "error", title: "`go run` at every start", message: "command: /bin/sh -c go run hash.go", location: { kind: "image" }, saving: 0 },
  { ruleId: "docs-shipped", severity: "info", title: "Docs ship", message: "/usr/share/doc/a b/changelog.gz", location: { kind: "image", path: "/usr/share/doc/a b/changelog.gz" } },
  { ruleId: "DL3008", severity: "warning", title: "Pin versions in apt-get install", message: "apt-get install curl", location: { kind: "file", file: "app/Dockerfile", range: { start: { line: 3, column: 1 }, end: { line: 3, column: 29 } } } },
];

describe("SARIF renderer", () => {
  const log = toSarif({ findings, rules, tool: { name: "imgdiet", version: "0.1.0" }, image: "golang:1.19" });

  it("writes a log the official SARIF 2.1.0 schema accepts", () => {
    for (const f of findings) expect(findingSchema.safeParse(f).success).toBe(true);
    const ok = validateSarif(log);
    expect(validateSarif.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("describes every rule and maps severities to SARIF levels", () => {
    const driver = log.runs[0]!.tool.driver;
    expect(driver.rules.map((r) => [r.id, r.shortDescription.text, r.defaultConfiguration.level])).toEqual([
      ["toolchain-in-image", "A compiler toolchain ships", "warning"],
      ["go-run-at-startup", "`go run` at every start", "error"],
      ["docs-shipped", "Docs ship", "note"],
      ["DL3008", "Pin versions in apt-get install", "warning"],
    ]);
    expect(driver.rules[0]!.fullDescription.text).toBe("Build in a builder stage.");
    expect(log.runs[0]!.results.map((r) => [r.ruleId, r.ruleIndex, r.level])).toEqual([
      ["toolchain-in-image", 0, "warning"],
      ["go-run-at-startup", 1, "error"],
      ["docs-shipped", 2, "note"],
      ["DL3008", 3, "warning"],
    ]);
  });

  it("locates image paths under the image root with their layer, files with a region", () => {
    const [toolchain, goRun, docs, lint] = log.runs[0]!.results;
    expect(toolchain!.locations[0]).toEqual({
      physicalLocation: { artifactLocation: { uri: "usr/local/go/bin/go", uriBaseId: IMAGE_ROOT } },
      logicalLocations: [{ name: "layer 1", fullyQualifiedName: "sha256:" + "a".repeat(64), kind: "module" }],
    });
    expect(toolchain!.properties).toEqual({ saving: 554_000_000, fix: "Build in a builder stage." });
    expect(toolchain!.message.text).toBe("A compiler toolchain ships\n/usr/local/go/bin/go\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1");
    expect(goRun!.locations[0]).toEqual({ logicalLocations: [{ name: "golang:1.19", kind: "resource" }] });
    expect(docs!.locations[0]!.physicalLocation!.artifactLocation.uri).toBe("usr/share/doc/a%20b/changelog.gz");
    expect(lint!.locations[0]).toEqual({
      physicalLocation: { artifactLocation: { uri: "app/Dockerfile" }, region: { startLine: 3, startColumn: 1, endLine: 3, endColumn: 29 } },
    });
    expect(log.runs[0]!.originalUriBaseIds?.[IMAGE_ROOT]).toBeDefined();
  });

  it("the schema check can fail: a note-less level and a missing message are refused", () => {
    const broken = JSON.parse(JSON.stringify(log));
    broken.runs[0].results[2].level = "info";
    delete broken.runs[0].results[0].message;
    expect(validateSarif(broken)).toBe(false);
    const paths = (validateSarif.errors ?? []).map((e) => e.instancePath);
    expect(paths).toContain("/runs/0/results/2/level");
    expect(paths).toContain("/runs/0/results/0");
  });
});

describe("Finding model", () => {
  it("refuses a finding without a location, with an unknown severity, or a file range without a line", () => {
    const good = findings[0]!;
    expect(findingSchema.safeParse({ ...good, location: undefined }).success).toBe(false);
    expect(findingSchema.safeParse({ ...good, severity: "fatal" }).success).toBe(false);
    expect(findingSchema.safeParse({ ...findings[3]!, location: { kind: "file", file: "Dockerfile", range: { start: { column: 1 }, end: { line: 1, column: 2 } } } }).success).toBe(false);
    expect(findingSchema.safeParse({ ...good, sizeHuman: "554MB" }).success).toBe(false);
  });
});
