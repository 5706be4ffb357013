/**
 * Which Go program the image runs, and what it needs: ties the start command to a `go run` or to the
 * `go build`/`go install` that produced the binary, finds its sources in the build context, and scans them.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { allGoFiles, ContextMap } from "./context-paths.js";
import { defaultBinaryName, flagValue, parseGoInvocation, type GoInvocation, type Word } from "./go-command.js";
import { findGoModule, parseGoMod, scanGoProgram, type GoModule, type GoProgramScan } from "./go-sources.js";
import { type GoBuildSite, type StageFacts, type StartCommand } from "./go-stage.js";

export interface GoProgram {
  /** The RUN that built the binary, or null when the image ran `go run` at start-up. */
  site: GoBuildSite | null;
  invocation: GoInvocation;
  /** Working directory of the build in the image. */
  cwd: string;
  /** File name of the binary. */
  name: string;
  /** Where the binary lived in the original image (null for `go run`). */
  originalPath: string | null;
  /** Arguments the start command passes to the program. */
  args: string[];
  module: GoModule | null;
  scan: GoProgramScan;
  /** The sources could not be located precisely, so the whole context was scanned. */
  scannedWholeContext: boolean;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

interface LocatedModule {
  module: GoModule;
  /** Where go.mod sits in the image. */
  imageDir: string;
}

/** The go.mod governing `imageDir`, found through what was copied into the image. */
async function moduleAt(map: ContextMap, imageDir: string): Promise<LocatedModule | null> {
  for (let dir = imageDir; ; dir = path.posix.dirname(dir)) {
    const file = await map.fileAt(path.posix.join(dir, "go.mod"));
    if (file) {
      const parsed = parseGoMod(await readFile(file, "utf8"));
      const moduleDir = path.dirname(file);
      const vendored = await exists(path.join(moduleDir, "vendor", "modules.txt"));
      return { module: { dir: moduleDir, ...parsed, vendored }, imageDir: dir };
    }
    if (dir === "/") return null;
  }
}

/** The import path of the package in `dir`, when its module declares a path. */
function importPathOf(located: LocatedModule | null, dir: string): string | null {
  if (!located?.module.path) return null;
  const relative = path.posix.relative(located.imageDir, dir);
  return relative === "" ? located.module.path : `${located.module.path}/${relative}`;
}

/** The image directory of the package a target names, relative to `cwd` (null for a non-local path). */
function packageDir(target: string, cwd: string): string | null {
  if (!target.startsWith(".") && !target.startsWith("/")) return null;
  return path.posix.resolve(cwd, target.replace(/\/\.\.\.$/, ""));
}

interface Candidate {
  site: GoBuildSite;
  name: string;
  path: string;
}

async function candidateOf(site: GoBuildSite, map: ContextMap): Promise<Candidate> {
  const targets = site.invocation.targets.map((t) => t.value);
  const dir = packageDir(targets[0] ?? ".", site.cwd) ?? site.cwd;
  const located = targets[0]?.endsWith(".go") ? null : await moduleAt(map, dir);
  const name = defaultBinaryName(targets, importPathOf(located, dir), path.posix.basename(dir));
  const out = flagValue(site.invocation, "o");
  let binary: string;
  if (out) binary = out.endsWith("/") ? path.posix.join(path.posix.resolve(site.cwd, out), name) : path.posix.resolve(site.cwd, out);
  else if (site.invocation.verb === "install") binary = `/go/bin/${name}`;
  else binary = path.posix.join(site.cwd, name);
  return { site, name: path.posix.basename(binary), path: binary };
}

function matches(candidate: Candidate, argv0: string, workdir: string): boolean {
  if (!argv0.includes("/")) return candidate.name === argv0;
  if (candidate.site.invocation.verb === "install" && !flagValue(candidate.site.invocation, "o"))
    return path.posix.basename(argv0) === candidate.name;
  return path.posix.resolve(workdir, argv0) === candidate.path;
}

async function sourcesOf(invocation: GoInvocation, cwd: string, map: ContextMap): Promise<{ files: string[]; imageDir: string }> {
  const targets = invocation.targets.map((t) => t.value);
  if (targets.length > 0 && targets.every((t) => t.endsWith(".go"))) {
    const files = await Promise.all(targets.map((t) => map.fileAt(path.posix.resolve(cwd, t))));
    return { files: files.filter((f): f is string => f !== null), imageDir: path.posix.dirname(path.posix.resolve(cwd, targets[0])) };
  }
  const imageDir = packageDir(targets[0] ?? ".", cwd);
  if (imageDir === null) return { files: [], imageDir: cwd };
  return { files: await map.goFilesAt(imageDir), imageDir };
}

/**
 * Resolves the program behind the start command. Returns a reason string when the start command is not
 * a Go program this rewrite can rebuild.
 */
export async function findGoProgram(facts: StageFacts, start: StartCommand, contextDir: string): Promise<GoProgram | string> {
  const map = new ContextMap(contextDir, facts.copies);
  const argv: Word[] = start.argv;
  const run = parseGoInvocation(argv);
  let site: GoBuildSite | null = null;
  let invocation: GoInvocation;
  let cwd = facts.workdir;
  let name: string;
  let originalPath: string | null = null;
  let args: string[];
  if (run) {
    if (run.verb !== "run") return `${start.instruction.keyword} runs go ${run.verb}, which does not start a program`;
    invocation = run;
    args = run.programArgs.map((w) => w.value);
    const dir = packageDir(run.targets[0]?.value ?? ".", cwd) ?? cwd;
    name = defaultBinaryName(run.targets.map((t) => t.value), importPathOf(await moduleAt(map, dir), dir), path.posix.basename(dir));
  } else {
    const argv0 = argv[0].value;
    const candidates = await Promise.all(facts.builds.map((b) => candidateOf(b, map)));
    const found = candidates.reverse().find((c) => matches(c, argv0, facts.workdir));
    if (!found) {
      return facts.builds.length === 0
        ? `${start.instruction.keyword} runs ${argv0}, and the final stage has no go build or go run`
        : `${start.instruction.keyword} runs ${argv0}, which none of the go build/go install lines produces`;
    }
    site = found.site;
    invocation = site.invocation;
    cwd = site.cwd;
    name = found.name;
    originalPath = site.invocation.verb === "install" && !flagValue(site.invocation, "o") ? null : found.path;
    args = argv.slice(1).map((w) => w.value);
  }
  const { files, imageDir } = await sourcesOf(invocation, cwd, map);
  let module = (await moduleAt(map, imageDir))?.module ?? null;
  let scannedWholeContext = false;
  let entry = files;
  if (entry.length === 0) {
    scannedWholeContext = true;
    entry = await allGoFiles(contextDir);
    module ??= await findGoModule(contextDir, contextDir);
  }
  const scan = await scanGoProgram(entry, module);
  return { site, invocation, cwd, name, originalPath, args, module, scan, scannedWholeContext };
}
