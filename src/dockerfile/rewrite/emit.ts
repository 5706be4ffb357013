/** Writing Dockerfile text: `# why` comments, the user's comments, instructions, exec-form arrays. */
import type { Dockerfile, Instruction, Stage } from "../parse.js";
import type { Step } from "../stages.js";

/** An exec-form JSON array as Docker reads it, e.g. `["/hash", "-v"]`. */
export function execForm(argv: string[]): string {
  return `[${argv.map((arg) => JSON.stringify(arg)).join(", ")}]`;
}

export class DockerfileWriter {
  private readonly lines: string[] = [];

  /** `escape` is the file's escape character, used to continue long generated lines. */
  constructor(private readonly escape: string) {}

  /** The short reason for the generated line(s) that follow. */
  why(reason: string): this {
    this.lines.push(`# why: ${reason}`);
    return this;
  }

  /** The user's own comments, re-emitted as written (without their `#`). */
  comments(texts: string[]): this {
    for (const text of texts) this.lines.push(text === "" ? "#" : `# ${text}`);
    return this;
  }

  /** One generated instruction; several `parts` are joined with line continuations. */
  line(...parts: string[]): this {
    this.lines.push(parts.join(` ${this.escape}\n    `));
    return this;
  }

  /** An original instruction, exactly as the user wrote it, with the comments above it. */
  original(instruction: Instruction): this {
    this.comments(instruction.comments);
    this.lines.push(instruction.raw.replace(/^[ \t]+/, ""));
    return this;
  }

  blank(): this {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== "") this.lines.push("");
    return this;
  }

  toString(): string {
    const text = this.lines.join("\n").replace(/\n+$/, "");
    return `${text}\n`;
  }
}

/** Everything before the rewritten stage, as the user wrote it: parser directives, global ARGs, earlier stages. */
export function writePreamble(w: DockerfileWriter, df: Dockerfile): void {
  for (const d of df.directives) w.line(`# ${d.name}=${d.value}`);
  for (const arg of df.globalArgs) w.original(arg);
  for (const earlier of df.stages.slice(0, -1)) {
    w.blank().original(earlier.from);
    earlier.instructions.forEach((i) => w.original(i));
  }
}

/** The name of the build stage: `build`, unless a stage of the original already has it. */
export function builderName(df: Dockerfile): string {
  return df.stages.some((s) => s.name === "build") ? "imgdiet-build" : "build";
}

/** The parts of one RUN line (continued with the escape character by DockerfileWriter.line). */
export function runLine(parts: string[]): string[] {
  return parts.map((p, i) => (i === 0 ? `RUN ${p}` : p));
}

/** The last instruction with this keyword among a stage's steps (the one Docker uses for CMD, USER, …). */
export function lastOf(steps: readonly Step[], keyword: string): Instruction | undefined {
  return steps.filter((s) => s.instruction.keyword === keyword).at(-1)?.instruction;
}

/** An ENV line for the final stage: the runtime variables only (not the toolchain's), or null when none are left. */
export function runtimeEnv(instruction: Instruction, isBuildVariable: (name: string) => boolean): string | null {
  const kept = instruction.properties.filter((p) => !isBuildVariable(p.name));
  if (kept.length === instruction.properties.length) return instruction.raw.replace(/^[ \t]+/, "");
  if (kept.length === 0 || kept.some((p) => p.raw === "")) return null;
  return `ENV ${kept.map((p) => p.raw).join(" ")}`;
}

/** A runtime setting the final stage keeps (ENV, WORKDIR, USER, CMD, …): its new text and why. */
export interface CarriedSetting {
  /** The original instruction, whose comments are kept above it; null for a generated one. */
  instruction: Instruction | null;
  text: string;
  why: string;
}

/** The stage's ARGs, when a kept setting refers to a build argument (`$X` would be empty without them). */
export function writeReferencedArgs(w: DockerfileWriter, carried: readonly CarriedSetting[], stage: Stage): void {
  if (!carried.some((c) => c.text.includes("$"))) return;
  const args = stage.instructions.filter((i) => i.keyword === "ARG");
  if (args.length > 0) w.why("the settings below refer to these build arguments");
  args.forEach((a) => w.original(a));
}

/** The kept settings, each under the user's comments; one `why` line for a run of settings with the same reason. */
export function writeCarried(w: DockerfileWriter, carried: readonly CarriedSetting[]): void {
  carried.forEach((entry, i) => {
    const comments = entry.instruction?.comments ?? [];
    w.comments(comments);
    const previous = carried[i - 1];
    if (!previous || previous.why !== entry.why || comments.length > 0) w.why(entry.why);
    w.line(entry.text);
  });
}

/**
 * The rewritten text: the original's trailing comments, and a first line that keeps a user comment such
 * as "# escape=`" (not at the top of the original) from becoming a parser directive in the rewrite.
 */
export function finishText(w: DockerfileWriter, df: Dockerfile): string {
  if (df.trailingComments.length > 0) w.blank().comments(df.trailingComments);
  const text = w.toString();
  if (df.directives.length === 0 && /^#\s*[A-Za-z][A-Za-z0-9]*\s*=/.test(text))
    return `# why: multi-stage rewrite by imgdiet (this line keeps the comment below an ordinary comment)\n${text}`;
  return text;
}
