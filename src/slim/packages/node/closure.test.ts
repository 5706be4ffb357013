/**
 * The Node.js package closure over a small image tree held in memory: what a kept file pulls in
 * (its whole package, the package's dependencies but not its devDependencies, what kept code
 * requires or imports), what it refuses to follow, and what it reports.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FileTree } from "../../../fs/file-tree.js";
import { resolvePath } from "../../../fs/resolve-path.js";
import type { TarHeader } from "../../../io/tar-header.js";
import { runCommand } from "../../command.js";
import { elfKeeper, type KeptClosure } from "../../keep-program.js";
import { Selection } from "../../selection.js";
import { treeFileView } from "../../tree-view.js";
import type { PackageContext } from "../types.js";
import { NodeClosure } from "./closure.js";
import { globalModuleDirs, NodeLayout } from "./layout.js";

type Spec = string | Buffer | { link: string };

function header(path: string, type: TarHeader["type"], extra: Partial<TarHeader> = {}): TarHeader {
  return { path, type, mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", size: 0, mtime: 0, linkname: "", devmajor: 0, devminor: 0, xattrs: {}, ...extra };
}

/** An image of these files (paths relative to /), a selection holding `kept`, and a package context over them. */
function image(files: Record<string, Spec>, kept: string[], config: { Cmd: string[]; WorkingDir?: string; Env?: string[] }) {
  const tree = new FileTree();
  const bytes = new Map<string, Buffer>();
  for (const [p, spec] of Object.entries(files)) {
    if (typeof spec === "object" && !Buffer.isBuffer(spec)) tree.apply(0, header(p, "symlink", { linkname: spec.link }));
    else {
      const b = Buffer.from(spec);
      bytes.set(p, b);
      tree.apply(0, header(p, "file", { size: b.length }));
    }
  }
  const view = treeFileView(tree, new Map());
  const sel = new Selection(tree, view);
  for (const k of kept) sel.add(k, "touched at run time by probe \"p\"");
  const cmd = runCommand(config);
  const read = async (p: string) => {
    const r = resolvePath(view, p.startsWith("/") ? p : `/${p}`);
    return r?.stat.type === "file" ? bytes.get(r.realPath.slice(1)) : undefined;
  };
  const out: KeptClosure = { notes: [], missing: [], keptElves: [] };
  const ctx: PackageContext = { sel, tree, view, facts: new Map(), cmd, read, keepElf: elfKeeper(sel, tree, view, new Map(), cmd, read, out), notes: out.notes };
  return { ctx, sel, out, size: (p: string) => bytes.get(p)?.length ?? 0 };
}

const pkg = (v: Record<string, unknown>) => JSON.stringify(v);

describe("NodeClosure", () => {
  it("keeps a reached package whole: the iconv-lite case (a lazily required directory the probes never loaded)", async () => {
    const files: Record<string, Spec> = {
      "usr/bin/node": "ELF",
      "app/server.js": `const express = require("express");\nexpress();\n`,
      "usr/share/nodejs/express/package.json": pkg({ name: "express", dependencies: { "body-parser": "1" }, devDependencies: { mocha: "10" } }),
      "usr/share/nodejs/express/index.js": `module.exports = require("./lib/express");`,
      "usr/share/nodejs/express/lib/express.js": `const bp = require("body-parser"); module.exports = () => bp;`,
      "usr/share/nodejs/express/test/app.js": `require("mocha");`,
      "usr/share/nodejs/body-parser/package.json": pkg({ name: "body-parser", dependencies: { "iconv-lite": "0.6" } }),
      "usr/share/nodejs/body-parser/index.js": `exports.json = () => require("iconv-lite");`,
      "usr/share/nodejs/iconv-lite/package.json": pkg({ name: "iconv-lite", main: "./lib/index.js" }),
      "usr/share/nodejs/iconv-lite/lib/index.js": `exports.getCodec = function () { if (!this.encodings) this.encodings = require("../encodings"); };`,
      "usr/share/nodejs/iconv-lite/encodings/index.js": `module.exports = { utf8: require("./internal") };`,
      "usr/share/nodejs/iconv-lite/encodings/internal.js": "module.exports = {};".padEnd(5000, " "),
      "usr/share/nodejs/iconv-lite/README.md": "docs",
      "usr/share/nodejs/mocha/package.json": pkg({ name: "mocha" }),
      "usr/share/nodejs/mocha/index.js": "",
      "usr/share/nodejs/unrelated/package.json": pkg({ name: "unrelated" }),
    };
    const { ctx, sel, size } = image(
      files,
      ["/usr/bin/node", "/app/server.js", "/usr/share/nodejs/express/index.js", "/usr/share/nodejs/express/lib/express.js", "/usr/share/nodejs/body-parser/index.js", "/usr/share/nodejs/iconv-lite/lib/index.js"],
      { Cmd: ["node", "server.js"], WorkingDir: "/app" },
    );
    const kept = await new NodeClosure(ctx).run();
    expect(sel.has("usr/share/nodejs/iconv-lite/encodings/internal.js")).toBe(true);
    expect(sel.has("usr/share/nodejs/iconv-lite/README.md")).toBe(true);
    // Neither a devDependency nor what the package's tests require is kept.
    expect(sel.has("usr/share/nodejs/express/test/app.js")).toBe(true);
    expect(sel.has("usr/share/nodejs/mocha/index.js")).toBe(false);
    expect(sel.has("usr/share/nodejs/unrelated/package.json")).toBe(false);
    expect(kept.map((k) => k.name)).toEqual(["body-parser", "express", "iconv-lite"]);
    const iconv = kept.find((k) => k.name === "iconv-lite")!;
    const added = ["package.json", "encodings/index.js", "encodings/internal.js", "README.md"].map((f) => `usr/share/nodejs/iconv-lite/${f}`);
    expect(iconv).toMatchObject({ runtime: "node", path: "/usr/share/nodejs/iconv-lite", addedFiles: 4, addedBytes: added.reduce((s, f) => s + size(f), 0) });
    expect(iconv.reason).toBe('/usr/share/nodejs/iconv-lite/lib/index.js is kept (touched at run time by probe "p")');
    expect([...sel.reasons.get("usr/share/nodejs/iconv-lite/encodings/internal.js")!][0]).toMatch(/^Node\.js package iconv-lite, kept whole: /);
  });

  it("follows what kept code requires lazily, relative files and packages with exports, but not devDependencies", async () => {
    const { ctx, sel } = image(
      {
        "app/package.json": pkg({ name: "app", dependencies: { uuid: "9" }, devDependencies: { jest: "29" } }),
        "app/server.js": `app.get("/lazy", () => require("./lib/lazy.js"));\napp.get("/esm", async () => import("./lib/ids.mjs"));`,
        "app/lib/lazy.js": `const { v5 } = require("uuid"); const m = require(process.env.X);`,
        "app/lib/ids.mjs": `import { v5 } from "uuid";\nexport { NIL } from "nil-pkg";`,
        "app/lib/unused.js": "",
        "app/node_modules/uuid/package.json": pkg({ name: "uuid", exports: { ".": { node: { require: "./dist/index.js", import: "./wrapper.mjs" } } } }),
        "app/node_modules/uuid/dist/index.js": "",
        "app/node_modules/uuid/wrapper.mjs": `import u from "./dist/index.js"; export const v5 = u.v5;`,
        "app/node_modules/uuid/node_modules/inner/index.js": "",
        "app/node_modules/nil-pkg/index.js": "",
        "app/node_modules/jest/package.json": pkg({ name: "jest" }),
        "app/node_modules/broken/package.json": pkg({ name: "broken" }),
        "app/node_modules/broken/index.js": "this is not javascript (",
      },
      ["/app/server.js"],
      { Cmd: ["node", "server.js"], WorkingDir: "/app" },
    );
    const kept = await new NodeClosure(ctx).run();
    expect(sel.has("app/lib/lazy.js")).toBe(true);
    expect([...sel.reasons.get("app/lib/lazy.js")!]).toContain("required by /app/server.js");
    expect([...sel.reasons.get("app/lib/ids.mjs")!]).toContain("imported by /app/server.js");
    expect(sel.has("app/lib/unused.js")).toBe(false);
    expect(sel.has("app/node_modules/uuid/wrapper.mjs")).toBe(true);
    // Another package nested in uuid's node_modules is not part of uuid.
    expect(sel.has("app/node_modules/uuid/node_modules/inner/index.js")).toBe(false);
    expect(sel.has("app/node_modules/jest/package.json")).toBe(false);
    expect(sel.has("app/package.json")).toBe(true);
    expect(kept.map((k) => `${k.name} ${k.path}`)).toEqual(["nil-pkg /app/node_modules/nil-pkg", "uuid /app/node_modules/uuid"]);
    expect(ctx.notes.join("\n")).toMatch(/1 require\(\)\/import\(\) call\(s\) with a computed argument not followed \(e\.g\. in \/app\/lib\/lazy\.js\)/);
    expect(ctx.notes.join("\n")).toMatch(/file\(s\) .* outside packages kept because kept code requires them/);
  });

  it("keeps a file it cannot parse, notes it, and does not crash", async () => {
    const { ctx, sel } = image(
      { "app/main.js": `require("broken");`, "app/node_modules/broken/package.json": pkg({ name: "broken" }), "app/node_modules/broken/index.js": "function (" },
      ["/app/main.js"],
      { Cmd: ["node", "/app/main.js"] },
    );
    const kept = await new NodeClosure(ctx).run();
    expect(kept.map((k) => k.name)).toEqual(["broken"]);
    expect(sel.has("app/node_modules/broken/index.js")).toBe(true);
    expect(ctx.notes.join("\n")).toMatch(/could not parse \/app\/node_modules\/broken\/index\.js \(.+\); kept/);
  });

  it("finds the command's script and preloads statically, and packages through NODE_PATH, scoped names and /usr/lib/nodejs", async () => {
    const { ctx, sel } = image(
      {
        "app/srv/index.js": `require("@acme/log"); require("shared");`,
        "app/preload.js": "",
        "app/node_modules/@acme/log/package.json": pkg({ name: "@acme/log", dependencies: { "left-pad": "1" } }),
        "app/node_modules/@acme/log/index.js": "",
        "opt/mods/shared/index.js": "",
        "usr/lib/nodejs/left-pad.js": "",
      },
      [],
      { Cmd: ["node", "--require", "./preload", "srv"], WorkingDir: "/app", Env: ["NODE_PATH=/opt/mods"] },
    );
    ctx.sel.add("/app/node_modules", "a directory");
    const found = await new NodeClosure(ctx).run();
    expect(found.map((k) => `${k.name} ${k.path}`)).toEqual(["@acme/log /app/node_modules/@acme/log", "shared /opt/mods/shared", "left-pad /usr/lib/nodejs/left-pad.js"]);
    expect([...sel.reasons.get("app/srv/index.js")!]).toContain("the script the command runs");
    expect([...sel.reasons.get("app/preload.js")!]).toContain("preloaded by the command (--require ./preload)");
  });

  it("keeps a native addon with its ELF closure, read from its bytes when the scan did not", async () => {
    const addon = readFileSync("/usr/lib/x86_64-linux-gnu/libz.so.1");
    const { ctx, sel, out } = image(
      {
        "app/index.js": `module.exports = require("./build/Release/zaddon.node");`,
        "app/node_modules/zaddon/package.json": pkg({ name: "zaddon", main: "binding.js" }),
        "app/node_modules/zaddon/binding.js": `module.exports = require("./prebuilds/linux-x64/zaddon.node");`,
        "app/node_modules/zaddon/prebuilds/linux-x64/zaddon.node": addon,
      },
      ["/app/node_modules/zaddon/binding.js"],
      { Cmd: ["node", "index.js"], WorkingDir: "/app" },
    );
    const kept = await new NodeClosure(ctx).run();
    expect(kept.map((k) => k.name)).toEqual(["zaddon"]);
    expect([...sel.reasons.get("app/node_modules/zaddon/prebuilds/linux-x64/zaddon.node")!]).toContain("native addon of Node.js package zaddon");
    // Its ELF closure was walked: libz needs libc, which this image does not have.
    expect(out.missing).toContainEqual({ name: "libc.so.6", neededBy: "/app/node_modules/zaddon/prebuilds/linux-x64/zaddon.node" });
  });
});

describe("Node layout", () => {
  it("finds the innermost package of a path, scoped or not, and single-file modules", () => {
    const layout = new NodeLayout(["/usr/share/nodejs"]);
    expect(layout.packageOf("/app/node_modules/a/node_modules/@s/b/lib/x.js")).toEqual({ path: "/app/node_modules/a/node_modules/@s/b", dirName: "@s/b" });
    expect(layout.packageOf("/usr/share/nodejs/@babel/core/lib/index.js")).toEqual({ path: "/usr/share/nodejs/@babel/core", dirName: "@babel/core" });
    expect(layout.packageOf("/usr/share/nodejs/ms.js")).toEqual({ path: "/usr/share/nodejs/ms.js", dirName: "ms" });
    expect(layout.packageOf("/app/node_modules/.bin/tool")).toBeUndefined();
    expect(layout.packageOf("/app/lib/x.js")).toBeUndefined();
  });

  it("lists the global directories in Node's order, NODE_PATH first, only those the image has", () => {
    const { ctx } = image(
      { "usr/share/nodejs/a/index.js": "", "usr/lib/nodejs/b.js": "", "usr/lib/x86_64-linux-gnu/nodejs/c/index.js": "", "opt/m/x.js": "", "root/.node_modules/y.js": "" },
      [],
      { Cmd: ["node", "x"], Env: ["NODE_PATH=/opt/m:/nope"] },
    );
    expect(globalModuleDirs(ctx.view, ctx.cmd)).toEqual(["/opt/m", "/root/.node_modules", "/usr/lib/x86_64-linux-gnu/nodejs", "/usr/share/nodejs", "/usr/lib/nodejs"]);
  });
});
