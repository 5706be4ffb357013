/**
 * The import statements of a Python source file, found by a small lexer instead of Python's own `ast`.
 *
 * Why not `ast` (in the image or on the host): slim must work with --static-only and without an
 * engine, the host may have no Python or another version than the image's (a newer syntax does not
 * parse on an older host, and site-packages still hold Python 2 files that `ast` rejects), and a
 * container run per slim costs seconds. Imports are a lexical matter: once strings, comments,
 * brackets and line joins are handled, an import is `import` or `from … import` at the start of a
 * statement. The lexer also reports whether a statement sits inside a function body (a lazy import,
 * run only when the function is called) and literal `importlib.import_module("x")` / `__import__("x")`.
 */

export interface PythonImport {
  /** Dotted module name after the leading dots ("" for `from . import x`). */
  module: string;
  /** Leading dots of a relative import (0 for absolute). */
  level: number;
  /** For `from M import a, b`: a, b (each may be a submodule of M); empty for `import M`. */
  names: string[];
  /** Inside a function body: imported only when the function runs. */
  lazy: boolean;
  /** Named by a literal `importlib.import_module("x")` / `__import__("x")` call, not a statement. */
  dynamic?: true;
  /** Under `if TYPE_CHECKING:`: for type checkers only, never run. */
  typing?: true;
  /** Under `if __name__ == "__main__":`: run only when the file is the program itself. */
  main?: true;
  /** In the body of `try:` block number N (of this file): the innermost one. */
  tryBlock?: number;
  /** In an `except ImportError:` (or ModuleNotFoundError, or bare) clause of try block N: a fallback. */
  fallbackFor?: number;
}

type Token = { kind: "name" | "op" | "string"; text: string; depth: number };

interface LogicalLine {
  indent: number;
  tokens: Token[];
}

const STRING_START = /^(?:[rRbBuUfF]{1,2})?(['"])/;
const NAME = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]*/uy;
const COMPOUND = new Set(["if", "elif", "else", "try", "except", "finally", "with", "for", "while", "def", "class", "async", "match", "case"]);

/** Split source into logical lines of tokens (strings, comments, brackets and line joins handled). */
function logicalLines(src: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let tokens: Token[] = [];
  let depth = 0;
  let indent = 0;
  let atLineStart = true;
  let i = 0;
  const endLine = () => {
    if (tokens.length) lines.push({ indent, tokens });
    tokens = [];
    atLineStart = true;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (atLineStart) {
      // Measure indentation; blank and comment-only lines do not start a logical line.
      let col = 0;
      let j = i;
      while (j < src.length && (src[j] === " " || src[j] === "\t" || src[j] === "\f")) {
        col = src[j] === "\t" ? (col - (col % 8)) + 8 : col + 1;
        j++;
      }
      i = j;
      indent = col;
      atLineStart = false;
      continue;
    }
    if (c === "\n") {
      i++;
      if (depth === 0) endLine();
      continue;
    }
    if (c === "\\" && (src[i + 1] === "\n" || (src[i + 1] === "\r" && src[i + 2] === "\n"))) {
      i += src[i + 1] === "\n" ? 2 : 3;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    const str = STRING_START.exec(src.slice(i, i + 3));
    if (str) {
      const quote = str[1]!;
      const prefixLen = str[0].length - 1;
      const triple = src.startsWith(quote.repeat(3), i + prefixLen);
      const close = triple ? quote.repeat(3) : quote;
      let j = i + prefixLen + close.length;
      const start = j;
      while (j < src.length) {
        if (src[j] === "\\") {
          j += 2;
          continue;
        }
        if (src.startsWith(close, j)) break;
        if (!triple && src[j] === "\n") break; // unterminated: stop at the line's end
        j++;
      }
      const prefix = src.slice(i, i + prefixLen).toLowerCase();
      tokens.push({ kind: "string", text: prefix.includes("f") ? "\0" : src.slice(start, j), depth });
      i = Math.min(src.length, j + close.length);
      continue;
    }
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (m) {
      tokens.push({ kind: "name", text: m[0], depth });
      i += m[0].length;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
    tokens.push({ kind: "op", text: c, depth: c === "(" || c === "[" || c === "{" ? depth - 1 : depth });
    i++;
  }
  endLine();
  return lines;
}

/** A dotted name starting at tokens[i]: the name and the index after it. */
function dotted(t: Token[], i: number): [string, number] {
  const parts: string[] = [];
  while (t[i]?.kind === "name") {
    parts.push(t[i]!.text);
    if (t[i + 1]?.text === "." && t[i + 2]?.kind === "name") i += 2;
    else {
      i++;
      break;
    }
  }
  return [parts.join("."), i];
}

/** One simple statement's tokens (from `start` to the next `;` at depth 0) as an import, if it is one. */
function importAt(t: Token[], start: number, flags: Pick<PythonImport, "lazy" | "typing" | "main" | "tryBlock" | "fallbackFor">, out: PythonImport[]): void {
  const first = t[start];
  if (first?.kind !== "name") return;
  if (first.text === "import") {
    let i = start + 1;
    while (i < t.length && t[i]!.text !== ";") {
      const [mod, next] = dotted(t, i);
      if (!mod) break;
      out.push({ module: mod, level: 0, names: [], ...flags });
      i = next;
      if (t[i]?.text === "as") i += 2;
      if (t[i]?.text !== ",") break;
      i++;
    }
  } else if (first.text === "from") {
    let i = start + 1;
    let level = 0;
    while (t[i]?.text === ".") {
      level++;
      i++;
    }
    let mod = "";
    if (t[i]?.text !== "import") [mod, i] = dotted(t, i);
    if (t[i]?.text !== "import") return;
    i++;
    const names: string[] = [];
    while (i < t.length && t[i]!.text !== ";") {
      const tok = t[i]!;
      if ((tok.kind === "name" || tok.text === "*") && tok.text !== "as" && t[i - 1]?.text !== "as") names.push(tok.text);
      i++;
    }
    out.push({ module: mod, level, names, ...flags });
  }
}

type Block = { indent: number; kind: "def" | "typing" | "main" | "try" | "fallback"; id?: number };

/** The kind of block a compound statement's line opens, when it matters for imports. */
function blockKind(t: Token[]): Block["kind"] | undefined {
  if (t[0]?.text === "def" || (t[0]?.text === "async" && t[1]?.text === "def")) return "def";
  if (t[0]?.text === "try" && t[1]?.text === ":") return "try";
  if (t[0]?.text === "except") {
    const caught = t.slice(1).filter((x) => x.kind === "name").map((x) => x.text);
    return caught.length === 0 || caught.some((c) => c === "ImportError" || c === "ModuleNotFoundError") ? "fallback" : undefined;
  }
  if (t[0]?.text !== "if") return undefined;
  const words = t.map((x) => x.text);
  if (words.includes("TYPE_CHECKING") && !words.includes("not")) return "typing";
  if (words.includes("__name__") && t.some((x) => x.kind === "string" && x.text === "__main__")) return "main";
  return undefined;
}

/** Every import of a Python source, in order of appearance. */
export function pythonImports(src: string): PythonImport[] {
  const out: PythonImport[] = [];
  // Blocks open at their line's indentation; a line indented no deeper closes them.
  const blocks: Block[] = [];
  // The try block last closed at each indentation: an `except` clause there belongs to it.
  const closedTry = new Map<number, number>();
  let tries = 0;
  for (const line of logicalLines(src)) {
    const t = line.tokens;
    while (blocks.length && blocks[blocks.length - 1]!.indent >= line.indent) {
      const b = blocks.pop()!;
      if (b.kind === "try") closedTry.set(b.indent, b.id!);
    }
    let kind = blockKind(t);
    const id = kind === "try" ? ++tries : kind === "fallback" ? closedTry.get(line.indent) : undefined;
    if (kind === "fallback" && id === undefined) kind = undefined;
    if (t[0]?.text !== "except" && t[0]?.text !== "else" && t[0]?.text !== "finally") closedTry.delete(line.indent);
    const flags = (inner: boolean) => {
      const open = inner && kind ? [...blocks, { indent: line.indent, kind, id }] : blocks;
      const f: Pick<PythonImport, "lazy" | "typing" | "main" | "tryBlock" | "fallbackFor"> = { lazy: open.some((b) => b.kind === "def") };
      if (open.some((b) => b.kind === "typing")) f.typing = true;
      if (open.some((b) => b.kind === "main")) f.main = true;
      const innermost = [...open].reverse().find((b) => b.kind === "try" || b.kind === "fallback");
      if (innermost?.kind === "try") f.tryBlock = innermost.id;
      if (innermost?.kind === "fallback") f.fallbackFor = innermost.id;
      return f;
    };
    const compound = t[0]?.kind === "name" && COMPOUND.has(t[0].text);
    importAt(t, 0, flags(false), out);
    for (let i = 0; i < t.length; i++) {
      const tok = t[i]!;
      if (tok.depth === 0 && (tok.text === ";" || (tok.text === ":" && compound))) importAt(t, i + 1, flags(tok.text === ":"), out);
      // importlib.import_module("x") and __import__("x") with a literal, absolute name.
      if (tok.kind === "name" && (tok.text === "import_module" || tok.text === "__import__") && t[i + 1]?.text === "(") {
        const arg = t[i + 2];
        if (arg?.kind === "string" && /^[A-Za-z_][\w.]*$/.test(arg.text)) out.push({ module: arg.text, level: 0, names: [], ...flags(false), lazy: true, dynamic: true });
      }
    }
    if (kind) blocks.push({ indent: line.indent, kind, id });
  }
  return out;
}
