/**
 * The import lexer against Python's own `ast` (the host's /usr/bin/python3, Debian's python3) over
 * the real standard library and dist-packages of the host, and on the cases that trip a naive reader.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonImports, type PythonImport } from "./python-imports.js";

/** Debian's directory of packaged Python modules. */
const DIST = "/usr/lib/python3/dist-packages";

const key = (i: PythonImport) => `${i.module}|${i.level}|${i.lazy ? 1 : 0}` + (i.level > 0 || i.names.length ? `|${i.names.join(",")}` : "");

/** What Python's ast finds: module|level|lazy(|names for from-imports), per file. */
const ORACLE = `
import ast, json, sys
out = {}
for path in sys.argv[1:]:
    try:
        tree = ast.parse(open(path, 'rb').read())
    except Exception:
        continue
    found = []
    def visit(node, lazy):
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend(f"{a.name}|0|{int(inner)}" for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                found.append(f"{child.module or ''}|{child.level}|{int(inner)}|" + ",".join(a.name for a in child.names))
            visit(child, inner)
    visit(tree, False)
    out[path] = sorted(found)
json.dump(out, sys.stdout)
`;

function pyFiles(dir: string, limit: number): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= limit) return;
      const p = join(d, e.name);
      if (e.isDirectory() && e.name !== "__pycache__" && e.name !== "test") walk(p);
      else if (e.isFile() && e.name.endsWith(".py")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

describe("pythonImports", () => {
  it("finds exactly the imports Python's ast finds, lazy or not, in the real stdlib and dist-packages", () => {
    const stdlib = spawnSync("/usr/bin/python3", ["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], { encoding: "utf8" }).stdout.trim();
    const files = [...pyFiles(stdlib, 700), ...(existsSync(DIST) ? pyFiles(DIST, 300) : [])];
    expect(files.length).toBeGreaterThan(500);
    const r = spawnSync("/usr/bin/python3", ["-c", ORACLE, ...files], { encoding: "utf8", maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const expected = JSON.parse(r.stdout) as Record<string, string[]>;
    let imports = 0;
    const wrong: string[] = [];
    for (const [file, want] of Object.entries(expected)) {
      const got = pythonImports(readFileSync(file, "utf8")).filter((i) => !i.dynamic).map(key).sort();
      imports += want.length;
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${file}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
    }
    expect(imports).toBeGreaterThan(3000);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("marks the try blocks' imports and the ImportError fallbacks for them", () => {
    const src = [
      "try:",
      "    from _decimal import *",
      "except ImportError:",
      "    from _pydecimal import *",
      "try:",
      "    import ujson as json",
      "except ValueError:",
      "    import nothere",
      "except (ModuleNotFoundError, ImportError):",
      "    import json",
      "import after",
      "except_like = 1",
      "def f():",
      "    try: import yaml",
      "    except: yaml = None",
    ].join("\n");
    expect(pythonImports(src).map((i) => `${i.module} try=${i.tryBlock ?? "-"} fallback=${i.fallbackFor ?? "-"}`)).toEqual([
      "_decimal try=1 fallback=-",
      "_pydecimal try=- fallback=1",
      "ujson try=2 fallback=-",
      "nothere try=- fallback=-",
      "json try=- fallback=2",
      "after try=- fallback=-",
      "yaml try=3 fallback=-",
    ]);
  });

  it("reads the statements a naive reader gets wrong", () => {
    const src = [
      '"""import notthis"""',
      "x = 'from nope import x'  # import alsonot",
      "import a.b as ab, c",
      "from ..pkg.sub import (one as uno,",
      "    two)",
      "if True: import d; import e",
      "def handler():",
      "    s = '''",
      "import stillnot",
      "'''",
      "    import json",
      "    from email.mime import text \\",
      "        as t",
      "    return importlib.import_module('jinja2.ext')",
      "class C:",
      "    import f",
      "async def g(): from h import i",
      "import k",
      "y = f'{__import__(\"nope2\")}'",
    ].join("\n");
    expect(pythonImports(src).map((i) => `${key(i)}${i.dynamic ? " dynamic" : ""}`)).toEqual([
      "a.b|0|0",
      "c|0|0",
      "pkg.sub|2|0|one,two",
      "d|0|0",
      "e|0|0",
      "json|0|1",
      "email.mime|0|1|text",
      "jinja2.ext|0|1 dynamic",
      "f|0|0",
      "h|0|1|i",
      "k|0|0",
    ]);
  });
});
