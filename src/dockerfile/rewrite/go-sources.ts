/**
 * What a Go program needs from its image, read from its sources: imports (is it cgo? does it speak TLS,
 * look users up, load time zones?) and the module it belongs to. Reading is lexical — comments and string
 * contents are blanked before looking for calls — which is enough to decide what a scratch image must
 * carry; build constraints are not evaluated, so the answer errs towards including a file.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

export interface GoFileScan {
  imports: string[];
  /** `import "C"`: the file needs cgo and a C toolchain, and the binary links libc. */
  cgo: boolean;
  /** Calls `time.LoadLocation` (needs a zoneinfo database at run time). */
  loadsLocation: boolean;
  /** Calls that read files at run time (`os.ReadFile`, `template.ParseFiles`, `http.Dir`, …). */
  readsFiles: string[];
}

const FILE_READERS = /\b(os\.(?:Open|OpenFile|ReadFile|ReadDir|DirFS)|ioutil\.(?:ReadFile|ReadDir)|template\.(?:ParseFiles|ParseGlob)|http\.Dir)\s*\(/g;

/** Replaces comments with spaces; with `blankStrings`, also the contents of string and rune literals. */
export function blankGoComments(source: string, blankStrings = false): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end < 0 ? source.length : end;
      out += " ".repeat(stop - i);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) {
        if (c !== "`" && source[j] === "\\") j++;
        if (c !== "`" && source[j] === "\n") break;
        j++;
      }
      const literal = source.slice(i, j + 1);
      out += blankStrings ? c + literal.slice(1, -1).replace(/[^\n]/g, " ") + (literal.length > 1 ? c : "") : literal;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const IMPORT_SPEC = /^\s*(?:[A-Za-z_][\w]*|\.|_)?\s*(?:"([^"\n]*)"|`([^`]*)`)/;

/** Scans one Go source file. */
export function scanGoSource(source: string): GoFileScan {
  // Both views keep every character's offset: keywords are found where strings are blanked, and the
  // import paths are read at the same offsets where they are not.
  const code = blankGoComments(source);
  const bare = blankGoComments(source, true);
  const imports: string[] = [];
  const keyword = /\bimport\b/g;
  for (let m = keyword.exec(bare); m; m = keyword.exec(bare)) {
    const after = code.slice(m.index + m[0].length);
    const group = /^\s*\(([^)]*)\)/.exec(after);
    const specs = group ? group[1].split(/[\n;]/) : [/^[^\n;]*/.exec(after)?.[0] ?? ""];
    for (const spec of specs) {
      const found = IMPORT_SPEC.exec(spec);
      if (found) imports.push(found[1] ?? found[2]);
    }
  }
  return {
    imports: [...new Set(imports)],
    cgo: imports.includes("C"),
    loadsLocation: /\.\s*LoadLocation\s*\(/.test(bare),
    readsFiles: [...new Set([...bare.matchAll(FILE_READERS)].map((m) => m[1]))],
  };
}

export interface GoModule {
  /** Directory holding go.mod. */
  dir: string;
  /** The `module` path, or null when absent. */
  path: string | null;
  /** Module paths of `require` entries (direct and indirect). */
  requires: string[];
  /** vendor/modules.txt exists: `go build` uses vendor/ and downloads nothing. */
  vendored: boolean;
}

/** Reads a go.mod file's module path and requirements. */
export function parseGoMod(text: string): { path: string | null; requires: string[] } {
  const code = text.replace(/\/\/[^\n]*/g, "");
  const modulePath = /^\s*module\s+"?([^\s"]+)"?/m.exec(code)?.[1] ?? null;
  const requires: string[] = [];
  const block = /^\s*require\s*\(([^)]*)\)/gm;
  for (let m = block.exec(code); m; m = block.exec(code)) {
    for (const line of m[1].split("\n")) {
      const word = line.trim().split(/\s+/)[0];
      if (word) requires.push(word.replace(/"/g, ""));
    }
  }
  const single = /^\s*require\s+([^\s(]+)\s+\S+/gm;
  for (let m = single.exec(code); m; m = single.exec(code)) requires.push(m[1].replace(/"/g, ""));
  return { path: modulePath, requires };
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** The go.mod that governs `dir` (searching upwards, never above `root`), or null. */
export async function findGoModule(dir: string, root: string): Promise<GoModule | null> {
  let current = path.resolve(dir);
  const top = path.resolve(root);
  for (;;) {
    const file = path.join(current, "go.mod");
    if (await isFile(file)) {
      const parsed = parseGoMod(await readFile(file, "utf8"));
      return { dir: current, ...parsed, vendored: await isFile(path.join(current, "vendor", "modules.txt")) };
    }
    if (current === top || !current.startsWith(top + path.sep)) return null;
    current = path.dirname(current);
  }
}

/** The non-test .go files of a package directory. */
export async function goFilesIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".go") && !n.endsWith("_test.go")).sort().map((n) => path.join(dir, n));
}

export interface GoProgramScan {
  /** Every import of the program's own packages (main and the local packages it reaches). */
  imports: Set<string>;
  cgo: boolean;
  loadsLocation: boolean;
  readsFiles: string[];
  /** Files that were read. */
  files: string[];
  /** Imports outside the standard library that could not be read (not local, not vendored). */
  unscanned: string[];
}

function isStandardLibrary(importPath: string): boolean {
  return !importPath.split("/")[0].includes(".");
}

/**
 * Scans a program from its entry files, following imports into local packages of the same module and
 * into vendor/ when those are in the build context.
 */
export async function scanGoProgram(entryFiles: string[], module: GoModule | null): Promise<GoProgramScan> {
  const result: GoProgramScan = { imports: new Set(), cgo: false, loadsLocation: false, readsFiles: [], files: [], unscanned: [] };
  const seenDirs = new Set<string>();
  const queue = [...entryFiles];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (result.files.includes(file)) continue;
    const source = await readFile(file, "utf8").catch(() => null);
    if (source === null) continue;
    result.files.push(file);
    const scan = scanGoSource(source);
    result.cgo ||= scan.cgo;
    result.loadsLocation ||= scan.loadsLocation;
    for (const call of scan.readsFiles) if (!result.readsFiles.includes(call)) result.readsFiles.push(call);
    for (const imported of scan.imports) {
      result.imports.add(imported);
      if (imported === "C" || isStandardLibrary(imported)) continue;
      let dir: string | null = null;
      if (module?.path && (imported === module.path || imported.startsWith(module.path + "/")))
        dir = path.join(module.dir, imported.slice(module.path.length));
      else if (module) dir = path.join(module.dir, "vendor", imported);
      const files = dir ? await goFilesIn(dir) : [];
      if (files.length === 0) {
        if (!result.unscanned.includes(imported)) result.unscanned.push(imported);
      } else if (dir && !seenDirs.has(dir)) {
        seenDirs.add(dir);
        queue.push(...files);
      }
    }
  }
  return result;
}
