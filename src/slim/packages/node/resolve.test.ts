/**
 * The Node.js resolver against Node itself: a package tree on disk (exports with conditions and
 * patterns, main, extensions, index files, scoped packages, imports, NODE_PATH, a package only in an
 * outer node_modules), every request resolved by our resolver and by the host's `node`
 * (createRequire().resolve for require, import.meta.resolve for import). They must agree.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostFileView } from "../../../elf/file-view.js";
import { exportsTarget } from "./exports-map.js";
import { NodeResolver, splitSpecifier, type RequestKind } from "./resolve.js";

const root = mkdtempSync(join(tmpdir(), "imgdiet-node-resolve-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const json = (v: unknown) => JSON.stringify(v, null, 1);
const FILES: Record<string, string> = {
  "app/package.json": json({ name: "app", imports: { "#internal/*": "./lib/internal/*.js", "#dep": "cond", "#cfg": { node: "./lib/cfg-node.js", default: "./lib/cfg.js" } } }),
  "app/server.js": "",
  "app/util.js": "",
  "app/data.json": "{}",
  "app/dir/index.js": "",
  "app/withmain/package.json": json({ main: "./lib/entry" }),
  "app/withmain/lib/entry.js": "",
  "app/lib/internal/a.js": "",
  "app/lib/cfg-node.js": "",
  "app/lib/cfg.js": "",
  "app/esm/package.json": json({ type: "module" }),
  "app/esm/main.js": "",
  "app/node_modules/cond/package.json": json({
    name: "cond",
    exports: {
      ".": { import: "./esm.mjs", require: "./cjs.js", default: "./def.js" },
      "./feature": { node: { require: "./feat-node.cjs", import: "./feat-node.mjs" }, default: "./feat.js" },
      "./first": { default: "./a.js", require: "./b.js" },
      "./data/*": "./data/*.json",
      "./data/secret/*": null,
      "./list": ["./list.js", "./never.js"],
    },
  }),
  "app/node_modules/cond/esm.mjs": "",
  "app/node_modules/cond/cjs.js": "",
  "app/node_modules/cond/def.js": "",
  "app/node_modules/cond/feat-node.cjs": "",
  "app/node_modules/cond/feat-node.mjs": "",
  "app/node_modules/cond/feat.js": "",
  "app/node_modules/cond/a.js": "",
  "app/node_modules/cond/b.js": "",
  "app/node_modules/cond/list.js": "",
  "app/node_modules/cond/data/x.json": "{}",
  "app/node_modules/cond/data/secret/y.json": "{}",
  "app/node_modules/cond/hidden.js": "",
  "app/node_modules/legacy/package.json": json({ name: "legacy", main: "lib" }),
  "app/node_modules/legacy/lib/index.js": "",
  "app/node_modules/legacy/other.js": "",
  "app/node_modules/noindex/package.json": json({ name: "noindex" }),
  "app/node_modules/noindex/index.js": "",
  "app/node_modules/@scope/pkg/package.json": json({ name: "@scope/pkg", main: "main.js" }),
  "app/node_modules/@scope/pkg/main.js": "",
  "app/node_modules/@scope/pkg/sub/thing.js": "",
  "app/node_modules/single.js": "",
  "app/node_modules/nested/package.json": json({ name: "nested" }),
  "app/node_modules/nested/index.js": "",
  "app/node_modules/nested/node_modules/cond/package.json": json({ name: "cond", main: "inner.js" }),
  "app/node_modules/nested/node_modules/cond/inner.js": "",
  "node_modules/outer/package.json": json({ name: "outer" }),
  "node_modules/outer/index.js": "",
  "node_modules/cond/package.json": json({ name: "cond", main: "outer-cond.js" }),
  "node_modules/cond/outer-cond.js": "",
  "node_modules/cond/only-outer.js": "",
  "mods/frompath/package.json": json({ name: "frompath", main: "fp.js" }),
  "mods/frompath/fp.js": "",
  "mods/legacy/package.json": json({ name: "legacy", main: "shadowed.js" }),
  "mods/legacy/shadowed.js": "",
  "store/linked-1.0.0/package.json": json({ name: "linked", main: "real.js" }),
  "store/linked-1.0.0/real.js": "",
};
for (const [p, content] of Object.entries(FILES)) {
  mkdirSync(dirname(join(root, p)), { recursive: true });
  writeFileSync(join(root, p), content);
}
symlinkSync(join(root, "store/linked-1.0.0"), join(root, "app/node_modules/linked"));

interface Case {
  from: string;
  specifier: string;
  kind: RequestKind;
}

const from = (p: string) => join(root, p);
const CASES: Case[] = [];
const both = (f: string, ...specs: string[]) => specs.forEach((s) => CASES.push({ from: from(f), specifier: s, kind: "require" }, { from: from(f), specifier: s, kind: "import" }));
const req = (f: string, ...specs: string[]) => specs.forEach((s) => CASES.push({ from: from(f), specifier: s, kind: "require" }));
// exports: conditions in the order the package lists them, nested conditions, patterns, null, arrays, not exported.
both("app/server.js", "cond", "cond/feature", "cond/first", "cond/data/x", "cond/data/secret/y", "cond/list", "cond/hidden.js", "cond/package.json");
// main, extensions, index files; relative files and directories (extension guessing is require's only).
both("app/server.js", "legacy", "legacy/other.js", "legacy/other", "noindex", "./util", "./util.js", "./data", "./data.json", "./dir", "./dir/index.js", "./withmain", "../app/util.js");
// scoped packages, a single-file module, a symlinked package, builtins.
both("app/server.js", "@scope/pkg", "@scope/pkg/sub/thing.js", "@scope/pkg/sub/thing", "single", "linked", "fs", "node:path", "missing-package");
// the innermost node_modules wins; a package only found further up; a file only in the outer copy.
both("app/node_modules/nested/index.js", "cond", "outer");
req("app/server.js", "cond/only-outer.js", "outer");
// package imports (#) with patterns, a bare target and conditions.
both("app/server.js", "#internal/a", "#dep", "#cfg", "#nope");
// NODE_PATH (require only): after every node_modules directory.
req("app/server.js", "frompath");
req("app/esm/main.js", "../util.js", "legacy");

/** What the host's Node resolves each case to: a real path, "builtin", or "not-found". */
function oracle(cases: Case[]): string[] {
  const probes = new Map<string, string>();
  for (const c of cases) {
    if (c.kind !== "import") continue;
    const p = join(dirname(c.from), "__probe__.mjs");
    if (!probes.has(p)) {
      writeFileSync(p, "export const resolve = (s) => import.meta.resolve(s);\n");
      probes.set(p, p);
    }
  }
  const script = `
import { createRequire } from "node:module";
import { realpathSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
const cases = JSON.parse(process.argv[1]);
const out = [];
const real = (p) => { try { return statSync(p).isFile() ? realpathSync(p) : "not-found"; } catch { return "not-found"; } };
for (const c of cases) {
  try {
    if (c.kind === "require") {
      const r = createRequire(c.from).resolve(c.specifier);
      out.push(r.includes("/") ? real(r) : "builtin");
    } else {
      const m = await import(pathToFileURL(join(dirname(c.from), "__probe__.mjs")).href);
      const u = m.resolve(c.specifier);
      out.push(u.startsWith("node:") ? "builtin" : real(fileURLToPath(u)));
    }
  } catch { out.push("not-found"); }
}
console.log(JSON.stringify(out));
`;
  const r = spawnSync("node", ["--input-type=module", "-e", script, JSON.stringify(cases)], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, NODE_PATH: join(root, "mods"), HOME: join(root, "home") },
  });
  for (const p of probes.keys()) rmSync(p);
  if (r.status !== 0) throw new Error(`node oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

describe("NodeResolver agrees with Node", () => {
  const resolver = new NodeResolver(hostFileView("/"), (p) => readFile(p).catch(() => undefined), [join(root, "mods")]);

  it("on every request of the fixture tree", async () => {
    const expected = oracle(CASES);
    const ours: string[] = [];
    for (const c of CASES) {
      const r = await resolver.resolve(c.specifier, c.from, c.kind);
      ours.push(r.kind === "file" ? r.real : r.kind);
    }
    const show = (xs: string[]) => CASES.map((c, i) => `${c.kind} ${c.specifier} from ${c.from.slice(root.length)} → ${xs[i]!.replace(root, "")}`);
    expect(show(ours)).toEqual(show(expected));
    // The fixture exercises both outcomes for both kinds.
    expect(expected.filter((e) => e === "not-found").length).toBeGreaterThan(5);
    expect(expected.filter((e) => e.endsWith(".mjs")).length).toBeGreaterThan(1);
    expect(existsSync(join(root, "app/server.js"))).toBe(true);
  });

  it("names the package.json files a lookup reads", async () => {
    const r = await resolver.resolve("./withmain", from("app/server.js"), "require");
    expect(r).toMatchObject({ kind: "file", real: from("app/withmain/lib/entry.js"), via: [from("app/withmain/package.json")] });
  });

  it("finds a dependency's directory as Node would from the depending package", () => {
    expect(resolver.packageDir("cond", from("app/node_modules/nested"))).toBe(from("app/node_modules/nested/node_modules/cond"));
    expect(resolver.packageDir("outer", from("app/node_modules/nested"))).toBe(from("node_modules/outer"));
    expect(resolver.packageDir("frompath", from("app"))).toBe(from("mods/frompath"));
    expect(resolver.packageDir("linked", from("app"))).toBe(from("store/linked-1.0.0"));
    expect(resolver.packageDir("absent", from("app"))).toBeUndefined();
  });
});

describe("exports and specifiers", () => {
  it("splits scoped and plain specifiers", () => {
    expect(splitSpecifier("@a/b/c/d")).toEqual({ name: "@a/b", subpath: "./c/d" });
    expect(splitSpecifier("x")).toEqual({ name: "x", subpath: "." });
    expect(splitSpecifier("@a")).toBeUndefined();
    expect(splitSpecifier(".hidden")).toBeUndefined();
  });

  it("refuses targets that leave the package and keys mixing subpaths and conditions", () => {
    const cond = new Set(["node", "require"]);
    expect(exportsTarget({ ".": "../escape.js" }, ".", cond)).toBeUndefined();
    expect(exportsTarget({ "./x/*": "./lib/*/../../../y.js" }, "./x/a", cond)).toBeUndefined();
    expect(exportsTarget({ ".": "./a.js", require: "./b.js" }, ".", cond)).toBeUndefined();
    expect(exportsTarget("./main.js", ".", cond)).toEqual({ kind: "path", path: "./main.js" });
    expect(exportsTarget({ "./*": "./src/*.js", "./deep/*": "./deep/*.cjs" }, "./deep/x", cond)).toEqual({ kind: "path", path: "./deep/x.cjs" });
  });
});

