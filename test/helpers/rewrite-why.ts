/** A check for rewrite tests: every instruction a rewriter adds carries a `# why:` comment. */
import { parseDockerfile } from "../../src/dockerfile/parse.js";

/**
 * The instructions of `rewritten` that are not the user's (not in `original` as written) and have no
 * `# why:` comment above them or above the run of generated instructions they belong to.
 */
export function whyBeforeEveryGeneratedLine(original: string, rewritten: string): string[] {
  const users = new Set(parseDockerfile(original).instructions.map((i) => i.raw.trim()));
  const lines = rewritten.split("\n");
  const missing: string[] = [];
  for (const instruction of parseDockerfile(rewritten).instructions) {
    if (users.has(instruction.raw.trim())) continue;
    let i = instruction.range.start.line - 2;
    // Walk back over the generated block this instruction belongs to, up to its comment.
    while (i >= 0 && !lines[i].startsWith("#") && lines[i].trim() !== "") i--;
    if (i < 0 || !lines[i].startsWith("# why: ")) missing.push(instruction.raw);
  }
  return missing;
}
