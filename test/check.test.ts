// imgdiet check, the CI gate, on a real image whose waste is known by construction:
//   FROM debian:bookworm
//   RUN  writes /big (1,000,000 zero bytes) and /etc/h6-note ("one\n", 4 bytes)
//   RUN  writes /big again (1,000,000 bytes)
// With dive's definitions (README "Waste"): /big is the only path with two copies, so
//   wastedBytes       = 1,000,000 + 1,000,000 = 2,000,000
//   userWastedPercent = 2,000,000 ÷ (1,000,004 + 1,000,000)           (user layers: all but the base)
//   efficiency        = (B + 1,000,000 + 4) ÷ (B + 2,000,000 + 4)    B = file bytes of the base layer
// B is bounded without imgdiet: the engine size E of debian:bookworm counts those bytes plus symlink
// target lengths, so 0.9·E < B ≤ E, and efficiency lies between the values at those two bounds.
// The growth against debian:bookworm is exactly the two user layers: 2,000,004 bytes.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open } from "../src/image/open.js";
import { check } from "../src/inspect/check/check.js";
import type { CheckReport } from "../src/inspect/check/check-schema.js";
import { evaluate } from "../src/inspect/check/evaluate.js";
import { loadThresholds } from "../src/inspect/check/load.js";
import { dockerBuild, engineSize, imgdiet, removeImages, ROOT, tempDir } from "./helpers/run.js";

const addFormats = addFormatsModule as unknown as <T extends Ajv>(ajv: T) => T;
const IMAGE = "imgdiet-test/h6-check:1";
const MB = 1_000_000;
const WASTED = 2 * MB;
const USER_BYTES = MB + 4 + MB;
const USER_WASTED = WASTED / USER_BYTES;

const dir = tempDir("h6-check");
const archive = join(dir, "image.tar");
const ARCHIVE = `docker-archive:${archive}`;
let efficiencyLow = 0;
let efficiencyHigh = 0;
/** What the library measured on the image, once; the .dive-ci cases evaluate against it. */
let measured: CheckReport;

beforeAll(async () => {
  dockerBuild(
    IMAGE,
    `FROM debian:bookworm
RUN head -c ${MB} /dev/zero > /big && echo one > /etc/h6-note
RUN head -c ${MB} /dev/zero > /big
`,
  );
  const copied = imgdiet(["copy", IMAGE, ARCHIVE]);
  expect(copied.code, copied.stderr).toBe(0);
  const e = engineSize("debian:bookworm");
  const eff = (b: number) => (b + MB + 4) / (b + WASTED + 4);
  [efficiencyLow, efficiencyHigh] = [eff(0.9 * e), eff(e)];
  const image = await open(ARCHIVE);
  try {
    measured = await check(image, { maxSize: { value: 1, source: "test" } });
  } finally {
    await image.close();
  }
});

afterAll(() => {
  removeImages(IMAGE);
  rmSync(dir, { recursive: true, force: true });
  rmSync(clean, { recursive: true, force: true });
});

/** The CLI, run in an empty working directory (no .dive-ci or .imgdiet.yaml to pick up). */
const clean = tempDir("h6-clean");
async function inClean(args: string[]) {
  return imgdiet(args, { cwd: clean });
}

/** Thresholds from files written in a fresh directory (as the working directory), plus flags. */
async function thresholdsFrom(files: Record<string, string>, flags: Record<string, string> = {}) {
  const cwd = tempDir("h6-cfg");
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
    return await loadThresholds({ flags, cwd });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

describe("what the gate measures", () => {
  it("is dive's figures for the image, as known by construction", () => {
    expect(measured.measured.wastedBytes).toBe(WASTED);
    expect(measured.measured.userWastedPercent).toBeCloseTo(USER_WASTED, 12);
    expect(measured.measured.efficiency).toBeGreaterThan(efficiencyLow);
    expect(measured.measured.efficiency).toBeLessThan(efficiencyHigh);
    expect(measured.measured.size).toBe(engineSize(IMAGE));
  });
});

describe(".dive-ci, read as dive reads it", () => {
  const verdicts = (t: Awaited<ReturnType<typeof thresholdsFrom>>) =>
    evaluate(t.thresholds, { measured: measured.measured, findings: [] }).rules.map((r) => [r.rule, r.passed]);

  // Each case: dive's rules in its camelCase spelling, and the same in its snake-case (kebab) spelling.
  const cases: { name: string; values: [string, string, string]; expected: [string, boolean][] }[] = [
    {
      name: "thresholds the image meets (equal wasted bytes pass, as in dive)",
      values: ["LOW", "2MB", "1"],
      expected: [["min-efficiency", true], ["max-wasted-bytes", true], ["max-user-wasted-percent", true]],
    },
    {
      name: "thresholds the image breaks",
      values: ["HIGH", "1999999", "0.99"],
      expected: [["min-efficiency", false], ["max-wasted-bytes", false], ["max-user-wasted-percent", false]],
    },
  ];
  for (const c of cases) {
    it(`${c.name}: camelCase and snake-case keys give the same verdict`, async () => {
      const v = c.values.map((x) => (x === "LOW" ? String(efficiencyLow - 1e-9) : x === "HIGH" ? String(efficiencyHigh + 1e-9) : x));
      const camel = await thresholdsFrom({ ".dive-ci": `rules:\n  lowestEfficiency: ${v[0]}\n  highestWastedBytes: ${v[1]}\n  highestUserWastedPercent: ${v[2]}\n` });
      const kebab = await thresholdsFrom({ ".dive-ci": `rules:\n  lowest-efficiency: ${v[0]}\n  highest-wasted-bytes: ${v[1]}\n  highest-user-wasted-percent: ${v[2]}\n` });
      expect(verdicts(camel)).toEqual(c.expected);
      expect(verdicts(kebab)).toEqual(c.expected);
      expect(camel.thresholds.maxWastedBytes!.source).toMatch(/\.dive-ci rules\.highestWastedBytes$/);
      expect(kebab.thresholds.maxWastedBytes!.source).toMatch(/\.dive-ci rules\.highest-wasted-bytes$/);
    });
  }

  it("rules the file leaves out take dive's defaults (efficiency 0.9, user wasted 0.1, wasted bytes off)", async () => {
    const t = await thresholdsFrom({ ".dive-ci": "rules:\n  highestWastedBytes: disabled\n" });
    expect(verdicts(t)).toEqual([["min-efficiency", true], ["max-user-wasted-percent", false]]);
    expect(t.thresholds.maxUserWastedPercent).toMatchObject({ value: 0.1, source: expect.stringMatching(/dive's default/) });
  });

  it("flags win over .imgdiet.yaml's check: section, which wins over .dive-ci; 'disabled' turns a rule off", async () => {
    const files = {
      ".dive-ci": "rules:\n  lowestEfficiency: 0.5\n  highest-user-wasted-percent: 0.2\n",
      ".imgdiet.yaml": "lint:\n  ignore: [DL3008]\ncheck:\n  min-efficiency: 0.6\n  maxUserWastedPercent: disabled\n  max-size: 200MB\n",
    };
    const fromFiles = await thresholdsFrom(files);
    expect(fromFiles.thresholds.minEfficiency).toMatchObject({ value: 0.6, source: expect.stringMatching(/\.imgdiet\.yaml check\.min-efficiency$/) });
    expect(fromFiles.thresholds.maxUserWastedPercent).toBeUndefined();
    expect(fromFiles.thresholds.maxSize!.value).toBe(200 * MB);
    const withFlags = await thresholdsFrom(files, { minEfficiency: "70%", maxSize: "1.5GiB" });
    expect(withFlags.thresholds.minEfficiency).toEqual({ value: 0.7, source: "--min-efficiency" });
    expect(withFlags.thresholds.maxSize!.value).toBe(1.5 * 1024 ** 3);
  });
});

describe("imgdiet check (CLI)", () => {
  it("exits 1 with one line per failed rule naming the measured value and the threshold", async () => {
    const r = await inClean(["check", ARCHIVE, "--max-size", "1GB", "--max-wasted-bytes", "1MB", "--max-user-wasted-percent", "50%", "-q"]);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines.filter((l) => l.startsWith("FAIL"))).toEqual([
      `FAIL max-wasted-bytes: wasted bytes ${WASTED} bytes (2MB) > ${MB} bytes (1MB)  [--max-wasted-bytes]`,
      expect.stringMatching(/^FAIL max-user-wasted-percent: user wasted 1 \(100\.0%\) > 0\.5 \(50\.0%\)  \[--max-user-wasted-percent\]$/),
    ]);
    expect(lines.filter((l) => l.startsWith("PASS"))).toEqual([expect.stringMatching(/^PASS max-size: size \d+ bytes \(\d+MB\) <= 1000000000 bytes \(1GB\)/)]);
    expect(r.stderr).toMatch(/^imgdiet: check failed: 2 of 3 rules \(max-wasted-bytes, max-user-wasted-percent\)\n$/);
  });

  it("reads .dive-ci from the working directory and passes (exit 0) when the image meets it", async () => {
    const cwd = tempDir("h6-cwd");
    try {
      writeFileSync(join(cwd, ".dive-ci"), `rules:\n  lowest-efficiency: 0.9\n  highestWastedBytes: 2MB\n  highest-user-wasted-percent: disabled\n`);
      const r = imgdiet(["check", ARCHIVE, "--json", "-q"], { cwd });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as CheckReport;
      expect(doc.passed).toBe(true);
      expect(doc.rules.map((x) => [x.rule, x.measured, x.threshold, x.passed])).toEqual([
        ["min-efficiency", measured.measured.efficiency, 0.9, true],
        ["max-wasted-bytes", WASTED, 2 * MB, true],
      ]);
      expect(doc.failures).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("--format junit: one test case per rule, failures counted", async () => {
    const r = await inClean(["check", ARCHIVE, "--max-size", "1GB", "--min-efficiency", "0.5", "--max-wasted-bytes", "1MB", "--fail-on", "warning", "--format", "junit", "-q"]);
    expect(r.code, r.stderr).toBe(1);
    const xml = r.stdout;
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const cases = [...xml.matchAll(/<testcase name="([^"]+)" classname="imgdiet\.check"(\/?)>/g)].map((m) => [m[1], m[2] === "/" ? "pass" : "fail"]);
    // The image ships apt's caches and the overwritten /big: analyze reports them as warnings.
    expect(cases).toEqual([["max-size", "pass"], ["min-efficiency", "pass"], ["max-wasted-bytes", "fail"], ["fail-on", "fail"]]);
    expect(xml).toMatch(/<testsuites name="[^"]+" tests="4" failures="2" errors="0">/);
    expect([...xml.matchAll(/<failure /g)].length).toBe(2);
    expect(xml).toContain('type="fail-on"');
    expect(xml).toMatch(/deleted-still-shipped \(warning\)/);
    // Balanced elements: every opened testcase with a failure is closed.
    expect([...xml.matchAll(/<testcase [^>]*[^/]>/g)].length).toBe([...xml.matchAll(/<\/testcase>/g)].length);
  });

  it("--format sarif is a valid SARIF 2.1.0 log of what failed", async () => {
    const r = await inClean(["check", ARCHIVE, "--max-wasted-bytes", "1MB", "--fail-on", "warning", "--format", "sarif", "-q"]);
    expect(r.code, r.stderr).toBe(1);
    const schema = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "sarif", "sarif-2.1.0.json"), "utf8"));
    const validate = addFormats(new Ajv2020({ strict: false, allErrors: true })).compile(schema);
    const log = JSON.parse(r.stdout);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const results = log.runs[0].results as { ruleId: string; level: string }[];
    expect(results[0]).toMatchObject({ ruleId: "max-wasted-bytes", level: "error" });
    expect(results.map((x) => x.ruleId)).toContain("deleted-still-shipped");
    const ids = (log.runs[0].tool.driver.rules as { id: string }[]).map((x) => x.id);
    for (const x of results) expect(ids).toContain(x.ruleId);
  });

  it("--max-growth against a baseline from another transport: the growth is the two user layers exactly", async () => {
    const json = async (growth: string) => {
      const r = await inClean(["check", ARCHIVE, "--baseline", "debian:bookworm", "--max-growth", growth, "--json", "-q"]);
      expect([0, 1], r.stderr).toContain(r.code);
      return { code: r.code, doc: JSON.parse(r.stdout) as CheckReport };
    };
    const exact = await json(String(USER_BYTES));
    expect(exact.code).toBe(0);
    expect(exact.doc.baseline).toMatchObject({ reference: "debian:bookworm", size: engineSize("debian:bookworm"), growthBytes: USER_BYTES });
    const tight = await json("2MB");
    expect(tight.code).toBe(1);
    expect(tight.doc.rules).toEqual([{ rule: "max-growth", passed: false, measured: USER_BYTES, threshold: 2 * MB, unit: "bytes", passesWhen: "<=", source: "--max-growth" }]);
    const ratio = USER_BYTES / engineSize("debian:bookworm");
    const pct = await json(`${Math.floor(ratio * 100 * 1000) / 1000}%`);
    expect(pct.code).toBe(1);
    expect(pct.doc.rules[0]).toMatchObject({ unit: "ratio", measured: ratio, passed: false });
  });

  it("--max-growth without a baseline is a usage error (exit 2)", () => {
    const r = imgdiet(["check", ARCHIVE, "--max-growth", "5%"], { cwd: clean });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^imgdiet: --max-growth needs a baseline image/);
  });
});

describe("imgdiet check: bad thresholds and configs exit 2 with one line naming the key", () => {
  const cwd = tempDir("h6-bad");
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const run = (args: string[], files: Record<string, string> = {}) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
    const r = imgdiet(["check", ARCHIVE, ...args], { cwd });
    for (const name of Object.keys(files)) rmSync(join(cwd, name));
    return r;
  };
  const cases: { name: string; args: string[]; files?: Record<string, string>; message: RegExp }[] = [
    { name: "a size that does not parse", args: ["--max-size", "12XB"], message: /^imgdiet: --max-size: "12XB" is not a size/ },
    { name: "a ratio above 1", args: ["--min-efficiency", "95"], message: /^imgdiet: --min-efficiency: "95" is not a ratio between 0 and 1/ },
    { name: "an unknown severity", args: ["--fail-on", "fatal"], message: /^imgdiet: --fail-on: "fatal" is not a severity/ },
    { name: "a .dive-ci value", args: [], files: { ".dive-ci": "rules:\n  highestWastedBytes: lots\n" }, message: /^imgdiet: .*\.dive-ci rules\.highestWastedBytes: "lots" is not a size/ },
    { name: "a .dive-ci ratio", args: [], files: { ".dive-ci": "rules:\n  lowest-efficiency: 1.5\n" }, message: /^imgdiet: .*\.dive-ci rules\.lowest-efficiency: 1\.5 is not a ratio/ },
    { name: "an unknown key in check:", args: [], files: { ".imgdiet.yaml": "check:\n  max-sise: 10MB\n" }, message: /^imgdiet: .*\.imgdiet\.yaml: check\.max-sise is not a threshold/ },
    { name: "a config that is not YAML", args: [], files: { ".imgdiet.yaml": "check: [\n" }, message: /^imgdiet: .*\.imgdiet\.yaml: not valid YAML/ },
    { name: "a config file that cannot be read", args: ["--config", "/nonexistent/imgdiet.yaml", "--max-size", "1GB"], message: /^imgdiet: cannot read \/nonexistent\/imgdiet\.yaml: ENOENT\n/ },
    { name: "no thresholds at all", args: [], message: /^imgdiet: no thresholds: give --max-size/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = run(c.args, c.files);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(c.message);
      expect(r.stdout).toBe("");
    });
  }
});
