/**
 * Go: rewrite the image's stage into a builder that compiles a stripped static binary and a `scratch`
 * final stage holding that binary, the image's runtime settings, and only the files the program needs
 * (CA bundle, passwd/group, shared libraries for cgo).
 *
 * cgo: a program that imports "C" links libc dynamically. Rather than falling back to a distro base, the
 * builder copies the binary's ELF closure (the interpreter and the libraries `ldd` resolves) into the
 * scratch stage: a few MB instead of a whole slim distro, and the image still holds only what the program
 * loads. Linking glibc statically was not chosen: a static glibc still loads its NSS modules (user and
 * host lookups) as shared libraries at run time, so the image would need them anyway, and version-matched.
 */
import path from "node:path";
import type { Instruction, Stage } from "../parse.js";
import { quoteShellWord, shellFlag, type ShellCommand } from "../shell-words.js";
import { builderName, DockerfileWriter, execForm, finishText, runLine, runtimeEnv, writeCarried, writePreamble, type CarriedSetting } from "./emit.js";
import { flagValue, type GoFlag } from "./go-command.js";
import { goNeeds, type GoNeeds } from "./go-needs.js";
import { findGoProgram, type GoProgram } from "./go-program.js";
import { goStageFacts, startCommand, type StageFacts, type StartCommand, type Step } from "./go-stage.js";
import { CA_BUNDLE, OUT, caBundleScript, elfClosureScript, isRootUser, passwdScript } from "./runtime-files.js";
import { detectLanguage } from "./detect-language.js";
import type { RewriteContext, Rewriter } from "./registry.js";
import type { RewriteResult } from "./types.js";

/** Instructions that only describe how the image runs; they go to the final stage, not the builder. */
const RUNTIME_ONLY = new Set(["CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "VOLUME", "LABEL", "MAINTAINER", "ONBUILD"]);
/** Go toolchain settings: meaningful in the builder, meaningless in a scratch image. */
const BUILD_ENV = new Set([
  "PATH", "GOPATH", "GOROOT", "GOFLAGS", "GO111MODULE", "GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB",
  "GOINSECURE", "GOOS", "GOARCH", "GOARM", "GOAMD64", "GOCACHE", "GOMODCACHE", "GOBIN", "GOTOOLCHAIN", "GOWORK",
  "GOTMPDIR", "GOEXPERIMENT", "GOLANG_VERSION", "CGO_ENABLED", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS", "CC", "CXX",
]);
/** Build flags this rewrite sets itself, or that would tie the binary to a libc or a runtime library. */
const REPLACED_FLAGS = new Set(["o", "ldflags", "trimpath", "tags", "race", "msan", "asan", "exec", "linkshared", "buildmode"]);
const USER_CREATION = /\b(useradd|adduser|groupadd|addgroup)\b/;

interface Context {
  stage: Stage;
  facts: StageFacts;
  start: StartCommand;
  program: GoProgram;
  needs: GoNeeds;
  builder: string;
  /** Path of the binary in the builder: where the original build wrote it (later steps may use it), else under OUT. */
  output: string;
  /** Path of the binary in the final image. */
  binary: string;
  notes: string[];
}

function ldflags(flag: GoFlag | undefined): string {
  const value = flag?.value?.trim() ? `${flag.value.trim()} -s -w` : "-s -w";
  const expands = flag?.raw.some((raw) => raw.includes("$") && !raw.includes("'")) ?? false;
  return expands ? `-ldflags="${value.replace(/["\\`]/g, "\\$&")}"` : shellFlag("-ldflags", value);
}

/** The `go build` command line of the builder. */
function buildCommand(ctx: Context): string {
  const { program, needs } = ctx;
  const flags = program.invocation.flags;
  const env = (program.site?.env ?? []).filter((w) => !w.value.startsWith("CGO_ENABLED=")).map((w) => w.raw);
  const kept = flags.filter((f) => !REPLACED_FLAGS.has(f.name) || (f.name === "buildmode" && /^(exe|default)$/.test(f.value ?? ""))).flatMap((f) => f.raw);
  const tags = (flagValue(program.invocation, "tags") ?? "").split(/[\s,]+/).filter((t) => t !== "");
  if (needs.zoneinfo && !tags.includes("timetzdata")) tags.push("timetzdata");
  const words = [
    ...env,
    `CGO_ENABLED=${needs.cgo ? 1 : 0}`,
    "go", "build",
    ...kept,
    "-trimpath",
    ...(tags.length > 0 ? [`-tags=${quoteShellWord(tags.join(","))}`] : []),
    ldflags(flags.filter((f) => f.name === "ldflags").at(-1)),
    "-o", ctx.output,
    ...program.invocation.targets.map((t) => t.raw),
  ];
  return words.join(" ");
}

function chainText(chain: ShellCommand[], index: number, replacement: string): string {
  return chain.map((c, i) => (i === index ? replacement : c.words.map((w) => w.raw).join(" ")) + (c.next ? ` ${c.next}` : "")).join(" ");
}

/** Emits `RUN` steps that must run as root, switching the builder's user around them when needed. */
function asRoot(w: DockerfileWriter, user: string | null, emit: () => void, restore: boolean): void {
  if (isRootUser(user)) return emit();
  w.why(`the original switched to USER ${user}; the steps below write to ${OUT} and need root`).line("USER root");
  emit();
  if (restore) w.why("back to the original user for the original steps that follow").line(`USER ${user}`);
}

function emitBuild(w: DockerfileWriter, ctx: Context, step: Step | null): void {
  const { program, facts } = ctx;
  const module = program.module;
  const downloadedBefore = facts.downloads.some((d) => !step || facts.steps.findIndex((s) => s.instruction === d) <= facts.steps.indexOf(step));
  const cd = step && program.cwd !== step.cwd ? `cd ${quoteShellWord(program.cwd)} && ` : "";
  if (module && module.requires.length > 0 && !module.vendored && !downloadedBefore) {
    w.why(`go.mod requires ${module.requires.length} module(s); fetch them before compiling (git is in the builder)`);
    w.line(`RUN ${cd}go mod download`);
    ctx.notes.push(`go.mod requires ${module.requires.length} module(s): the builder runs go mod download, which needs network access to the module proxy or the repositories.`);
  }
  const how = ctx.needs.cgo ? "cgo needs libc, so the binary stays dynamic (its libraries are copied below)" : "CGO_ENABLED=0 makes it static, so it runs on scratch";
  const site = program.site;
  const whole = site !== null && step !== null && (site.instruction.command?.form === "exec" || (site.chain !== null && site.index === site.chain.length - 1));
  const why = () => w.why(`compile once at build time instead of at every start; ${how}; -trimpath and -s -w drop paths and symbols`);
  if (whole) {
    w.comments(site.instruction.comments);
    why();
    w.line(`RUN ${site.chain ? chainText(site.chain, site.index, buildCommand(ctx)) : cd + buildCommand(ctx)}`);
  } else {
    if (site && step) w.original(site.instruction);
    why();
    w.line(`RUN ${cd}${buildCommand(ctx)}`);
  }
}

function emitBuilder(w: DockerfileWriter, ctx: Context): void {
  const { stage, facts, program, needs } = ctx;
  const platform = stage.platform ? `--platform=${stage.platform} ` : "";
  w.comments(stage.from.comments);
  w.why("build stage: the original base image and steps, used only to compile the program");
  w.line(`FROM ${platform}${stage.base} AS ${ctx.builder}`);
  let built = false;
  for (const step of facts.steps) {
    const { instruction } = step;
    if (RUNTIME_ONLY.has(instruction.keyword)) continue;
    if (program.site && instruction === program.site.instruction && !built) {
      built = true;
      const last = facts.steps.indexOf(step) === facts.steps.length - 1;
      const user = ctx.output.startsWith(`${OUT}/`) ? step.user : null;
      asRoot(w, user, () => emitBuild(w, ctx, step), !last);
      continue;
    }
    w.original(instruction);
    if (built && /^(RUN|COPY|ADD)$/.test(instruction.keyword) && !(needs.accounts && USER_CREATION.test(instruction.args)))
      ctx.notes.push(`line ${instruction.range.start.line}: ${instruction.keyword} comes after the build, so it runs in the build stage only and what it writes is not in the final image.`);
  }
  const tail: Array<() => void> = [];
  if (!built) tail.push(() => emitBuild(w, ctx, null));
  if (needs.accounts) {
    const accounts = needs.accounts;
    tail.push(() => w.why(`scratch has no /etc/passwd: ${accounts.reason}; keep just that user and its groups`).line(...runLine(passwdScript(accounts.spec))));
  }
  if (needs.caCertificates) tail.push(() => w.why("make sure the builder has the CA bundle the final stage copies").line(...runLine(caBundleScript())));
  if (needs.cgo) tail.push(() => w.why("collect the ELF interpreter and shared libraries the cgo binary loads").line(...runLine(elfClosureScript(ctx.output))));
  if (tail.length > 0) asRoot(w, facts.user, () => tail.forEach((emit) => emit()), false);
}

function programArgv0Matches(argv0: string, ctx: Context): boolean {
  if (!ctx.program.site) return false;
  if (!argv0.includes("/")) return argv0 === ctx.program.name;
  return path.posix.resolve(ctx.facts.workdir, argv0) === ctx.program.originalPath;
}

function startLine(ctx: Context): { instruction: Instruction; text: string; why: string } {
  const { instruction } = ctx.start;
  const form = instruction.command?.form === "shell" ? "; exec form because scratch has no shell to run the shell form" : "";
  const why =
    instruction.keyword === "CMD"
      ? `CMD as in the original, so \`docker run IMAGE args\` still replaces it${form}`
      : `ENTRYPOINT as in the original${form}`;
  return { instruction, text: `${instruction.keyword} ${execForm([ctx.binary, ...ctx.program.args])}`, why };
}

/**
 * A stage built FROM an earlier stage runs with that stage's ENV, WORKDIR and USER; scratch starts with
 * none of them, so they are written out (the stage's own lines, carried after these, still override them).
 */
function emitInherited(w: DockerfileWriter, ctx: Context): void {
  const { inherited } = ctx.facts;
  if (!inherited) return;
  const own = (keyword: string) => ctx.stage.instructions.some((i) => i.keyword === keyword);
  const lines: string[] = [];
  const env = [...inherited.env].filter(([name]) => !BUILD_ENV.has(name));
  if (env.length > 0) lines.push(`ENV ${env.map(([name, value]) => `${name}=${quoteShellWord(value)}`).join(" ")}`);
  if (inherited.cwd !== "/" && !own("WORKDIR")) lines.push(`WORKDIR ${inherited.cwd}`);
  if (inherited.user !== null && !own("USER")) lines.push(`USER ${inherited.user}`);
  if (lines.length === 0) return;
  w.why(`taken over from stage ${ctx.stage.base}, which the original final stage was built FROM`);
  lines.forEach((line) => w.line(line));
}

function emitFinal(w: DockerfileWriter, ctx: Context): void {
  const { stage, facts, needs, notes } = ctx;
  w.blank();
  w.why("final stage: scratch is empty, so the image holds only what is copied below");
  w.line("FROM scratch");
  const carried: CarriedSetting[] = [];
  const KEPT = "kept from the original: runtime settings of the image";
  const lastOf = (keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);
  const workdirLiteral = !facts.workdir.includes("$");
  let usesVariables = false;
  const metadata = (instruction: Instruction, text: string) => {
    usesVariables ||= text.includes("$");
    carried.push({ instruction, text, why: KEPT });
  };
  for (const { instruction } of facts.steps) {
    const { keyword } = instruction;
    if (["LABEL", "EXPOSE", "VOLUME", "STOPSIGNAL", "MAINTAINER"].includes(keyword)) metadata(instruction, instruction.raw.trim());
    else if (keyword === "ENV") {
      const text = runtimeEnv(instruction, (name) => BUILD_ENV.has(name));
      if (text) metadata(instruction, text);
    } else if (keyword === "WORKDIR" && (!workdirLiteral || instruction === lastOf("WORKDIR")))
      metadata(instruction, workdirLiteral ? `WORKDIR ${facts.workdir}` : instruction.raw.trim());
    else if (keyword === "USER" && instruction === lastOf("USER")) metadata(instruction, instruction.raw.trim());
    else if (keyword === "HEALTHCHECK" && instruction === lastOf("HEALTHCHECK")) {
      const exec = instruction.command?.exec;
      if (/^NONE$/i.test(instruction.body)) metadata(instruction, instruction.raw.trim());
      else if (exec && exec.length > 0 && programArgv0Matches(exec[0], ctx)) {
        const flags = instruction.flags.map((f) => `--${f.name}${f.value === null ? "" : `=${f.value}`} `).join("");
        carried.push({ instruction, text: `HEALTHCHECK ${flags}CMD ${execForm([ctx.binary, ...exec.slice(1)])}`, why: "the original health check, pointed at the binary" });
      } else notes.push(`line ${instruction.range.start.line}: HEALTHCHECK dropped — it runs ${exec ? exec[0] : "a shell command"}, and scratch has neither a shell nor that tool.`);
    } else if (keyword === "ONBUILD" || keyword === "SHELL")
      notes.push(`line ${instruction.range.start.line}: ${keyword} dropped — it has no meaning in a scratch image without a shell.`);
    else if (instruction === ctx.start.instruction) carried.push(startLine(ctx));
    else if ((keyword === "CMD" || keyword === "ENTRYPOINT") && instruction === lastOf(keyword)) {
      if (ctx.start.instruction.keyword === "ENTRYPOINT" && ctx.start.instruction.command?.form === "shell")
        notes.push(`line ${instruction.range.start.line}: CMD dropped — the original shell-form ENTRYPOINT ignored it.`);
      else carried.push({ instruction, text: instruction.raw.trim(), why: "kept from the original: the default arguments passed to the ENTRYPOINT" });
    }
  }
  if (usesVariables) {
    const args = stage.instructions.filter((i) => i.keyword === "ARG");
    if (args.length > 0) w.why("the settings below refer to these build arguments");
    args.forEach((a) => w.original(a));
  }
  const what = needs.cgo ? "the program (dynamically linked: cgo)" : "the program: the stripped static binary, the only file it needs";
  w.why(what).line(`COPY --from=${ctx.builder} ${ctx.output} ${ctx.binary}`);
  if (needs.cgo) w.why("its ELF interpreter and shared libraries, found by ldd in the builder").line(`COPY --from=${ctx.builder} ${OUT}/rootfs/ /`);
  if (needs.caCertificates) w.why(`the program imports ${needs.caCertificates}; TLS needs the CA bundle, which scratch lacks`).line(`COPY --from=${ctx.builder} ${CA_BUNDLE} ${CA_BUNDLE}`);
  if (needs.accounts) w.why("user and group entries for the user the program runs as").line(`COPY --from=${ctx.builder} ${OUT}/etc/passwd ${OUT}/etc/group /etc/`);
  emitInherited(w, ctx);
  writeCarried(w, carried);
}

function describe(ctx: Context): void {
  const { program, needs, notes } = ctx;
  const source = program.site ? `line ${program.site.instruction.range.start.line}'s go ${program.site.invocation.verb}` : `go run at start-up`;
  notes.unshift(
    `go: ${source} became a build-stage \`go build\` with ${needs.cgo ? "cgo" : "CGO_ENABLED=0"}, -trimpath and -ldflags="-s -w"; the final stage is FROM scratch with ${ctx.binary}.`,
  );
  if (needs.caCertificates) notes.push(`The program imports ${needs.caCertificates}: ${CA_BUNDLE} is copied in for TLS.`);
  if (needs.accounts) notes.push(`${needs.accounts.reason}: /etc/passwd and /etc/group hold just that user, taken from the builder.`);
  if (needs.zoneinfo) notes.push(`${needs.zoneinfo}: built with -tags timetzdata, which embeds the zone database (about 450 kB) — smaller than copying /usr/share/zoneinfo, and independent of the builder having tzdata.`);
  if (needs.cgo) notes.push(`The program imports "C": it links libc dynamically, so the final stage also gets its ELF interpreter and shared libraries (ldd in the builder) instead of a distro base.`);
  if (program.scannedWholeContext) notes.push("Could not tell which context files the build compiles; every .go file in the context was scanned for imports.");
  if (program.scan.unscanned.length > 0) notes.push(`Imports not in the context were not scanned (${program.scan.unscanned.slice(0, 3).join(", ")}${program.scan.unscanned.length > 3 ? ", …" : ""}); if they need certificates or files, add them.`);
  if (program.scan.readsFiles.length > 0) notes.push(`The program reads files at run time (${program.scan.readsFiles.join(", ")}); only the binary is in the final image — embed them with //go:embed or COPY them into the final stage.`);
  if (ctx.start.instruction.keyword === "ENTRYPOINT" && ctx.start.instruction.command?.form === "shell")
    notes.push("The shell-form ENTRYPOINT ignored `docker run` arguments; the exec form passes them to the program.");
}

/** Rewrites a Dockerfile whose final stage builds or runs a Go program. */
export async function rewriteGo({ dockerfile: df, walked, contextDir }: RewriteContext): Promise<RewriteResult> {
  const stage = walked.final.stage;
  const facts = goStageFacts(walked.final, walked.final.parent === null ? null : walked.stages[walked.final.parent]);
  const start = startCommand(stage);
  if (typeof start === "string") return { applicable: false, reason: `go: ${start}` };
  const program = await findGoProgram(facts, start, contextDir);
  if (typeof program === "string") return { applicable: false, reason: `go: ${program}` };
  const builder = builderName(df);
  const output = program.site && program.originalPath ? program.originalPath : `${OUT}/${program.name}`;
  const binary = program.site && program.originalPath ? program.originalPath : `/${program.name}`;
  const ctx: Context = { stage, facts, start, program, needs: goNeeds(stage, program, facts.user), builder, output, binary, notes: [] };

  const w = new DockerfileWriter(df.escape);
  writePreamble(w, df);
  w.blank();
  emitBuilder(w, ctx);
  emitFinal(w, ctx);
  const dropped = program.invocation.flags.filter((f) => ["race", "msan", "asan", "linkshared", "buildmode"].includes(f.name) && !/^(exe|default)$/.test(f.value ?? ""));
  if (dropped.length > 0) ctx.notes.push(`Dropped build flags that need libc or shared runtime libraries: ${dropped.map((f) => f.raw.join(" ")).join(", ")}.`);
  describe(ctx);
  const dockerfile = finishText(w, df);
  return { applicable: true, dockerfile, language: "go", finalBase: "scratch", notes: ctx.notes };
}

/**
 * Go in the rewriter registry: a `go build`/`go run` in the final stage or a golang base. Go sources in
 * the context alone do not count: without either, there is no Go program in the image to rebuild, and a
 * later rewriter (the toolchain one) may still apply.
 */
export const goRewriter: Rewriter = {
  language: "go",
  async detect({ finalStage, contextDir }) {
    const guess = await detectLanguage(finalStage, contextDir, { contextFiles: false });
    return guess?.language === "go" ? guess.evidence : undefined;
  },
  rewrite: rewriteGo,
};
