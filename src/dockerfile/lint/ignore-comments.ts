/**
 * Inline suppressions: `# imgdiet ignore=ID[,ID…]` on the line right above an instruction silences those rules
 * for that instruction; `# imgdiet global ignore=ID[,ID…]` anywhere silences them for the whole file.
 */
import type { Dockerfile } from "../parse.js";

export interface Suppressions {
  global: Set<string>;
  /** Rule ids by the line of the instruction they apply to. */
  byLine: Map<number, Set<string>>;
}

const IGNORE = /^\s*imgdiet\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s-]+?)\s*$/i;

function ids(list: string): string[] {
  return list.split(/[\s,]+/).filter(Boolean);
}

export function readSuppressions(dockerfile: Dockerfile): Suppressions {
  const global = new Set<string>();
  const commentAt = new Map<number, string[]>();
  for (const c of dockerfile.commentLines) {
    const m = IGNORE.exec(c.text);
    if (!m) continue;
    if (m[1]) ids(m[2]!).forEach((id) => global.add(id));
    else commentAt.set(c.line, ids(m[2]!));
  }
  const byLine = new Map<number, Set<string>>();
  for (const instruction of dockerfile.instructions) {
    const above = commentAt.get(instruction.range.start.line - 1);
    if (above) byLine.set(instruction.range.start.line, new Set(above));
  }
  return { global, byLine };
}

/** Is a finding of `ruleId` in the instruction spanning `startLine..endLine` silenced? */
export function isSuppressed(s: Suppressions, ruleId: string, line: number, instructionLines: ReadonlyMap<number, number>): boolean {
  if (s.global.has(ruleId)) return true;
  const start = instructionLines.get(line) ?? line;
  return s.byLine.get(start)?.has(ruleId) ?? false;
}
