/**
 * strip-upx: on top of the best verified candidate, shrink the binaries its program runs.
 *
 * 1. strip — `strip --strip-all` copies of the entrypoint's ELF files (the programs it starts and their
 *    libraries) that still carry symbols or debug info; skipped when everything is stripped already.
 * 2. upx — `upx --best` (`--ultra-brute` with --max) of the executables (never shared libraries or the
 *    dynamic loader, which UPX cannot pack safely), when a upx binary is configured or on PATH.
 *
 * Each step is its own candidate, and only a step that verifies is built on by the next one. The base
 * is read and scanned once; each step's image is one mutate call (image/mutate replaceFiles) on it that
 * replaces all the binaries changed so far: the merged tree as one layer with those files replaced —
 * adding a layer on top would keep the old copies and grow the image. The program closure is slim's
 * (slim/program-closure).
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, chmod, copyFile, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, delimiter, join } from "node:path";
import { promisify } from "node:util";
import { EnvironmentError, InputError } from "../../errors.js";
import type { ElfInfo } from "../../elf/reader.js";
import type { FileTree } from "../../fs/file-tree.js";
import { resolvePath } from "../../fs/resolve-path.js";
import { open, write } from "../../image/open.js";
import type { Image } from "../../image/types.js";
import { humanSize } from "../../units.js";
import { replaceFiles, stageContents, type ContentSource } from "../../image/mutate/index.js";
import { runCommand, shellWords } from "../../slim/command.js";
import { ProgramClosureWalk } from "../../slim/program-closure.js";
import { scan, type FileFacts, type ImageScan } from "../../scan/scan.js";
import { treeFileView } from "../../slim/tree-view.js";
import type { BaseCandidate, DietContext, RefinedStep, RefiningStrategy } from "../strategy.js";

const run = promisify(execFile);
const rel = (p: string) => p.replace(/^\/+/, "");

/** An ELF file the program runs or loads, by its normalised path in the tree. */
export interface BinaryTarget {
  path: string;
  elf: ElfInfo;
  /** A program the command starts (UPX candidate), not a library or the loader. */
  executable: boolean;
  size: number;
}

/**
 * The ELF files the image's command runs: the programs of its Entrypoint + Cmd (through a shell command
 * and script interpreters) and their ELF closures, without the dynamic loaders.
 */
export async function programBinaries(tree: FileTree, facts: ReadonlyMap<string, FileFacts>, config: Image["config"]["config"]): Promise<BinaryTarget[]> {
  const view = treeFileView(tree, facts);
  const cmd = runCommand(config);
  /** The tree path of the regular file `p` names, symlinks and hardlinks followed. */
  const realFile = (p: string): string | undefined => {
    const r = resolvePath(view, p.startsWith("/") ? p : `/${p}`);
    const n = r ? tree.get(rel(r.realPath)) : undefined;
    if (!n) return undefined;
    if (n.type === "hardlink") return n.linkname;
    return n.type === "file" ? n.path : undefined;
  };
  const factsOf = (p: string): FileFacts | undefined => {
    const real = realFile(p);
    return real === undefined ? undefined : facts.get(real);
  };
  const walk = new ProgramClosureWalk(view, factsOf, cmd);
  const steps = await walk.walk(cmd.argv[0]!, "entrypoint");
  if (cmd.shellScript !== undefined) {
    for (const p of shellWords(cmd.shellScript).programs) steps.push(...(await walk.walk(p, `run by the shell command: ${cmd.shellScript}`)));
  }
  const found = new Map<string, BinaryTarget>();
  const interpreters = new Set<string>();
  /** Programs started, by tree path: executables that UPX may pack (not libraries or the loader). */
  const started = new Set<string>();
  for (const step of steps) {
    if (step.kind === "program") {
      const real = realFile(step.real);
      if (real) started.add(real);
    }
    if (step.kind !== "file") continue;
    const real = realFile(step.path);
    const elf = real === undefined ? undefined : facts.get(real)?.elf;
    if (!real || !elf) continue;
    if (elf.interpreter) {
      const interp = realFile(elf.interpreter);
      if (interp) interpreters.add(interp);
    }
    const executable = started.has(real) && (elf.type === "exec" || (elf.type === "dyn" && elf.isPie));
    const prev = found.get(real);
    found.set(real, { path: real, elf, executable: executable || (prev?.executable ?? false), size: tree.get(real)!.size });
  }
  for (const i of interpreters) found.delete(i);
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * The upx binary: the configured one (--upx, IMGDIET_UPX, config "upx"), else `upx` on PATH. A
 * configured file that lacks the exec bit (the npm package ships it so) is copied into `work` and
 * made executable; the user's file is not changed.
 */
export async function findUpx(configured: string | undefined, work: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (configured) {
    if (await isExecutable(configured)) return configured;
    try {
      if (!(await stat(configured)).isFile()) throw new Error("not a file");
    } catch {
      throw new EnvironmentError(`upx binary not found: ${configured}`);
    }
    const copy = join(work, "upx");
    await copyFile(configured, copy);
    await chmod(copy, 0o755);
    return copy;
  }
  for (const d of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const p = join(d, "upx");
    if (await isExecutable(p)) return p;
  }
  return undefined;
}

function message(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  const text = (err.stderr || err.message || String(e)).split("\n").map((l) => l.trim()).filter(Boolean);
  return (text.find((l) => /exception|error/i.test(l)) ?? text[text.length - 1] ?? "failed").replace(/^upx: /, "");
}

interface Working {
  image: Image;
  tree: FileTree;
  /** The base's file contents as its one scan kept them: no step reads the base's layers again. */
  content: ContentSource | undefined;
  /** Current content of each replaced path (a file on disk); hardlinks to a path share it. */
  overrides: Map<string, { file: string }>;
}

async function buildCandidate(
  ctx: DietContext,
  base: BaseCandidate,
  w: Working,
  overrides: ReadonlyMap<string, { file: string }>,
  step: "strip" | "upx",
  what: string,
  log: (l: string) => void,
): Promise<string> {
  // Named after the candidate it refines: several candidates may be refined in one run.
  const image = ctx.candidateRef(`${base.strategy}.${step}`);
  const replaced = await replaceFiles(w.image, w.tree, overrides, { createdBy: `imgdiet diet ${step}: ${what}`, content: w.content });
  try {
    log(`writing ${image}`);
    await write(replaced, `docker-daemon:${image}`);
    ctx.registerCandidate(image);
  } finally {
    await replaced.close();
  }
  return image;
}

export const stripUpx: RefiningStrategy = {
  name: "strip-upx",
  summary: "strip, then UPX-compress, the binaries the program runs, on top of the best verified candidate",
  kind: "refining",
  async run(ctx: DietContext, base: BaseCandidate | undefined, log): Promise<RefinedStep[]> {
    if (!base) return [{ step: "strip-upx", outcome: { kind: "skipped", reason: "no verified candidate to refine" }, ms: 0 }];
    const work = await mkdtemp(join(tmpdir(), "imgdiet-strip-upx-"));
    const steps: RefinedStep[] = [];
    const record = (s: RefinedStep): void => {
      const o = s.outcome;
      if (o.kind === "candidate") log(`${s.step}: ${s.verify?.passed ? "verified" : `differs: ${s.verify?.firstDifference}`}`);
      else log(`${s.step}: ${o.kind === "not-applicable" ? "not applicable" : o.kind}: ${o.reason}`);
      steps.push(s);
    };
    let image: Image | undefined;
    let scanned: ImageScan | undefined;
    try {
      let t0 = Date.now();
      log(`reading ${base.image} (the ${base.strategy} candidate)`);
      image = await open(`docker-daemon:${base.image}`);
      scanned = await scan(image, { facts: true, content: true });
      const { tree, facts } = scanned;
      let targets: BinaryTarget[];
      try {
        targets = await programBinaries(tree, facts, image.config.config);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        record({ step: "strip-upx", outcome: { kind: "not-applicable", reason: e.message }, ms: Date.now() - t0 });
        return steps;
      }
      if (targets.length === 0) {
        record({ step: "strip-upx", outcome: { kind: "not-applicable", reason: `no ELF binary found for the command of ${base.image}` }, ms: Date.now() - t0 });
        return steps;
      }
      const staged = await stageContents(image, tree, targets.map((t) => t.path), work, scanned.content);
      const w: Working = { image, tree, content: scanned.content, overrides: new Map() };
      const current = (p: string) => w.overrides.get(p)?.file ?? staged.get(p);
      const list = (ts: BinaryTarget[]) => ts.map((t) => `/${t.path}`).join(", ");

      // 1. strip
      const withSymbols = targets.filter((t) => t.elf.hasSymtab || t.elf.hasDebugInfo);
      if (withSymbols.length === 0) {
        record({ step: "strip", outcome: { kind: "skipped", reason: `already stripped: ${list(targets)}` }, ms: Date.now() - t0 });
      } else {
        const overrides = new Map(w.overrides);
        const done: string[] = [];
        let saved = 0;
        for (const t of withSymbols) {
          const input = current(t.path);
          if (!input) continue;
          const out = join(work, `strip-${done.length}-${basename(t.path)}`);
          try {
            await run("strip", ["--strip-all", "-o", out, input]);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new EnvironmentError("strip is not installed (apt-get install binutils)");
            log(`strip /${t.path}: ${message(e)}`);
            continue;
          }
          const before = (await stat(input)).size;
          const after = (await stat(out)).size;
          if (after >= before) continue;
          saved += before - after;
          done.push(`/${t.path} ${humanSize(before)} → ${humanSize(after)}`);
          overrides.set(t.path, { file: out });
        }
        if (done.length === 0) {
          record({ step: "strip", outcome: { kind: "skipped", reason: `no gain from strip --strip-all on ${list(withSymbols)}` }, ms: Date.now() - t0 });
        } else {
          const ref = await buildCandidate(ctx, base, w, overrides, "strip", `strip --strip-all ${done.length} file(s)`, log);
          const verify = await ctx.verify(ref, log);
          record({ step: "strip", outcome: { kind: "candidate", image: ref, notes: [`strip --strip-all saved ${humanSize(saved)}: ${done.join(", ")}`] }, verify, ms: Date.now() - t0 });
          if (verify.passed) w.overrides = overrides;
        }
      }

      // 2. upx
      t0 = Date.now();
      const step = ctx.max ? "upx --ultra-brute" : "upx --best";
      const upx = await findUpx(ctx.upx ?? ctx.config.upx, work);
      if (!upx) {
        record({ step: "upx", outcome: { kind: "skipped", reason: "no upx binary (install upx or pass --upx PATH)" }, ms: Date.now() - t0 });
        return steps;
      }
      const executables = targets.filter((t) => t.executable);
      if (executables.length === 0) {
        record({ step, outcome: { kind: "not-applicable", reason: `no executable to pack (only libraries: ${list(targets)})` }, ms: Date.now() - t0 });
        return steps;
      }
      const overrides = new Map(w.overrides);
      const done: string[] = [];
      const refused: string[] = [];
      for (const t of executables) {
        const input = current(t.path);
        if (!input) continue;
        const out = join(work, `upx-${done.length + refused.length}-${basename(t.path)}`);
        await chmod(input, 0o755); // upx packs only files marked executable; this is our staged copy
        log(`${step} /${t.path}`);
        try {
          await run(upx, [ctx.max ? "--ultra-brute" : "--best", "-q", "-o", out, input], { maxBuffer: 16 * 1024 * 1024 });
        } catch (e) {
          refused.push(`/${t.path}: ${message(e)}`);
          continue;
        }
        const before = (await stat(input)).size;
        const after = (await stat(out)).size;
        if (after >= before) {
          refused.push(`/${t.path}: no gain`);
          continue;
        }
        done.push(`/${t.path} ${humanSize(before)} → ${humanSize(after)}`);
        overrides.set(t.path, { file: out });
      }
      if (done.length === 0) {
        record({ step, outcome: { kind: "skipped", reason: `upx packed nothing: ${refused.join("; ")}` }, ms: Date.now() - t0 });
        return steps;
      }
      const ref = await buildCandidate(ctx, base, w, overrides, "upx", `${step} ${done.length} file(s)`, log);
      const verify = await ctx.verify(ref, log);
      const notes = [`${step}: ${done.join(", ")}`, ...(refused.length ? [`not packed: ${refused.join("; ")}`] : [])];
      record({ step, outcome: { kind: "candidate", image: ref, notes }, verify, ms: Date.now() - t0 });
      return steps;
    } finally {
      await scanned?.close();
      await image?.close();
      await rm(work, { recursive: true, force: true });
    }
  },
};
