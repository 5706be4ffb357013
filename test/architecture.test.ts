import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { describe, it, expect } from "vitest";
import { cruise, type IReporterOutput, type ICruiseResult } from "dependency-cruiser";

const require = createRequire(import.meta.url);
const config = require("../.dependency-cruiser.cjs") as { layers: string[][]; forbidden: unknown[]; options: Record<string, unknown> };

async function cruiseSrc(): Promise<ICruiseResult> {
  const out: IReporterOutput = await cruise(["src"], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true } as never);
  return out.output as ICruiseResult;
}

describe("the layer order of src/", () => {
  it("has no import cycle, no import against the layer order, and dockerode only in engine/", async () => {
    const result = await cruiseSrc();
    const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(" → ")})` : ""}`);
    expect(violations).toEqual([]);
    // The check really looks: it cruised every source file and their imports.
    expect(result.summary.totalCruised).toBeGreaterThan(100);
  });

  it("places every folder and top-level file of src/ in exactly one layer", () => {
    const placed = config.layers.flat();
    expect(new Set(placed).size).toBe(placed.length);
    const present = readdirSync("src", { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")))
      .map((e) => e.name);
    expect(present.filter((n) => !placed.includes(n))).toEqual([]);
  });

  it("is the order docs/ARCHITECTURE.md describes, a section per folder", () => {
    const doc = readFileSync("docs/ARCHITECTURE.md", "utf8");
    const headings = [...doc.matchAll(/^### `([^`]+)`/gm)].map((m) => m[1]!.replace(/\/$/, ""));
    const expected = config.layers.flat().filter((n) => n !== "index.ts");
    expect(headings).toEqual(expected);
  });

  it("catches an import against the order and a cycle (the rules are live)", async () => {
    // A throw-away tree shaped like src/: errors.ts reaching up into cli/, and two fs/ files in a cycle.
    const dir = mkdtempSync(join(tmpdir(), "imgdiet-layers-"));
    const here = process.cwd();
    try {
      const put = (p: string, text: string) => {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), text);
      };
      put("src/errors.ts", 'import { x } from "./cli/main.js";\nexport const y = x;\n');
      put("src/cli/main.ts", "export const x = 1;\n");
      put("src/fs/a.ts", 'import { b } from "./b.js";\nexport const a = () => b;\n');
      put("src/fs/b.ts", 'import { a } from "./a.js";\nexport const b = () => a;\n');
      put("tsconfig.json", readFileSync(join(here, "tsconfig.json"), "utf8"));
      process.chdir(dir);
      const out = await cruise(["src"], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true } as never);
      const names = (out.output as ICruiseResult).summary.violations.map((v) => `${v.rule.name} ${v.from}`).sort();
      expect(names[0]).toBe("layer-errors src/errors.ts");
      expect(names.slice(1).length).toBeGreaterThan(0);
      expect(names.slice(1).every((n) => /^no-circular src\/fs\/[ab]\.ts$/.test(n))).toBe(true);
    } finally {
      process.chdir(here);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
