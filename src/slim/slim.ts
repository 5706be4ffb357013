import { randomBytes } from "node:crypto";
import { minimatch } from "minimatch";
import { EnvironmentError, InputError } from "../errors.js";
import { open, write } from "../image/open.js";
import { parseReference, type Reference } from "../image/reference.js";
import type { Image } from "../image/types.js";
import { parentsOf } from "../image/mutate/index.js";
import { connectEngine, currentEngine } from "../engine/index.js";
import type { Probe, ProbeResult } from "../probe/types.js";
import { traceProbes, type TraceResult } from "../probe/trace.js";
import { checkExposedPorts, defaultProbes } from "../probe/probes-file.js";
import { deriveShadows } from "../probe/shadow.js";
import { failureOf } from "../probe/compare.js";
import { verifyImages, type VerifyReport } from "../probe/verify.js";
import { engineLayerSize } from "../inspect/layer-size.js";
import { assembleSelection } from "./assemble.js";
import { auditSelection, type SlimAudit } from "./audit.js";
import { runCommand } from "./command.js";
import { addStaticNeeds, type RuntimeFacts } from "./needs.js";
import { addPackageClosure, type KeptPackage } from "./packages/index.js";
import { packageContext } from "./package-context.js";
import { addAppFiles, appOwnFiles, type CoverageReport } from "./coverage.js";
import { scan } from "../scan/scan.js";
import { Selection } from "./selection.js";
import { treeFileView } from "./tree-view.js";

export interface SlimOptions {
  /** Where to write the result (default: the engine, NAME:slim). */
  output?: string;
  /** Probes that drive the program under trace and verify the result (default: defaultProbes). */
  probes?: Probe[];
  /** Skip the runtime trace (and verification): no engine needed. */
  staticOnly?: boolean;
  /** Verify the result against the original with the same probes (default true unless staticOnly). */
  verify?: boolean;
  include?: string[];
  exclude?: string[];
  keepShell?: boolean;
  /** Keep the application's own files that neither the trace nor the static closure reached (default true; coverage.ts). */
  keepAppFiles?: boolean;
  /** Run this instead of the image's Entrypoint + Cmd for the static closure. */
  cmd?: string[];
  strict?: boolean;
  /** Command probes: kill after this long; HTTP probes: the request's timeout (default 30 s). */
  timeoutMs?: number;
  /** HTTP probes: how long to wait for the port to answer (default 30 s). */
  readyTimeoutMs?: number;
  /**
   * "package" (default): a package of an interpreted runtime that the trace or the static closure
   * reaches is kept whole, with what its code statically needs. "file": only the files reached.
   */
  granularity?: Granularity;
  /** Shadow probes (probe/shadow.ts): traced with the given ones and verified (default true). */
  shadow?: boolean;
  onLog?: (line: string) => void;
  /**
   * The source image, already opened (library API): read instead of opening `source`, which then
   * only names it; the caller closes it.
   */
  image?: Image;
}

export type Granularity = "package" | "file";

export interface SlimResult extends SlimAudit {
  source: string;
  output: string;
  /**
   * Whether the image was written to `output`. A result that fails verification is not: the
   * output is written only once the candidate has passed (or when verification is off).
   */
  written: boolean;
  imageId: string;
  originalSize: number;
  size: number;
  notes: string[];
  missingLibraries: { name: string; neededBy: string }[];
  probes: ProbeResult[];
  verify?: VerifyReport;
  granularity: Granularity;
  /** Packages kept whole (granularity "package"), with what that added over file granularity. */
  packages: KeptPackage[];
  /** The application's own files, and those neither the trace nor the static closure reached (kept by default). */
  coverage: CoverageReport;
}

/** The name the engine knows a reference by, when it is a daemon reference. */
function daemonNameOf(ref: Reference): string | undefined {
  return ref.transport === "docker-daemon" ? ref.name : undefined;
}

export function defaultSlimOutput(source: string): string {
  const ref = parseReference(source);
  if (ref.transport === "docker-daemon" && !ref.name.includes("@")) return `${ref.name.replace(/:[^:/]+$/, "")}:slim`;
  if (ref.transport === "registry") return `${ref.repository.split("/").pop()}:slim`;
  return "imgdiet-slim:latest";
}

/** Make sure the engine has an image; returns its name there and a cleanup for temporary loads. */
async function inEngine(image: Image, ref: Reference | undefined, tag = "load"): Promise<{ name: string; cleanup: () => Promise<void> }> {
  const name = ref && daemonNameOf(ref);
  if (name) return { name, cleanup: async () => undefined };
  const tmp = `imgdiet-tmp/${randomBytes(6).toString("hex")}:${tag}`;
  await write(image, `docker-daemon:${tmp}`);
  return { name: tmp, cleanup: () => currentEngine().images.remove(tmp, { force: true }) };
}

const probeList = (by: Iterable<string>) => [...by].map((b) => JSON.stringify(b)).join(", ");

/** Minify an image to the files its program needs, write it, and (by default) verify it. */
export async function slim(source: string, opts: SlimOptions = {}): Promise<SlimResult> {
  const log = opts.onLog ?? (() => undefined);
  const srcRef = parseReference(source);
  const output = opts.output ?? defaultSlimOutput(source);
  const outRef = parseReference(output);
  const staticOnly = opts.staticOnly ?? false;
  if (!staticOnly) {
    try {
      await connectEngine();
    } catch (e) {
      if (e instanceof EnvironmentError) throw new EnvironmentError(`${e.message} — or run with --static-only`);
      throw e;
    }
  }
  const cleanups: (() => Promise<void>)[] = [];
  // The runtime trace needs only the image in the engine and its config. For an engine image it runs
  // while the image is exported and scanned (the export is most of slim's time); otherwise it starts
  // once the image is read and loaded into the engine, still alongside the scan.
  const sourceName = daemonNameOf(srcRef);
  let probes: Probe[] = [];
  // The shadow probes run under the trace too, so the files their answers need (a 404 page) are kept.
  let shadows: Probe[] = [];
  let tracing: Promise<TraceResult> | undefined;
  const startTrace = (name: string, chosen: Probe[]): Promise<TraceResult> => {
    probes = chosen;
    shadows = opts.shadow === false ? [] : deriveShadows(probes);
    log(`tracing ${probes.length} probe(s) and ${shadows.length} shadow probe(s)`);
    const traced = traceProbes(name, [...probes, ...shadows], { onLog: log, timeoutMs: opts.timeoutMs, readyTimeoutMs: opts.readyTimeoutMs });
    // It may fail (a port the image does not expose) before slim awaits it, while the image is still being read.
    traced.catch(() => undefined);
    return traced;
  };
  if (!staticOnly && sourceName) {
    const info = await currentEngine().images.inspect(sourceName);
    checkExposedPorts(opts.probes ?? [], info.config, sourceName); // a typo in a port is told before the image is read
    tracing = startTrace(sourceName, opts.probes ?? defaultProbes(info));
  }
  let image: Image;
  try {
    image = opts.image ?? (await open(srcRef));
  } catch (e) {
    await tracing?.catch(() => undefined);
    throw e;
  }
  try {
    log(`scanning ${source}`);
    // content: the kept files' bytes are assembled from what this one read keeps, not read again.
    const scanning = scan(image, { facts: true, content: true });
    let original: string | undefined = sourceName;
    if (!staticOnly && !tracing) {
      const loading = inEngine(image, srcRef);
      tracing = loading.then((loaded) => {
        cleanups.push(loaded.cleanup);
        original = loaded.name;
        return startTrace(loaded.name, opts.probes ?? defaultProbes(image.config));
      });
    }
    // Both settle before anything is thrown, so no container outlives slim.
    const [scanned, traced] = await Promise.allSettled([scanning, tracing ?? Promise.resolve(undefined)]);
    if (scanned.status === "rejected") throw scanned.reason;
    cleanups.push(() => scanned.value.close());
    if (traced.status === "rejected") throw traced.reason;
    const { tree, facts, layers } = scanned.value;
    const view = treeFileView(tree, facts);
    const cmd = runCommand(image.config.config, opts.cmd);
    const sel = new Selection(tree, view);

    let results: ProbeResult[] = [];
    const runtime: RuntimeFacts = {};
    const trace = traced.value;
    if (trace) {
      results = trace.results;
      // A probe the original fails under the tracer tells nothing about what it needs: stop before
      // writing anything. The image and probes given are the problem (bad input, exit 2), and the
      // diet strategy reports an InputError as a failed strategy rather than a failed run.
      // Only the given probes: a shadow probe the original fails is dropped at verification, not fatal.
      probes.forEach((p) => {
        const r = results.find((x) => x.probe === p.name);
        const failure = r ? failureOf(r, p) : "no result";
        if (failure) {
          throw new InputError(`the original image fails probe "${p.name}" (traced): ${failure}; nothing was written`);
        }
      });
      for (const [path, by] of trace.accessed) {
        const reason = `touched at run time by probe ${probeList(by)}`;
        if (!sel.add(path, reason)) sel.addExistingParent(path, `directory of ${path}, which probe ${probeList(by)} created or used at run time`);
      }
      runtime.executed = trace.executed;
      runtime.users = trace.users;
    }
    const { notes, missing } = await addStaticNeeds(sel, tree, view, facts, cmd, image.config.config, { keepShell: opts.keepShell }, runtime);
    const granularity = opts.granularity ?? "package";
    // The app's own files are kept by default (coverage.ts): the package rules follow their imports too.
    const appFiles = appOwnFiles(tree, image.config, cmd);
    const packages = granularity === "package" ? await addPackageClosure({ ...packageContext(sel, tree, view, facts, cmd, scanned.value.content, { notes, missing, keptElves: [] }), appFiles }) : [];
    const coverage = addAppFiles(sel, tree, appFiles, { keep: opts.keepAppFiles });
    for (const inc of opts.include ?? []) {
      if (!sel.add(inc, `--include ${inc}`, { recursive: true })) throw new InputError(`--include ${inc}: no such path in the image`);
    }
    for (const glob of opts.exclude ?? []) {
      for (const p of sel.paths()) if (minimatch("/" + p, glob, { dot: true })) sel.remove(p);
    }

    const createdBy = `imgdiet slim ${source}${staticOnly ? " --static-only" : ""} (${sel.reasons.size} paths kept)`;
    const { image: slimImage, size } = await assembleSelection(image, tree, sel, createdBy, scanned.value.content);
    cleanups.push(() => slimImage.close());

    const parents = new Set<string>();
    for (const p of sel.paths()) for (const d of parentsOf(p)) parents.add(d);
    const audit = auditSelection(tree, sel, parents);
    const originalSize = layers.reduce((s, l) => s + engineLayerSize(l.entries), 0);

    // Verify a temporary copy first; the output is written only when it passes.
    let verify: VerifyReport | undefined;
    let candidate: string | undefined;
    if (!staticOnly && opts.verify !== false && original) {
      const cand = await inEngine(slimImage, undefined, "candidate");
      cleanups.push(cand.cleanup);
      candidate = cand.name;
      log(`verifying the slim image against ${original}`);
      // The trace was the original's first run: it runs once more to drop answers that change between runs.
      verify = await verifyImages(original, cand.name, probes, {
        strict: opts.strict, onLog: log, timeoutMs: opts.timeoutMs, readyTimeoutMs: opts.readyTimeoutMs,
        shadow: opts.shadow, shadows, firstRun: new Map(results.map((r) => [r.probe, r])),
      });
    }
    let written = false;
    if (!verify || verify.passed) {
      log(`writing ${output}`);
      const outName = daemonNameOf(outRef);
      if (candidate && outName) await currentEngine().images.tag(candidate, outName);
      else await write(slimImage, outRef);
      written = true;
    } else log(`not writing ${output}: the slim image does not verify`);
    return {
      source, output, written, imageId: slimImage.manifest.config.digest, originalSize, size, notes, missingLibraries: missing, granularity, packages, coverage,
      probes: results, verify, ...audit,
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (!opts.image) await image.close();
  }
}
