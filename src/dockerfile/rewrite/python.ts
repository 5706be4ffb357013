/**
 * Python whose Dockerfile installs the interpreter with apt on a Debian/Ubuntu base (or uses an
 * official python:X.Y image) and the program's packages with pip, compilers and headers included (the
 * common single-stage pattern). The original
 * steps become a build stage, where pip builds and installs the packages with every tool it needs;
 * the final stage starts from the same base, installs only the interpreter and the Debian Python
 * libraries the Dockerfile asked for (no -dev, no pip, no compiler; no recommends, lists or docs),
 * and copies from the builder what pip installed (the system prefix, a virtualenv, --target…) and the
 * application's files as the build left them. The pip cache, headers and compilers stay behind.
 */
import { DockerfileWriter, finishText, writePreamble } from "./emit.js";
import { pythonSteps } from "./python-pip.js";
import type { RewriteContext, Rewriter } from "./registry.js";
import { copyDestination, filesToCarry, isUnder, ownershipFlags } from "./toolchain-copy.js";
import { readRunStep, runtimeInstall, type RunStep } from "./toolchain-steps.js";
import type { RewriteResult } from "./types.js";

const BUILDER_NAMES = ["build", "imgdiet-build"];
const RUNTIME_ONLY = new Set(["CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "VOLUME", "LABEL", "MAINTAINER", "ONBUILD"]);
/** The interpreter and its Debian libraries: what the final stage may install. */
const RUNTIME_PACKAGE = /^(python3(\.\d+)?(-minimal)?|python3-[a-z0-9.+-]+|lib[a-z0-9.+-]+)$/;
/** Build-time Python packages: installers, headers, build backends. */
const BUILD_PACKAGE = /(-dev|-dbg)$|^python3(\.\d+)?-(pip|pip-whl|venv|setuptools|setuptools-whl|wheel|build|distutils|all|all-dev|dev)$|^(cython3|libpython3.*-dev)$/;
const COMMAND = /(^|[\s/"'])(python[\d.]*|pip[\d.]*|gunicorn|uvicorn|flask)(\s|$|")/;

const plainName = (pkg: string) => pkg.replace(/:[a-z0-9_-]+$/, "");
const list = (names: readonly string[]) => (names.length === 0 ? "none" : names.join(", "));

async function detect(ctx: RewriteContext): Promise<string | undefined> {
  const steps = ctx.walked.final.steps;
  const pip = steps.find((s) => pythonSteps(s).installs);
  if (pip) return `line ${pip.instruction.range.start.line}: RUN ${pip.instruction.body}`;
  const start = ctx.finalStage.instructions.find((i) => (i.keyword === "CMD" || i.keyword === "ENTRYPOINT") && COMMAND.test(i.command?.exec?.join(" ") ?? i.body));
  return start ? `line ${start.range.start.line}: ${start.keyword} ${start.body}` : undefined;
}

async function rewrite(ctx: RewriteContext): Promise<RewriteResult> {
  const { dockerfile, walked, runtime } = ctx;
  const stage = ctx.finalStage;
  const steps = walked.final.steps;
  const runs = new Map<number, RunStep>(steps.flatMap((s, i) => (s.instruction.keyword === "RUN" ? [[i, readRunStep(s.instruction)] as const] : [])));
  const installs = [...runs.values()].flatMap((r) => r.installs);
  const manager = installs[0]?.manager ?? "apt";
  const declared = [...new Set(installs.filter((i) => i.manager === manager).flatMap((i) => i.packages))];
  const aptPython = manager === "apt" && declared.some((p) => /^python3(\.\d+)?$/.test(p));
  // The official python images keep the interpreter in /usr/local, so pip's files are only site-packages and bin.
  const version = aptPython ? null : /(^|\/)python:(\d+\.\d+)/.exec(walked.final.rootImage.toLowerCase())?.[2];
  if (!aptPython && !version) {
    const how = manager === "apk" && declared.some((p) => /^python3/.test(p)) ? "is installed with apk" : `comes from the base image ${walked.final.rootImage}, whose tag names no Python version`;
    return { applicable: false, reason: `python: the interpreter ${how}; this rewrite rebuilds images that install python3 with apt-get, or official python:X.Y images (the slim strategy covers the others)` };
  }
  const pythonRuns = new Map(steps.map((s, i) => [i, pythonSteps(s)] as const).filter(([, p]) => p.installs));
  const systemPrefix = version ? [`/usr/local/lib/python${version}/site-packages`, "/usr/local/bin"] : ["/usr/local"];
  const targets = [...new Set([...pythonRuns.values()].flatMap((p) => p.dirs.flatMap((d) => (d === "/usr/local" ? systemPrefix : [d]))))];
  const evidence = (runtime?.packages ?? []).map(plainName).filter((p) => !BUILD_PACKAGE.test(p));
  // From an official python image, Debian's python3-* libraries are invisible to its interpreter: only libraries stay.
  const runtimeDeclared = declared.filter((p) => (version ? /^lib/.test(p) : RUNTIME_PACKAGE.test(p)) && !BUILD_PACKAGE.test(p));
  const needed = [...new Set([...runtimeDeclared, ...evidence])].sort();
  const dropped = declared.filter((p) => !needed.includes(p));
  const buildIndexes = steps.map((_, i) => i).filter((i) => runs.get(i)?.kind === "build");
  const lastBuild = buildIndexes.at(-1);
  const names = new Set(dockerfile.stages.map((s) => s.name));
  const builder = BUILDER_NAMES.find((n) => !names.has(n)) ?? "imgdiet-python-build";
  const notes: string[] = [];
  const platform = stage.platform ? `--platform=${stage.platform} ` : "";

  const w = new DockerfileWriter(dockerfile.escape);
  writePreamble(w, dockerfile);
  w.blank().comments(stage.from.comments);
  w.why("build stage: the original base and steps; pip builds the packages here, with the compilers and headers it needs");
  w.line(`FROM ${platform}${stage.base} AS ${builder}`);
  for (const s of steps) if (!RUNTIME_ONLY.has(s.instruction.keyword)) w.original(s.instruction);

  w.blank();
  w.why("final stage: the same base with only the interpreter and the libraries the program uses; no compiler, headers, pip or pip cache");
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
      const what = version ? "the run-time libraries only" : "the interpreter and Debian Python libraries only";
      w.why(`in place of line ${instruction.range.start.line}: ${what} (those the base lacks); no recommends, package lists or docs`);
      w.line(...runtimeInstall(manager, needed, runtime?.touched));
      chores();
    } else if (run?.kind === "build") {
      const what = pythonRuns.has(index) ? "installs Python packages" : "runs";
      notes.push(`line ${instruction.range.start.line}: RUN ${what} in the build stage; the final stage copies what it installed and the application's directories.`);
      if (index !== lastBuild) return;
      const fresh = targets.filter((t) => !copied.some((d) => isUnder(t, d)));
      for (const dir of fresh) w.why("what pip installed: the packages' files, built in the build stage").line(`COPY --from=${builder} ${dir} ${dir}`);
      copied.push(...fresh);
      for (const file of filesToCarry(runtime?.unowned ?? [], copied)) w.why("a file the program used that the build steps made").line(`COPY --from=${builder} ${file} ${file}`);
    } else if ((instruction.keyword === "COPY" || instruction.keyword === "ADD") && !instruction.flags.some((f) => f.name === "from")) {
      const dest = copyDestination(s);
      if (dest === null) {
        w.original(instruction);
        notes.push(`line ${instruction.range.start.line}: ${instruction.keyword} kept as written (its destination is not a literal path); changes later build steps made to it are not carried.`);
        return;
      }
      // An earlier copy from the builder brought this path already, as the build left it.
      if (copied.some((d) => isUnder(dest, d)) && ownershipFlags(s) === "") return;
      copied.push(dest);
      w.comments(instruction.comments);
      w.why(`line ${instruction.range.start.line}'s files as the build stage left them (in-place builds included)`).line(`COPY --from=${builder} ${ownershipFlags(s)}${dest} ${dest}`);
    } else w.original(instruction);
  });
  const text = finishText(w, dockerfile);

  notes.unshift(
    `python: pip runs in a build stage; the final stage (FROM ${stage.base}) installs ${list(needed)} and copies ${list(targets)} from it.`,
    ...(version ? [`The interpreter is the base image's Python ${version}: pip's packages are copied from its site-packages, and /usr/local/bin for the scripts they install.`] : []),
  );
  if (dropped.length > 0) notes.splice(version ? 2 : 1, 0, `Dropped from the final stage: ${list(dropped)} (compilers, headers, installers and tools the program does not run).`);
  if (!runtime) notes.push("Without a trace of the built image, the runtime packages are the python3 and library packages the Dockerfile names; a library a C extension loads that came only as a dependency of a -dev package is not kept (diet and rewrite --verify add it from the trace).");
  return { applicable: true, dockerfile: text, language: "python", finalBase: stage.base, notes };
}

// The trace adds the libraries a C extension loads that only came with a -dev package; without it the rewrite still applies.
export const pythonRewriter: Rewriter = { language: "python", detect, rewrite, needsRuntime: true };
