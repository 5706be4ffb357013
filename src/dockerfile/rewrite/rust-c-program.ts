/**
 * For the native-binary rewriters (Rust, C/C++): which command starts the program and where its binary
 * is, read from the final stage as the stage walker sees it. Pure text: a bare command name is resolved
 * by the builder's shell (`command -v`), since only the built image knows its PATH.
 */
import path from "node:path";
import type { Instruction } from "../parse.js";
import type { Step } from "../stages.js";
import { commandWords, splitCommands, tokenizeShell, type ShellCommand } from "../shell-words.js";
import type { RewriteContext } from "./registry.js";

export interface StartCommand {
  /** The ENTRYPOINT or CMD that runs the program. */
  instruction: Instruction;
  /** The program's argv as Docker runs it (a shell form read into words). */
  argv: string[];
  /** Working directory the program starts in. */
  workdir: string;
}

export interface ProgramPath {
  /** The binary in the builder: an absolute path, or `"$(command -v NAME)"` for a name found on PATH. */
  builderPath: string;
  /** Where the final image holds it (absolute, so that the exec form finds it without a PATH search). */
  finalPath: string;
}

const SHELLS = new Set(["sh", "bash", "dash", "ash"]);
/** Programs that run source text: their image has no compiled program for a scratch stage. */
const INTERPRETERS =
  /^(sh|bash|dash|ash|zsh|python[\d.]*|pip[\d.]*|gunicorn|uvicorn|node|nodejs|npm|npx|yarn|pnpm|bun|deno|java|ruby|bundle|rails|perl|php|php-fpm|lua[\d.]*|Rscript|dotnet|env|make|cmake|gcc|g\+\+|cc|clang)$/;
const SCRIPT_EXTENSION = /\.(sh|bash|py|pl|rb|js|mjs|cjs|ts|php|lua|jar)$/;

/** The words of simple shell text, or why it needs a real shell (which scratch does not have). */
function simpleWords(text: string): string[] | string {
  const tokens = tokenizeShell(text);
  const operator = tokens.find((t) => t.kind === "op" && t.op !== "\n");
  if (operator && operator.kind === "op") return `it uses the shell operator ${JSON.stringify(operator.op)}`;
  const words = tokens.flatMap((t) => (t.kind === "word" ? [t] : []));
  const dynamic = words.find((w) => w.dynamic);
  if (dynamic) return `it relies on shell expansion (${dynamic.raw})`;
  const values = words.map((w) => w.value);
  if (values[0] === "exec") values.shift();
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(values[0] ?? "")) return "it sets variables in front of the command";
  return values;
}

/** The command that starts the program: the last ENTRYPOINT when there is one, else the last CMD. */
export function startCommand(ctx: RewriteContext): StartCommand | string {
  const steps = ctx.walked.final.steps;
  const last = (keyword: string) => steps.filter((s) => s.instruction.keyword === keyword).at(-1);
  const step = last("ENTRYPOINT") ?? last("CMD");
  const command = step?.instruction.command;
  if (!step || !command) return "the final stage has no CMD or ENTRYPOINT, so nothing says which program to ship";
  let argv: string[] | string;
  if (command.exec) {
    const [first, flag, script] = command.exec;
    argv = first && SHELLS.has(path.posix.basename(first)) && flag === "-c" && script !== undefined ? simpleWords(script) : command.exec;
  } else argv = simpleWords(command.shell ?? "");
  if (typeof argv === "string") return `${step.instruction.keyword} needs a shell, which scratch does not have: ${argv}`;
  if (argv.length === 0) return `${step.instruction.keyword} is empty`;
  return { instruction: step.instruction, argv, workdir: ctx.walked.final.end.cwd };
}

/** Why argv[0] is not a compiled program this rewrite can ship alone, or undefined when it may be one. */
export function notABinary(argv0: string): string | undefined {
  const name = path.posix.basename(argv0);
  if (INTERPRETERS.test(name)) return `it starts ${name}, not a compiled program`;
  if (SCRIPT_EXTENSION.test(name)) return `it starts ${argv0}, a script, not a compiled program`;
  return undefined;
}

/** Where the builder finds argv[0] and where the final image keeps it. */
export function locateProgram(argv0: string, workdir: string): ProgramPath {
  if (argv0.includes("/")) {
    const absolute = path.posix.resolve(workdir, argv0);
    return { builderPath: absolute, finalPath: absolute };
  }
  return { builderPath: `"$(command -v ${argv0})"`, finalPath: `/usr/local/bin/${argv0}` };
}

/** One simple command of a RUN instruction, with what the rewriters need to edit it. */
export interface RunCommand {
  step: Step;
  /** The `&&`/`;` chain of a shell-form RUN (null for the exec form). */
  chain: ShellCommand[] | null;
  /** Index of the command in `chain`. */
  index: number;
  /** The command's words (values), `VAR=value` prefixes removed. */
  words: string[];
  /** Number of `VAR=value` words in front of the command. */
  envWords: number;
  /** Working directory of the command (after `cd DIR &&` in front of it). */
  cwd: string;
}

/** Every simple command of the RUN instructions in `steps`. */
export function runCommands(steps: readonly Step[]): RunCommand[] {
  const found: RunCommand[] = [];
  for (const step of steps) {
    const command = step.instruction.keyword === "RUN" ? step.instruction.command : null;
    if (!command) continue;
    if (command.exec) {
      found.push({ step, chain: null, index: 0, words: command.exec, envWords: 0, cwd: step.cwd });
      continue;
    }
    const chain = splitCommands(tokenizeShell(command.shell ?? ""));
    let cwd = step.cwd;
    chain.forEach((c, index) => {
      let envWords = 0;
      while (envWords < c.words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(c.words[envWords].value)) envWords++;
      const words = c.words.slice(envWords).map((w) => w.value);
      if (words[0] === "cd" && words[1] && !c.words[envWords + 1].dynamic) cwd = path.posix.resolve(cwd, words[1]);
      found.push({ step, chain, index, words, envWords, cwd });
    });
  }
  return found;
}

/** Every program a RUN of the stages that reach the final image calls, with the line that calls it. */
export function programsRun(ctx: RewriteContext): Array<{ program: string; instruction: Instruction }> {
  return ctx.walked.stages
    .filter((s) => s.reachesFinal)
    .flatMap((s) => s.steps)
    .filter((s) => s.instruction.keyword === "RUN" && s.instruction.command)
    .flatMap((s) => {
      const command = s.instruction.command!;
      const programs = command.exec ? [command.exec[0]] : commandWords(command.shell ?? "").programs;
      return programs.map((program) => ({ program: path.posix.basename(program), instruction: s.instruction }));
    });
}

/** Every word of the RUN lines of the stages reaching the final image (what they install, link, …). */
export function runWords(ctx: RewriteContext): string[] {
  return ctx.walked.stages
    .filter((s) => s.reachesFinal)
    .flatMap((s) => s.steps)
    .flatMap((s) => {
      const command = s.instruction.keyword === "RUN" ? s.instruction.command : null;
      if (!command) return [];
      return command.exec ?? tokenizeShell(command.shell ?? "").flatMap((t) => (t.kind === "word" ? [t.value] : []));
    });
}
