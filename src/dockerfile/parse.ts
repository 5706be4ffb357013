/**
 * Dockerfile model: stages, instructions with keyword, arguments, flags, exec vs shell form, heredocs,
 * source ranges and the comments above them.
 *
 * Parser choice: dockerfile-ast (the TypeScript parser behind the Docker language server) finds the
 * structure — where each instruction starts and ends across continuations, comments and heredocs, the
 * parser directives and the escape character — and it does that correctly. It never rejects anything,
 * though, and its argument values are wrong in places that matter to a rewrite (JSON strings lose their
 * whitespace), so this module validates what Docker would reject and reads the values itself
 * (see instruction-text.ts).
 */
import { DockerfileParser, Keyword, type Heredoc as AstHeredoc, type Instruction as AstInstruction } from "dockerfile-ast";
import { InputError } from "../errors.js";
import { logicalLine, parseJsonArray, parseProperties, splitFlags, type Flag, type Property } from "./instruction-text.js";

export type { Flag, Property } from "./instruction-text.js";

/** 1-based line and column, as editors, hadolint and SARIF count them. */
export interface Position {
  line: number;
  column: number;
}

/** `end` is exclusive: the position just after the last character (SARIF's endColumn convention). */
export interface SourceRange {
  start: Position;
  end: Position;
}

export interface Heredoc {
  /** The delimiter word, e.g. `EOF`. */
  name: string;
  /** The lines between the opening line and the delimiter (leading tabs removed for `<<-`). */
  body: string;
  /** `<<-`: leading tabs are stripped from the body and the delimiter line. */
  stripTabs: boolean;
  /** `<<"EOF"` or `<<'EOF'`: no expansion inside the body. */
  quoted: boolean;
}

/** The command of RUN, CMD, ENTRYPOINT, SHELL, or HEALTHCHECK CMD. */
export interface Command {
  form: "exec" | "shell";
  /** argv for the exec form, null for the shell form. */
  exec: string[] | null;
  /** The text handed to the shell for the shell form, null for the exec form. */
  shell: string | null;
}

/** A word of an instruction's arguments as dockerfile-ast reads it, with where it is written. */
export interface Token {
  value: string;
  range: SourceRange;
}

export interface Instruction {
  /** Upper-case keyword, e.g. `RUN` (Docker keywords are case-insensitive). */
  keyword: string;
  keywordRange: SourceRange;
  /** The argument words after the flags, each with its range (what lint findings point at). */
  tokens: Token[];
  /** The source text of the whole instruction: continuations, inner comments and heredoc bodies included. */
  raw: string;
  /** The logical argument text: continuations joined, inner comment lines removed, flags included. */
  args: string;
  /** Leading `--name=value` flags (FROM, RUN, COPY, ADD, HEALTHCHECK). */
  flags: Flag[];
  /** The arguments after the flags. */
  body: string;
  /** The argv when `body` is a JSON array of strings (exec form of RUN/CMD/…, JSON form of COPY/VOLUME). */
  json: string[] | null;
  /** What gets executed, for instructions that execute something; null otherwise. */
  command: Command | null;
  /** `key=value` pairs of ENV, LABEL and ARG; empty for other keywords. */
  properties: Property[];
  heredocs: Heredoc[];
  range: SourceRange;
  /** Index of the stage this instruction belongs to; null for ARGs before the first FROM. */
  stage: number | null;
  /** Own-line comments between the previous instruction and this one, without the `#`. */
  comments: string[];
}

export interface Stage {
  index: number;
  /** The `AS name`, lower-cased as Docker treats it, or null. */
  name: string | null;
  /** The image reference after FROM, as written (may contain `${ARG}`). */
  base: string;
  platform: string | null;
  from: Instruction;
  /** The instructions after FROM, in order. */
  instructions: Instruction[];
}

export interface Directive {
  name: string;
  value: string;
  line: number;
}

export interface Dockerfile {
  escape: "\\" | "`";
  directives: Directive[];
  /** ARG instructions before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
  /** Every instruction in source order. */
  instructions: Instruction[];
  /** Comments after the last instruction, without the `#`. */
  trailingComments: string[];
  /** Every own-line comment (parser directives excluded), with its 1-based line. */
  commentLines: { line: number; text: string }[];
}

/** A problem Docker would reject, where it is. */
export interface ParseDiagnostic {
  line: number;
  column: number;
  message: string;
}

/** What the tolerant parse gives: the model of everything it could read, and every problem it found. */
export interface TolerantParse {
  dockerfile: Dockerfile;
  diagnostics: ParseDiagnostic[];
}

const KEYWORDS = new Set<string>(Object.values(Keyword));
const EXECUTING = new Set(["RUN", "CMD", "ENTRYPOINT", "SHELL"]);
const WITH_PROPERTIES = new Set(["ENV", "LABEL", "ARG"]);

type Report = (line: number, column: number, message: string) => void;

function commandOf(keyword: string, body: string): Command | null {
  let text = body;
  if (keyword === "HEALTHCHECK") {
    const match = /^CMD(?:\s+|$)/i.exec(body);
    if (!match) return null;
    text = body.slice(match[0].length);
  } else if (!EXECUTING.has(keyword)) return null;
  const exec = parseJsonArray(text);
  return exec ? { form: "exec", exec, shell: null } : { form: "shell", exec: null, shell: text };
}

function heredocsOf(node: AstInstruction, lines: string[], report: Report): Heredoc[] {
  const withHeredocs = node as AstInstruction & { getHeredocs?: () => AstHeredoc[] };
  if (typeof withHeredocs.getHeredocs !== "function") return [];
  return withHeredocs.getHeredocs().map((heredoc) => {
    const start = heredoc.getStartRange().start;
    const marker = lines[start.line].slice(start.character);
    const stripTabs = marker.startsWith("<<-");
    const quoted = /^<<-?["']/.test(marker);
    if (heredoc.getDelimiterRange() === null) report(start.line + 1, start.character + 1, `heredoc <<${heredoc.getName()} is never closed`);
    const content = heredoc.getContentRange();
    let body = "";
    if (content) {
      const bodyLines = lines.slice(content.start.line, content.end.line + 1);
      bodyLines[bodyLines.length - 1] = bodyLines[bodyLines.length - 1].slice(0, content.end.character);
      body = (stripTabs ? bodyLines.map((l) => l.replace(/^\t+/, "")) : bodyLines).join("\n");
    }
    return { name: heredoc.getName(), body, stripTabs, quoted };
  });
}

/** Checks what Docker would reject about one instruction; false when it is unknown (kept out of the model). */
function validate(instruction: Instruction, report: Report): boolean {
  const { keyword, body, heredocs } = instruction;
  const { line, column } = instruction.range.start;
  const fail = (message: string) => report(line, column, message);
  if (!KEYWORDS.has(keyword)) {
    // Binary or mangled input: show the word quoted and cut, so the message stays one readable line.
    fail(`unknown instruction ${/^[\x21-\x7e]{1,40}$/.test(keyword) ? keyword : JSON.stringify(keyword.slice(0, 40))}`);
    return false;
  }
  if (body === "" && keyword !== "CMD" && keyword !== "ENTRYPOINT") fail(`${keyword} needs arguments`);
  else if (keyword === "SHELL" && !instruction.json) fail("SHELL needs a JSON array, e.g. SHELL [\"/bin/sh\", \"-c\"]");
  else if ((keyword === "COPY" || keyword === "ADD") && heredocs.length === 0 && !instruction.json && body.split(/\s+/).length < 2)
    fail(`${keyword} needs a source and a destination`);
  else if (keyword === "HEALTHCHECK" && !/^(NONE|CMD)(\s|$)/i.test(body)) fail("HEALTHCHECK takes NONE or CMD …");
  return true;
}

function toRange(range: { start: { line: number; character: number }; end: { line: number; character: number } }): SourceRange {
  const { start, end } = range;
  return { start: { line: start.line + 1, column: start.character + 1 }, end: { line: end.line + 1, column: end.character + 1 } };
}

/** Parses Dockerfile text. Throws InputError (with the line number) at the first thing Docker would reject. */
export function parseDockerfile(text: string): Dockerfile {
  const { dockerfile, diagnostics } = parseDockerfileTolerant(text);
  const first = diagnostics[0];
  if (first) throw new InputError(`Dockerfile line ${first.line}: ${first.message}`);
  return dockerfile;
}

/**
 * Parses Dockerfile text without stopping: every problem Docker would reject becomes a diagnostic with its
 * line and column, and the model holds every instruction that could be read (unknown keywords are left out).
 */
export function parseDockerfileTolerant(text: string): TolerantParse {
  const diagnostics: ParseDiagnostic[] = [];
  const report: Report = (line, column, message) => diagnostics.push({ line, column, message });
  const ast = DockerfileParser.parse(text);
  const lines = text.split(/\r?\n/);
  // dockerfile-ast also takes `# imgdiet global ignore=x` for a directive; Docker's keys are one word.
  const astDirectives = ast.getDirectives();
  const isDirective = (line: number) => /^\s*#\s*[A-Za-z][A-Za-z0-9]*\s*=/.test(lines[line] ?? "");
  const directives = astDirectives
    .filter((d) => isDirective(d.getRange().start.line))
    .map((d) => ({ name: d.getName().toLowerCase(), value: d.getValue(), line: d.getRange().start.line + 1 }));
  const escapeDirective = directives.find((d) => d.name === "escape");
  if (escapeDirective && escapeDirective.value !== "\\" && escapeDirective.value !== "`")
    report(escapeDirective.line, 1, `escape directive must be \\ or \`, not ${JSON.stringify(escapeDirective.value)}`);
  const escape = escapeDirective?.value === "`" ? "`" : "\\";
  const commentLines = [
    ...astDirectives
      .filter((d) => !isDirective(d.getRange().start.line))
      .map((d) => ({ line: d.getRange().start.line, text: (lines[d.getRange().start.line] ?? "").replace(/^\s*#\s?/, "") })),
    ...ast.getComments().map((c) => ({ line: c.getRange().start.line, text: c.getContent() })),
  ];

  const result: Dockerfile = {
    escape,
    directives,
    globalArgs: [],
    stages: [],
    instructions: [],
    trailingComments: [],
    commentLines: commentLines.map((c) => ({ line: c.line + 1, text: c.text })),
  };
  let previousEnd = -1;
  for (const node of ast.getInstructions()) {
    const astRange = node.getRange();
    const start = astRange.start;
    let lastLine = astRange.end.line;
    if (astRange.end.character === 0 && lastLine > start.line) lastLine--;
    const logical = logicalLine(lines, start.line, start.character, lastLine, escape);
    const keyword = node.getKeyword().toUpperCase();
    const args = logical.trim().replace(/^\S+/, "").trim();
    const { flags, rest } = splitFlags(args);
    const range = toRange(astRange);
    const instruction: Instruction = {
      keyword,
      keywordRange: toRange(node.getInstructionRange()),
      tokens: node.getArguments().map((a) => ({ value: a.getValue(), range: toRange(a.getRange()) })),
      raw: lines.slice(start.line, lastLine + 1).join("\n"),
      args,
      flags,
      body: rest,
      json: parseJsonArray(rest),
      command: commandOf(keyword, rest),
      properties: WITH_PROPERTIES.has(keyword) ? parseProperties(keyword, rest) : [],
      heredocs: heredocsOf(node, lines, report),
      range,
      stage: result.stages.length === 0 ? null : result.stages.length - 1,
      comments: commentLines.filter((c) => c.line > previousEnd && c.line < start.line).map((c) => c.text),
    };
    previousEnd = lastLine;
    if (!validate(instruction, report)) continue;
    result.instructions.push(instruction);
    const { line, column } = range.start;

    if (keyword === "FROM") {
      const words = rest.split(/\s+/);
      if (words.length !== 1 && !(words.length === 3 && words[1].toUpperCase() === "AS")) report(line, column, "FROM expects `image [AS name]`");
      const name = words.length === 3 ? words[2].toLowerCase() : null;
      const clash = result.stages.find((s) => name !== null && s.name === name);
      if (clash) report(line, column, `stage name ${name} is already used on line ${clash.from.range.start.line}`);
      instruction.stage = result.stages.length;
      const platform = flags.find((f) => f.name === "platform")?.value ?? null;
      result.stages.push({ index: result.stages.length, name, base: words[0], platform, from: instruction, instructions: [] });
    } else if (result.stages.length === 0) {
      if (keyword !== "ARG") report(line, column, `${keyword} before the first FROM (only ARG may come first)`);
      else result.globalArgs.push(instruction);
    } else {
      result.stages[result.stages.length - 1].instructions.push(instruction);
    }
  }
  if (result.stages.length === 0) report(1, 1, "no FROM instruction");
  result.trailingComments = commentLines.filter((c) => c.line > previousEnd).map((c) => c.text);
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return { dockerfile: result, diagnostics };
}
