/**
 * The Go side of the stage that produces the image: on top of the shared stage walker (../stages.ts:
 * working directory, user and ARG/ENV values at each step), records what was copied from the context,
 * every `go build` / `go install` / `go mod download` in RUN lines, and which command starts the program.
 */
import path from "node:path";
import type { Instruction, Stage } from "../parse.js";
import { quoteShellWord, splitCommands, tokenizeShell, type ShellCommand } from "../shell-words.js";
import { whitespaceWords } from "../instruction-text.js";
import { expandVariables, type StageInfo, type Step } from "../stages.js";
import type { ContextCopy } from "./context-paths.js";
import { parseGoInvocation, type GoInvocation, type Word } from "./go-command.js";

export type { Step } from "../stages.js";

export interface GoBuildSite {
  instruction: Instruction;
  invocation: GoInvocation;
  /** `NAME=value` words in front of the command, as written. */
  env: Word[];
  /** Working directory of the command in the image (after any `cd … &&` in front of it). */
  cwd: string;
  /** The shell commands of the RUN, when it is a shell-form `&&` chain the build can be swapped into. */
  chain: ShellCommand[] | null;
  /** Index of the build command in `chain`. */
  index: number;
}

export interface StageFacts {
  /** The walker's steps: each instruction with the working directory, user and variables in effect. */
  steps: readonly Step[];
  copies: ContextCopy[];
  builds: GoBuildSite[];
  /** RUN lines that download modules (`go mod download`, `go get`). */
  downloads: Instruction[];
  /** Working directory the program starts in. */
  workdir: string;
  /** USER the program runs as (null: the base image's, normally root). */
  user: string | null;
  /** What the stage took over from the earlier stage it is built FROM (null when it starts from an image). */
  inherited: StageInfo["end"] | null;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function words(values: string[]): Word[] {
  return values.map((value) => ({ value, raw: quoteShellWord(value) }));
}

function recordRun(step: Step, facts: StageFacts): void {
  const { instruction } = step;
  const command = instruction.command;
  if (!command) return;
  if (command.exec) {
    const invocation = parseGoInvocation(words(command.exec));
    if (invocation && invocation.verb !== "run")
      facts.builds.push({ instruction, invocation, env: [], cwd: step.cwd, chain: null, index: 0 });
    if (/^go$/.test(command.exec[0] ?? "") && (command.exec[1] === "get" || command.exec.slice(1, 3).join(" ") === "mod download"))
      facts.downloads.push(instruction);
    return;
  }
  const chain = splitCommands(tokenizeShell(command.shell ?? ""));
  const onlyAnd = chain.every((c) => c.next === null || c.next === "&&");
  let cwd = step.cwd;
  chain.forEach((shellCommand, index) => {
    const all = shellCommand.words;
    let start = 0;
    while (start < all.length && ASSIGNMENT.test(all[start].value)) start++;
    const rest = all.slice(start);
    if (rest[0]?.value === "cd" && rest[1] && !rest[1].dynamic) cwd = path.posix.resolve(cwd, rest[1].value);
    if (rest[0]?.value === "go" && (rest[1]?.value === "get" || (rest[1]?.value === "mod" && rest[2]?.value === "download")))
      if (!facts.downloads.includes(instruction)) facts.downloads.push(instruction);
    const invocation = parseGoInvocation(rest);
    if (invocation && invocation.verb !== "run")
      facts.builds.push({ instruction, invocation, env: all.slice(0, start), cwd, chain: onlyAnd ? chain : null, index });
  });
}

/** A COPY/ADD from the build context, with its sources and destination expanded as Docker does. */
function contextCopy(step: Step): ContextCopy | null {
  const { instruction, vars, cwd } = step;
  if (instruction.flags.some((f) => f.name === "from") || instruction.heredocs.length > 0) return null;
  const all = instruction.json ?? whitespaceWords(instruction.body);
  if (all.length < 2) return null;
  const dest = expandVariables(all[all.length - 1], vars);
  const sources = all.slice(0, -1).map((s) => expandVariables(s, vars));
  // `.` and `..` name directories even without a trailing slash (`COPY main.go .`).
  const destIsDir = dest.endsWith("/") || /(^|\/)\.\.?$/.test(dest) || sources.length > 1;
  return { sources, dest: path.posix.resolve(cwd, dest), destIsDir };
}

/** The Go facts of a walked stage (see walkStages); `parent` is the stage it is built FROM, if any. */
export function goStageFacts(info: StageInfo, parent: StageInfo | null): StageFacts {
  const inherited = parent?.end ?? null;
  const facts: StageFacts = { steps: info.steps, copies: [], builds: [], downloads: [], workdir: info.end.cwd, user: info.end.user, inherited };
  for (const step of info.steps) {
    const { keyword } = step.instruction;
    if (keyword === "COPY" || keyword === "ADD") {
      const copy = contextCopy(step);
      if (copy) facts.copies.push(copy);
    } else if (keyword === "RUN") recordRun(step, facts);
  }
  return facts;
}

export interface StartCommand {
  /** The ENTRYPOINT or CMD that runs the program. */
  instruction: Instruction;
  /** The program's argv as Docker would run it (shell form read into words). */
  argv: Word[];
}

const SHELLS = new Set(["sh", "bash", "dash", "ash"]);

/** Reads simple shell text into words, or explains why it needs a shell. */
function simpleWords(text: string): Word[] | string {
  const tokens = tokenizeShell(text);
  const operator = tokens.find((t) => t.kind === "op");
  if (operator && operator.kind === "op") return `it uses the shell operator ${JSON.stringify(operator.op)}`;
  const list = tokens.flatMap((t) => (t.kind === "word" ? [t] : []));
  const dynamic = list.find((w) => w.dynamic);
  if (dynamic) return `it relies on shell expansion (${dynamic.raw})`;
  const result = list.map((w) => ({ value: w.value, raw: w.raw }));
  if (result[0]?.value === "exec") result.shift();
  if (ASSIGNMENT.test(result[0]?.value ?? "")) return "it sets variables in front of the command";
  return result;
}

/** Finds the command that starts the program: ENTRYPOINT when set, else CMD. */
export function startCommand(stage: Stage): StartCommand | string {
  const entrypoint = stage.instructions.filter((i) => i.keyword === "ENTRYPOINT").at(-1);
  const cmd = stage.instructions.filter((i) => i.keyword === "CMD").at(-1);
  const instruction = entrypoint ?? cmd;
  if (!instruction?.command) return "the final stage has no CMD or ENTRYPOINT, so nothing says which program to build";
  const command = instruction.command;
  let argv: Word[] | string;
  if (command.exec) {
    const [first, flag, script] = command.exec;
    if (first && SHELLS.has(path.posix.basename(first)) && flag === "-c" && script !== undefined) argv = simpleWords(script);
    else argv = words(command.exec);
  } else argv = simpleWords(command.shell ?? "");
  if (typeof argv === "string") return `${instruction.keyword} needs a shell, which scratch does not have: ${argv}`;
  if (argv.length === 0) return `${instruction.keyword} is empty`;
  return { instruction, argv };
}
