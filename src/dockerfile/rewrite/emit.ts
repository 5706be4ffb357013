/** Writing Dockerfile text: `# why` comments, the user's comments, instructions, exec-form arrays. */
import type { Instruction } from "../parse.js";

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
