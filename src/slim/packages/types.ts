/**
 * Package-granular closure for interpreted runtimes (Node.js, Python, Ruby, PHP): when the trace or
 * the static closure reaches any file of a package, the whole package is kept, and what its code
 * statically needs. Each runtime's rules implement `PackageRules`; index.ts runs them.
 */
import type { FileView } from "../../elf/file-view.js";
import type { FileTree } from "../../fs/file-tree.js";
import type { FileFacts } from "../../scan/scan.js";
import type { RunCommand } from "../command.js";
import type { Selection } from "../selection.js";

export type PackageRuntime = "node" | "python" | "ruby" | "php";

/** What a runtime's package rules read and extend. */
export interface PackageContext {
  sel: Selection;
  tree: FileTree;
  view: FileView;
  facts: ReadonlyMap<string, FileFacts>;
  /** The image's command (argv, env such as NODE_PATH / PYTHONPATH, workdir). */
  cmd: RunCommand;
  /** A regular file's bytes from the scan (path absolute or relative to /); undefined when it is not a regular file. */
  read(path: string): Promise<Buffer | undefined>;
  /** Keep a program or shared object (native addon, extension module) with its ELF closure. */
  keepElf(path: string, reason: string): Promise<void>;
  /** One-line notes for the slim report. */
  notes: string[];
  /**
   * The application's own files (slim/coverage.ts appOwnFiles), when known: they are kept by default
   * whether reached or not, so what their code imports is needed too (Python rules scan them).
   */
  appFiles?: readonly string[];
}

/** One package kept whole. */
export interface KeptPackage {
  runtime: PackageRuntime;
  name: string;
  /** The package directory (or module file), absolute. */
  path: string;
  /** Why it is kept (the kept file that belongs to it, or the package that depends on it). */
  reason: string;
  /** Files and bytes kept only because of package granularity (file granularity would drop them). */
  addedFiles: number;
  addedBytes: number;
}

export interface PackageRules {
  runtime: PackageRuntime;
  /** Keep the whole packages the selection reaches so far, and what their code statically needs. */
  apply(ctx: PackageContext): Promise<KeptPackage[]>;
}
