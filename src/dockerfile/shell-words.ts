/**
 * A small POSIX-shell lexer: enough to read the commands a Dockerfile hands to `/bin/sh -c` (RUN, and the
 * shell forms of CMD and ENTRYPOINT) — words with their quoting removed, the operators between commands,
 * and whether a word depends on the shell at run time (parameter expansion, command substitution, globs).
 * It does not evaluate anything; callers use `dynamic` to refuse what only a real shell could decide.
 */

export interface ShellWord {
  kind: "word";
  /** The word exactly as written, quotes and escapes included. */
  raw: string;
  /** The word with quotes and escapes removed (expansions are left as written). */
  value: string;
  /** True when the shell would change the word: `$…`, backticks, `~`, or an unquoted glob character. */
  dynamic: boolean;
}

export interface ShellOperator {
  kind: "op";
  /** `&&`, `||`, `;`, `|`, `&`, `(`, `)`, a redirection such as `>` or `2>&1`'s `>&`, or `\n`. */
  op: string;
}

export type ShellToken = ShellWord | ShellOperator;

const TWO_CHAR_OPS = ["&&", "||", ";;", ">>", "<<", ">&", "<&", ">|", "<>"];
const ONE_CHAR_OPS = "&|;()<>\n";

/** Index just past the closing delimiter of `$(…)`, `${…}` or a backtick group starting at `start`. */
function skipExpansion(text: string, start: number): number {
  if (text[start] === "`") {
    let i = start + 1;
    while (i < text.length && text[i] !== "`") i += text[i] === "\\" ? 2 : 1;
    return Math.min(i + 1, text.length);
  }
  const open = text[start + 1];
  if (open !== "(" && open !== "{") return start + 1;
  const close = open === "(" ? ")" : "}";
  let depth = 0;
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === "'") i = text.indexOf("'", i + 1) < 0 ? text.length : text.indexOf("'", i + 1) + 1;
    else {
      if (c === open) depth++;
      else if (c === close && --depth === 0) return i + 1;
      i++;
    }
  }
  return text.length;
}

/** Splits shell text into words and operators. Comments (`#` at the start of a word) are dropped. */
export function tokenizeShell(text: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (TWO_CHAR_OPS.includes(two)) {
      tokens.push({ kind: "op", op: two });
      i += 2;
      continue;
    }
    if (ONE_CHAR_OPS.includes(c)) {
      tokens.push({ kind: "op", op: c });
      i++;
      continue;
    }
    const start = i;
    let value = "";
    let dynamic = false;
    while (i < text.length && !" \t\r".includes(text[i]) && !ONE_CHAR_OPS.includes(text[i])) {
      const ch = text[i];
      if (ch === "\\") {
        if (text[i + 1] !== "\n") value += text[i + 1] ?? "";
        i += 2;
      } else if (ch === "'") {
        const end = text.indexOf("'", i + 1);
        const stop = end < 0 ? text.length : end;
        value += text.slice(i + 1, stop);
        i = stop + 1;
      } else if (ch === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\" && '$`"\\\n'.includes(text[i + 1] ?? "")) {
            if (text[i + 1] !== "\n") value += text[i + 1];
            i += 2;
          } else if (text[i] === "$" || text[i] === "`") {
            dynamic = true;
            const end = skipExpansion(text, i);
            value += text.slice(i, end);
            i = end;
          } else value += text[i++];
        }
        i++;
      } else if (ch === "$" || ch === "`") {
        dynamic = true;
        const end = skipExpansion(text, i);
        value += text.slice(i, end);
        i = end;
      } else {
        if ("*?[".includes(ch) || (ch === "~" && i === start)) dynamic = true;
        value += ch;
        i++;
      }
    }
    tokens.push({ kind: "word", raw: text.slice(start, Math.min(i, text.length)), value, dynamic });
  }
  return tokens;
}

export interface ShellCommand {
  /** The words of one simple command. */
  words: ShellWord[];
  /** The operator that ends this command (`&&`, `;`, `|`, …), or null for the last one. */
  next: string | null;
}

/** Groups tokens into simple commands, split at every operator. */
export function splitCommands(tokens: ShellToken[]): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: ShellWord[] = [];
  for (const token of tokens) {
    if (token.kind === "word") words.push(token);
    else {
      commands.push({ words, next: token.op });
      words = [];
    }
  }
  if (words.length > 0 || commands.length === 0) commands.push({ words, next: null });
  return commands;
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a value so that `sh` reads it back as exactly one word with that value. */
export function quoteShellWord(value: string): string {
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `name=value` for a flag, quoting only the value when possible (`-ldflags="-s -w"`). */
export function shellFlag(name: string, value: string): string {
  if (SAFE_WORD.test(value)) return `${name}=${value}`;
  if (!/[$`"\\!]/.test(value)) return `${name}="${value}"`;
  return quoteShellWord(`${name}=${value}`);
}
