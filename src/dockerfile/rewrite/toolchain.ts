/**
 * The toolchain rewriter, asked last: a single-stage Dockerfile that installs compilers, editors and
 * tools with apt or apk next to what its program really runs. Which packages the program needs is not
 * guessed from names: it is learned from the built original (RewriteContext.runtime, the packages
 * owning the files the program touched under its probes). The final stage starts from the same base,
 * installs exactly those packages (no recommends, no package lists, no docs), and keeps every other
 * instruction as written. Steps that build something (anything beyond package management and file
 * chores) run in a build stage; the final stage copies what they made.
 */
import { DockerfileWriter, finishText } from "./emit.js";
import type { RewriteContext, Rewriter } from "./registry.js";
import { copyDestination, filesToCarry, isUnder, ownershipFlags } from "./toolchain-copy.js";
import { readRunStep, runtimeInstall, type PackageManager, type RunStep } from "./toolchain-steps.js";
import type { RewriteResult } from "./types.js";

export const NEEDS_TRACE = "needs the trace of the built image (run diet or rewrite --verify with an engine)";
const BUILDER = "build";
/** Instructions that only describe how the image runs: not needed in the build stage. */
const RUNTIME_ONLY = new Set(["CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "VOLUME", "LABEL", "MAINTAINER", "ONBUILD"]);

/** `libc6:amd64` → `libc6`: apt installs the native architecture's package by its plain name. */
const plainName = (pkg: string) => pkg.replace(/:[a-z0-9_-]+$/, "");
const shorten = (text: string) => (text.length > 70 ? `${text.slice(0, 67)}…` : text);
const list = (names: readonly string[]) => (names.length === 0 ? "none" : names.join(", "));

async function detect(ctx: RewriteContext): Promise<string | undefined> {
  const hit = ctx.finalStage.instructions.find((i) => i.keyword === "RUN" && readRunStep(i).installs.length > 0);
  return hit ? `line ${hit.range.start.line}: RUN ${shorten(hit.body)}` : undefined;
}

async function rewrite(ctx: RewriteContext): Promise<RewriteResult> {
  const { dockerfile, walked, runtime } = ctx;
  if (dockerfile.stages.length > 1)
    return { applicable: false, reason: `toolchain: the Dockerfile has ${dockerfile.stages.length} stages already; this rewrite splits a single-stage build` };
  if (!runtime) return { applicable: false, reason: `toolchain: ${NEEDS_TRACE}` };
  const steps = walked.final.steps;
  const runs = new Map<number, RunStep>(steps.flatMap((s, i) => (s.instruction.keyword === "RUN" ? [[i, readRunStep(s.instruction)] as const] : [])));
  const installs = [...runs.values()].flatMap((r) => r.installs);
  const manager: PackageManager = installs[0]?.manager ?? "apt";
  const declared = [...new Set(installs.flatMap((i) => i.packages))];
  const needed = [...new Set(runtime.packages.map(plainName))].sort();
  const buildSteps = [...runs.entries()].filter(([, r]) => r.kind === "build").map(([i]) => i);
  const builder = buildSteps.length > 0;
  const notes: string[] = [];
  const stage = ctx.finalStage;
  const platform = stage.platform ? `--platform=${stage.platform} ` : "";
  const w = new DockerfileWriter(dockerfile.escape);
  for (const d of dockerfile.directives) w.line(`# ${d.name}=${d.value}`);
  for (const arg of dockerfile.globalArgs) w.original(arg);

  if (builder) {
    w.blank().comments(stage.from.comments);
    w.why("build stage: the original base and steps, with every tool the build needs").line(`FROM ${platform}${stage.base} AS ${BUILDER}`);
    for (const s of steps) if (!RUNTIME_ONLY.has(s.instruction.keyword)) w.original(s.instruction);
  }

  w.blank();
  if (!builder) w.comments(stage.from.comments);
  w.why(`final stage: the same base with only the packages the program used at run time (${needed.length}), learned from the trace of the built original`);
  w.line(`FROM ${platform}${stage.base}`);
  const copied: string[] = [];
  let installed = false;
  steps.forEach((s, index) => {
    const { instruction } = s;
    const run = runs.get(index);
    if (run?.kind === "packages") {
      const chores = () => {
        if (run.chores.length > 0) w.why(`line ${instruction.range.start.line}'s other commands, kept`).line(`RUN ${run.chores.join(" && ")}`);
      };
      if (installed || needed.length === 0) return chores();
      installed = true;
      w.comments(instruction.comments);
      w.why(`in place of line ${instruction.range.start.line}: only the packages owning files the program touched (those the base lacks); no recommends, package lists or docs`);
      w.line(...runtimeInstall(manager, needed, runtime.touched));
      chores();
    } else if (run?.kind === "build") {
      notes.push(`line ${instruction.range.start.line}: RUN ${shorten(instruction.body)} runs in the build stage; the final stage copies what the program uses.`);
      if (index === buildSteps.at(-1)) {
        const carried = filesToCarry(runtime.unowned ?? [], copied);
        for (const file of carried) w.why("a file the program used that the build steps made").line(`COPY --from=${BUILDER} ${file} ${file}`);
        if (!runtime.unowned) notes.push("The evidence does not list the unpackaged files the program touched: only the COPY destinations are carried from the build stage.");
      }
    } else if ((instruction.keyword === "COPY" || instruction.keyword === "ADD") && builder && !instruction.flags.some((f) => f.name === "from")) {
      const dest = copyDestination(s);
      if (dest === null) {
        w.original(instruction);
        notes.push(`line ${instruction.range.start.line}: ${instruction.keyword} kept as written (its destination is not a literal path), so later build steps' changes to it are not carried.`);
        return;
      }
      // An earlier copy from the builder brought this path already, as the build left it.
      if (copied.some((d) => isUnder(dest, d)) && ownershipFlags(s) === "") return;
      copied.push(dest);
      w.comments(instruction.comments);
      w.why(`line ${instruction.range.start.line}'s files as the build stage left them`).line(`COPY --from=${BUILDER} ${ownershipFlags(s)}${dest} ${dest}`);
    } else w.original(instruction);
  });
  const text = finishText(w, dockerfile);

  const dropped = declared.filter((p) => !needed.includes(p));
  notes.unshift(
    `toolchain: the final stage installs ${list(needed)} with ${manager === "apt" ? "apt-get --no-install-recommends (docs excluded)" : "apk --no-cache"}: the packages owning files the program touched under its probes.`,
    ...(dropped.length > 0 ? [`Dropped packages the Dockerfile installed whose files the program never touched: ${list(dropped)}.`] : []),
    "The evidence is only as good as the probes: a code path no probe reached may need a package that was dropped.",
  );
  return { applicable: true, dockerfile: text, language: "toolchain", finalBase: stage.base, notes };
}

export const toolchainRewriter: Rewriter = { language: "toolchain", detect, rewrite, needsRuntime: true };
