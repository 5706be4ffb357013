/**
 * The one shell-word splitter. A small POSIX-shell lexer: enough to read the commands a Dockerfile hands
 * to `/bin/sh -c` (RUN, and the shell forms of CMD and ENTRYPOINT), the `sh -c` script of an image's
 * command (slim/command.ts) and argument strings of probes and `--cmd` (splitArgs) — words with their
 * quoting removed, the operators between commands, and whether a word depends on the shell at run time
 * (parameter expansion, command substitution, globs). It does not evaluate anything; callers use
 * `dynamic` to refuse what only a real shell could decide.
 *
 * Why not shell-quote (checked with 1.12's parse): it returns no source text for a word (rewrites edit
 * `raw`), substitutes or drops `$VAR` through its env callback so `'$HOME'` and `$HOME` come back the
 * same (no way to flag dynamic words), splits an unquoted `$(date +%s)` into "$", "(", "date", "+%s",
 * ")", and accepts an unterminated quote silently (a probes file must report it).
 */

export interface ShellWord {
  kind: "word";
  /** The word exactly as written, quotes and escapes included. */
  raw: string;
  /** The word with quotes and escapes removed (expansions are left as written). */
  value: string;
  /** True when the shell would change the word: `$…`, backticks, `~`, or an unquoted glob character. */
  dynamic: boolean;
  /** Set when the word runs into the end of the text inside a quote (which one). */
  unterminated?: "'" | '"';
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
    let unterminated: "'" | '"' | undefined;
    while (i < text.length && !" \t\r".includes(text[i]) && !ONE_CHAR_OPS.includes(text[i])) {
      const ch = text[i];
      if (ch === "\\") {
        if (text[i + 1] !== "\n") value += text[i + 1] ?? "";
        i += 2;
      } else if (ch === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) unterminated = "'";
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
        if (i >= text.length) unterminated = '"';
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
    const word: ShellWord = { kind: "word", raw: text.slice(start, Math.min(i, text.length)), value, dynamic };
    if (unterminated) word.unterminated = unterminated;
    tokens.push(word);
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

/** Operators that only redirect: the word after them is a file, not a command. */
const REDIRECTIONS = new Set([">", "<", ">>", "<<", ">&", "<&", ">|", "<>"]);

/**
 * The words of a shell script that name programs (first word of each simple command, after
 * `VAR=value` prefixes and keywords) and the other words, for a best-effort static reading of
 * `sh -c "go run hash.go"`. Expansions are left as written.
 */
export function commandWords(script: string): { programs: string[]; words: string[] } {
  const programs: string[] = [];
  const words: string[] = [];
  let expectProgram = true;
  let redirectTarget = false;
  for (const t of tokenizeShell(script)) {
    if (t.kind === "op") {
      if (REDIRECTIONS.has(t.op)) redirectTarget = true;
      else expectProgram = true;
      continue;
    }
    const w = t.value;
    if (redirectTarget) {
      redirectTarget = false;
      words.push(w);
      continue;
    }
    if (expectProgram && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) continue; // VAR=value prefix
    if (expectProgram && ["exec", "command", "nohup", "env", "time", "then", "do", "else", "if", "while"].includes(w)) {
      if (w === "env" || w === "nohup" || w === "time") programs.push(w);
      continue;
    }
    if (expectProgram) {
      programs.push(w);
      expectProgram = false;
    } else words.push(w);
  }
  return { programs, words };
}

/**
 * Split an argument string (a probe's `args`, `--cmd`) into argv the way `sh` would, without
 * expanding anything: `$HOME` stays as written. Operators (`|`, `;`, `>`, …) must be quoted;
 * throws Error for them and for an unterminated quote (callers wrap it in an InputError).
 */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  for (const t of tokenizeShell(line)) {
    if (t.kind === "op") {
      if (t.op === "\n") continue;
      throw new Error(`unquoted ${JSON.stringify(t.op)}: quote it to pass it as an argument`);
    }
    if (t.unterminated) throw new Error(`unterminated ${t.unterminated} quote`);
    out.push(t.value);
  }
  return out;
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
