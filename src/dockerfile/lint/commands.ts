/**
 * The simple commands an instruction runs, read with the one shell splitter: `VAR=value` prefixes and
 * wrappers (`sudo`, `env`, `exec`, `nohup`, `time`) taken off, `sh -c "…"` and `python -m pip` looked into,
 * heredoc scripts of RUN included. Static reading only: nothing is expanded.
 */
import path from "node:path";
import type { Instruction } from "../parse.js";
import { splitCommands, tokenizeShell } from "../shell-words.js";
import { flagFields } from "../stages.js";

export interface SimpleCommand {
  /** The program's base name: `apt-get`, `pip`, `go`. */
  program: string;
  /** The words after the program, quotes removed. */
  args: string[];
  /** `NAME=value` words in front of the command. */
  env: Map<string, string>;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const WRAPPERS = new Set(["sudo", "exec", "nohup", "time", "command", "then", "do", "else", "if", "while", "until", "!"]);
const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh"]);
const SCRIPT_INTERPRETERS = /^(python[\d.]*|node|perl|ruby|php)$/;

function fromWords(words: string[], out: SimpleCommand[], depth: number): void {
  const env = new Map<string, string>();
  let i = 0;
  for (;;) {
    const word = words[i];
    if (word === undefined) return;
    const assignment = ASSIGNMENT.exec(word);
    if (assignment) {
      env.set(assignment[1], assignment[2]);
      i++;
    } else if (WRAPPERS.has(word) || (word === "env" && i + 1 < words.length)) i++;
    else if (word.startsWith("-") && (words[i - 1] === "sudo" || words[i - 1] === "env")) i++;
    else break;
  }
  let program = path.posix.basename(words[i]!);
  let args = words.slice(i + 1);
  if (SHELLS.has(program) && depth < 3) {
    const c = args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    if (c >= 0 && args[c + 1] !== undefined) {
      out.push(...commandsOfScript(args[c + 1]!, depth + 1));
      return;
    }
  }
  if (/^python[\d.]*$/.test(program) && args[0] === "-m" && args[1]) {
    program = args[1];
    args = args.slice(2);
  }
  out.push({ program, args, env });
}

/** The simple commands of a shell script. */
export function commandsOfScript(script: string, depth = 0): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  for (const c of splitCommands(tokenizeShell(script))) {
    if (c.words.length > 0) fromWords(c.words.map((w) => w.value), out, depth);
  }
  return out;
}

/** The script text of an instruction's shell-form command, heredoc bodies of RUN included. */
export function scriptOf(instruction: Instruction): string | null {
  const command = instruction.command;
  if (!command) return null;
  if (command.exec) {
    const [first, ...rest] = command.exec;
    const c = rest.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    if (first && SHELLS.has(path.posix.basename(first)) && c >= 0 && rest[c + 1] !== undefined) return rest[c + 1]!;
    return null;
  }
  let script = command.shell ?? "";
  if (instruction.keyword === "RUN" && instruction.heredocs.length > 0) {
    script = script.replace(/<<-?(["']?)[A-Za-z_][\w.-]*\1/g, "");
    const interpreter = path.posix.basename(tokenizeShell(script).find((t) => t.kind === "word")?.value ?? "");
    // `RUN <<EOF python3` runs the body with another language: only shell bodies are read.
    if (!SCRIPT_INTERPRETERS.test(interpreter)) script = [script, ...instruction.heredocs.map((h) => h.body)].join("\n");
  }
  return script;
}

/** What an instruction runs, as simple commands (RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD). */
export function commandsOf(instruction: Instruction): SimpleCommand[] {
  const script = scriptOf(instruction);
  if (script !== null) return commandsOfScript(script);
  const exec = instruction.command?.exec;
  if (!exec || exec.length === 0) return [];
  const out: SimpleCommand[] = [];
  fromWords(exec, out, 0);
  return out;
}

/** Targets of `RUN --mount=type=cache,target=…`: what the cache keeps out of the layer. */
export function cacheMountTargets(instruction: Instruction): string[] {
  return instruction.flags
    .filter((f) => f.name === "mount")
    .map((f) => flagFields(f.value))
    .filter((fields) => fields.get("type") === "cache" || fields.get("type") === "tmpfs")
    .map((fields) => (fields.get("target") ?? fields.get("dst") ?? fields.get("destination") ?? "").replace(/\/+$/, ""))
    .filter((t) => t !== "");
}

/** Does a cache mount cover `dir` (the mount is `dir` or one of its parents)? */
export function cacheCovers(instruction: Instruction, dir: string): boolean {
  return cacheMountTargets(instruction).some((t) => dir === t || dir.startsWith(`${t}/`) || t.startsWith(`${dir}/`));
}

/** Does a command line carry this option, as `--name`, `--name=value` or one of the short spellings? */
export function hasOption(args: readonly string[], ...names: string[]): boolean {
  return args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
}

/** The paths `rm` removes in these commands (as written, globs included). */
export function removedPaths(commands: readonly SimpleCommand[]): string[] {
  return commands.filter((c) => c.program === "rm").flatMap((c) => c.args.filter((a) => !a.startsWith("-")));
}

/** Does an `rm` in these commands remove `dir` (itself, its contents `dir/*`, or a parent; `/` included)? */
export function removesDir(commands: readonly SimpleCommand[], dir: string): boolean {
  return removedPaths(commands).some((p) => {
    // `dir/*`, `dir/*_*`, `dir/*.deb`: a glob in the last part empties (most of) the directory.
    const bare = p.replace(/\/[^/]*[*?[][^/]*$/, "").replace(/\/+$/, "");
    return bare === dir || dir.startsWith(`${bare}/`);
  });
}
