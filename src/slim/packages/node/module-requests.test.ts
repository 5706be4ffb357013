import { describe, expect, it } from "vitest";
import { moduleRequests } from "./module-requests.js";

const specs = async (source: string, format: "commonjs" | "module") => {
  const r = await moduleRequests(source, format);
  return { found: r.requests.map((q) => `${q.kind} ${q.specifier}`), computed: r.computed, format: r.format, error: r.error };
};

describe("moduleRequests", () => {
  it("finds CommonJS require(), require.resolve() and import() with literal arguments, anywhere in the file", async () => {
    const source = `#!/usr/bin/env node
const a = require("a");
function lazy() { return require('./lazy/' + "x"), require(\`tpl\`), require.resolve("r/package.json"); }
class C { m() { return import("dyn"); } }
const s = "require('not-a-call')"; // require("in-a-comment")
/* require("block-comment") */
const re = /require\\("regex"\\)/;
require(name); require(\`t\${x}\`); import(mod);
obj.require("method-not-require");
`;
    expect(await specs(source, "commonjs")).toEqual({
      found: ["require a", "require tpl", "require r/package.json", "import dyn"],
      computed: 4,
      format: "commonjs",
      error: undefined,
    });
  });

  it("finds ES module imports, re-exports and literal dynamic imports; type-only and import.meta are not modules", async () => {
    const source = `import def from "./a.js";
import * as ns from 'b';
import "side-effect";
export { x } from "c";
export * from "d";
const m = await import("e");
const n = await import(variable);
console.log(import.meta.url);
`;
    expect(await specs(source, "module")).toEqual({
      found: ["import ./a.js", "import b", "import side-effect", "import c", "import d", "import e"],
      computed: 1,
      format: "module",
      error: undefined,
    });
  });

  it("reads a .js file of a CommonJS scope with import syntax as a module, as Node's detection does", async () => {
    expect(await specs(`import x from "x";\nexport default x;`, "commonjs")).toMatchObject({ found: ["import x"], format: "module", error: undefined });
  });

  it("names a file it cannot parse instead of throwing", async () => {
    const r = await specs(`function (`, "commonjs");
    expect(r.found).toEqual([]);
    expect(r.error).toMatch(/Unexpected token/);
    const m = await specs(`import { from "x"`, "module");
    expect(m.error).toBeTruthy();
  });
});
