import { posix } from "node:path";
import { resolveElfClosure, type MissingLibrary } from "../elf/resolve.js";
import type { FileView } from "../elf/file-view.js";
import type { ElfInfo } from "../elf/reader.js";
import { resolvePath } from "../fs/resolve-path.js";
import { lookupProgram, type RunCommand } from "./command.js";

/** What the walk needs to know about a file's content (scan's FileFacts fit). */
export interface ProgramFacts {
  elf?: ElfInfo;
  /** `#!` line of a script, without the `#!`. */
  shebang?: string;
}

/** One thing a program needs, in the order the walk found it. */
export type ClosureStep =
  /** A program started (`path` as looked up, `real` with symlinks followed): keep the path and its links. */
  | { kind: "program"; path: string; real: string; reason: string; facts?: ProgramFacts }
  /** A file of an ELF program's closure (the program, its loader, libraries, links on the way), canonical already. */
  | { kind: "file"; path: string; reason: string }
  /** A program that is not in the image. */
  | { kind: "not-found"; name: string; reason: string }
  | { kind: "missing"; missing: MissingLibrary };

/**
 * The static closure of the programs a command runs: each program (looked up as execvp would), its
 * ELF closure (elf/resolve: loader, libraries), and for a script its interpreter, recursively. slim
 * keeps what it finds; strip-upx shrinks the ELF files among it. A program is walked once per walker.
 */
export class ProgramClosureWalk {
  private readonly done = new Set<string>();
  private readonly env: { LD_LIBRARY_PATH?: string; LD_PRELOAD?: string };

  constructor(
    private readonly view: FileView,
    /** Facts of a real path (hardlinks followed by the caller's lookup). */
    private readonly factsOf: (realPath: string) => ProgramFacts | undefined,
    private readonly cmd: RunCommand,
  ) {
    this.env = { LD_LIBRARY_PATH: cmd.env.get("LD_LIBRARY_PATH"), LD_PRELOAD: cmd.env.get("LD_PRELOAD") };
  }

  /** The steps for program `name` (a path, or a name looked up on PATH) started for `reason`. */
  async walk(name: string, reason: string): Promise<ClosureStep[]> {
    const steps: ClosureStep[] = [];
    await this.program(name, reason, steps);
    return steps;
  }

  private async program(name: string, reason: string, steps: ClosureStep[]): Promise<void> {
    const path = lookupProgram(this.view, name, this.cmd);
    const real = path === undefined ? undefined : resolvePath(this.view, path)?.realPath;
    if (path === undefined || real === undefined) {
      steps.push({ kind: "not-found", name, reason });
      return;
    }
    const facts = this.factsOf(real);
    steps.push({ kind: "program", path, real, reason, facts });
    if (this.done.has(real)) return;
    this.done.add(real);
    if (facts?.elf) {
      const closure = await resolveElfClosure(path, this.view, this.env, { cwd: this.cmd.workdir, entryReason: reason });
      for (const [p, why] of closure.files) steps.push({ kind: "file", path: p, reason: why });
      for (const m of closure.missing) steps.push({ kind: "missing", missing: m });
    } else if (facts?.shebang) {
      const [interp, ...args] = facts.shebang.split(/\s+/);
      if (!interp) return;
      await this.program(interp, `interpreter of ${real}`, steps);
      if (posix.basename(interp) === "env" && args[0] && !args[0].startsWith("-")) {
        await this.program(args[0], `interpreter of ${real} (via env)`, steps);
      }
    }
  }
}
