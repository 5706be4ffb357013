/**
 * What a lint rule is (after hadolint): an id, a one-line title, a documentation paragraph with a bad and
 * a good example, a default severity, and a check over the walked Dockerfile that returns hits with ranges.
 */
import path from "node:path";
import type { RuleDescriptor } from "../../finding/finding.js";
import { whitespaceWords } from "../instruction-text.js";
import type { Instruction, SourceRange } from "../parse.js";
import { expandVariables, type StageInfo, type Step, type WalkedDockerfile } from "../stages.js";
import { commandsOf, type SimpleCommand } from "./commands.js";

/** What lint knows about the build context, measured by the caller (the CLI walks the directory). */
export interface BuildContextFacts {
  /** A `.dockerignore` exists in the context. */
  dockerignore: boolean;
  /** Bytes of the regular files `docker build` would send (after `.dockerignore`). */
  bytes: number;
  files: number;
  /** Bytes of those under version-control directories (.git, .hg, .svn). */
  vcsBytes: number;
}

export interface LintContext {
  walked: WalkedDockerfile;
  /** Absent when the context was not measured (e.g. linting text). */
  context?: BuildContextFacts;
}

/** One place a rule fires. */
export interface LintHit {
  range: SourceRange;
  /** What was seen, one item per line. */
  message: string;
  saving?: number;
  fix?: string;
}

export interface LintRule extends RuleDescriptor {
  /** A Dockerfile the rule fires on and its fixed version; the tests run both, docs/lint.md shows them. */
  example: { bad: string; good: string; context?: BuildContextFacts; goodContext?: BuildContextFacts };
  check(ctx: LintContext): LintHit[];
}

/** A RUN step with the simple commands it runs. */
export interface RunStep {
  stage: StageInfo;
  step: Step;
  instruction: Instruction;
  commands: SimpleCommand[];
}

/** Every RUN of the stages whose files are in the final image (what size rules look at). */
export function finalRuns(ctx: LintContext): RunStep[] {
  return ctx.walked.stages
    .filter((s) => s.reachesFinal)
    .flatMap((stage) =>
      stage.steps
        .filter((step) => step.instruction.keyword === "RUN")
        .map((step) => ({ stage, step, instruction: step.instruction, commands: commandsOf(step.instruction) })),
    );
}

/** The range of the first argument word with this value (e.g. `apt-get`), else the whole instruction. */
export function wordRange(instruction: Instruction, ...values: string[]): SourceRange {
  const token = instruction.tokens.find((t) => values.some((v) => t.value === v || t.value.endsWith(`/${v}`)));
  return token?.range ?? instruction.range;
}

/** The instruction's first line, shortened, for messages. */
export function excerpt(instruction: Instruction): string {
  const first = instruction.raw.split("\n")[0]!.trim();
  return first.length > 100 ? `${first.slice(0, 97)}…` : first;
}

/** `line N: RUN …` */
export function seenAt(instruction: Instruction): string {
  return `line ${instruction.range.start.line}: ${excerpt(instruction)}`;
}

/**
 * The paths a COPY or ADD writes, resolved in the image: `COPY a.txt b.txt /dst/` writes /dst/a.txt and
 * /dst/b.txt; `COPY . /app` and `COPY dir/ /app` write into /app; `COPY app.jar /opt/app.jar` writes that file.
 * URLs, globs and heredocs are taken as writing into the destination. Empty for other instructions.
 */
export function copiedPaths(step: Step): string[] {
  const { keyword, json, body, heredocs } = step.instruction;
  if (keyword !== "COPY" && keyword !== "ADD") return [];
  const words = (json ?? whitespaceWords(body)).map((w) => expandVariables(w, step.vars));
  const dest = path.posix.resolve(step.cwd, words.at(-1) ?? ".");
  const sources = words.slice(0, -1);
  const intoDirectory = /\/$|^\.$/.test(words.at(-1) ?? "") || sources.length > 1;
  if (heredocs.length > 0 || !intoDirectory) return [dest];
  return sources.map((s) => (s === "." || s.endsWith("/") || /[*?[]|:\/\//.test(s) ? dest : path.posix.join(dest, path.posix.basename(s))));
}
