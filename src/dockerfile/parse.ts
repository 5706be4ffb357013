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

export interface Instruction {
  /** Upper-case keyword, e.g. `RUN` (Docker keywords are case-insensitive). */
  keyword: string;
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
}

const KEYWORDS = new Set<string>(Object.values(Keyword));
const EXECUTING = new Set(["RUN", "CMD", "ENTRYPOINT", "SHELL"]);
const WITH_PROPERTIES = new Set(["ENV", "LABEL", "ARG"]);

function fail(line: number, message: string): never {
  throw new InputError(`Dockerfile line ${line}: ${message}`);
}

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

function heredocsOf(node: AstInstruction, lines: string[], line: number): Heredoc[] {
  const withHeredocs = node as AstInstruction & { getHeredocs?: () => AstHeredoc[] };
  if (typeof withHeredocs.getHeredocs !== "function") return [];
  return withHeredocs.getHeredocs().map((heredoc) => {
    const start = heredoc.getStartRange().start;
    const marker = lines[start.line].slice(start.character);
    const stripTabs = marker.startsWith("<<-");
    const quoted = /^<<-?["']/.test(marker);
    if (heredoc.getDelimiterRange() === null) fail(line, `heredoc <<${heredoc.getName()} is never closed`);
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

function validate(instruction: Instruction): void {
  const { keyword, body, range, heredocs } = instruction;
  const line = range.start.line;
  if (!KEYWORDS.has(keyword)) fail(line, `unknown instruction ${keyword}`);
  if (body === "" && keyword !== "CMD" && keyword !== "ENTRYPOINT") fail(line, `${keyword} needs arguments`);
  if (keyword === "SHELL" && !instruction.json) fail(line, "SHELL needs a JSON array, e.g. SHELL [\"/bin/sh\", \"-c\"]");
  if ((keyword === "COPY" || keyword === "ADD") && heredocs.length === 0 && !instruction.json && body.split(/\s+/).length < 2)
    fail(line, `${keyword} needs a source and a destination`);
  if (keyword === "HEALTHCHECK" && !/^(NONE|CMD)(\s|$)/i.test(body)) fail(line, "HEALTHCHECK takes NONE or CMD …");
}

function toRange(node: AstInstruction): SourceRange {
  const { start, end } = node.getRange();
  return { start: { line: start.line + 1, column: start.character + 1 }, end: { line: end.line + 1, column: end.character + 1 } };
}

/** Parses Dockerfile text. Throws InputError (with the line number) for what Docker would reject. */
export function parseDockerfile(text: string): Dockerfile {
  const ast = DockerfileParser.parse(text);
  const lines = text.split(/\r?\n/);
  const directives = ast.getDirectives().map((d) => ({ name: d.getName().toLowerCase(), value: d.getValue(), line: d.getRange().start.line + 1 }));
  const escapeDirective = directives.find((d) => d.name === "escape");
  if (escapeDirective && escapeDirective.value !== "\\" && escapeDirective.value !== "`")
    fail(escapeDirective.line, `escape directive must be \\ or \`, not ${JSON.stringify(escapeDirective.value)}`);
  const escape = escapeDirective?.value === "`" ? "`" : "\\";
  const commentLines = ast.getComments().map((c) => ({ line: c.getRange().start.line, text: c.getContent() }));

  const result: Dockerfile = { escape, directives, globalArgs: [], stages: [], instructions: [], trailingComments: [] };
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
    const range = toRange(node);
    const instruction: Instruction = {
      keyword,
      raw: lines.slice(start.line, lastLine + 1).join("\n"),
      args,
      flags,
      body: rest,
      json: parseJsonArray(rest),
      command: commandOf(keyword, rest),
      properties: WITH_PROPERTIES.has(keyword) ? parseProperties(keyword, rest) : [],
      heredocs: heredocsOf(node, lines, range.start.line),
      range,
      stage: result.stages.length === 0 ? null : result.stages.length - 1,
      comments: commentLines.filter((c) => c.line > previousEnd && c.line < start.line).map((c) => c.text),
    };
    previousEnd = lastLine;
    validate(instruction);
    result.instructions.push(instruction);

    if (keyword === "FROM") {
      const words = rest.split(/\s+/);
      if (words.length !== 1 && !(words.length === 3 && words[1].toUpperCase() === "AS"))
        fail(range.start.line, "FROM expects `image [AS name]`");
      const name = words.length === 3 ? words[2].toLowerCase() : null;
      const clash = result.stages.find((s) => name !== null && s.name === name);
      if (clash) fail(range.start.line, `stage name ${name} is already used on line ${clash.from.range.start.line}`);
      instruction.stage = result.stages.length;
      const platform = flags.find((f) => f.name === "platform")?.value ?? null;
      result.stages.push({ index: result.stages.length, name, base: words[0], platform, from: instruction, instructions: [] });
    } else if (result.stages.length === 0) {
      if (keyword !== "ARG") fail(range.start.line, `${keyword} before the first FROM (only ARG may come first)`);
      result.globalArgs.push(instruction);
    } else {
      result.stages[result.stages.length - 1].instructions.push(instruction);
    }
  }
  if (result.stages.length === 0) fail(1, "no FROM instruction");
  result.trailingComments = commentLines.filter((c) => c.line > previousEnd).map((c) => c.text);
  return result;
}
