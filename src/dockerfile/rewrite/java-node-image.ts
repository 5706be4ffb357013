/**
 * The multi-stage Dockerfile of a program a language runtime runs (Java, Node.js): the original stage
 * becomes the builder, kept verbatim with its comments (installs, the user's CA and registry settings,
 * the build); optional stages built FROM the builder (Node's production-only install); and a `scratch`
 * final stage holding the runtime with its ELF closure, the application's files, and the image's
 * runtime settings, with the start command pointed at the runtime's absolute path.
 */
import { builderName, DockerfileWriter, execForm, finishText, lastOf, runLine, runtimeEnv, writeCarried, writePreamble, writeReferencedArgs, type CarriedSetting } from "./emit.js";

export { builderName } from "./emit.js";
import type { RewriteContext } from "./registry.js";
import type { StartCommand } from "./rust-c-program.js";
import { CA_BUNDLE, OUT, caBundleScript, isRootUser, needsNameLookup, parseUserSpec, passwdScript } from "./runtime-files.js";
import type { RewriteResult } from "./types.js";

/** Instructions that only describe how the image runs: the final stage gets them, not the builder. */
const RUNTIME_ONLY = new Set(["CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "VOLUME", "LABEL", "MAINTAINER", "ONBUILD"]);

/** One generated RUN line: why it is there and its parts (joined with line continuations). */
export interface GeneratedStep {
  why: string;
  parts: string[];
}

/** A COPY of the final stage. `from` is a stage name, or null for the builder. */
export interface FinalCopy {
  why: string;
  from: string | null;
  source: string;
  dest: string;
}

export interface RuntimeImagePlan {
  ctx: RewriteContext;
  language: string;
  start: StartCommand;
  /** argv of the final start command (the runtime's absolute path first). */
  argv: string[];
  /** Steps added at the end of the builder (they run as root). */
  builderSteps: GeneratedStep[];
  /** Stages built FROM the builder, in order, each with its steps (run as root). */
  stages: Array<{ name: string; why: string; steps: GeneratedStep[] }>;
  /** The files of the final stage, in order. */
  copies: FinalCopy[];
  /** Environment variables that only steer the build (toolchain homes, PATH): dropped from the final stage. */
  buildEnv: RegExp;
  /** An ENV line the final stage needs for its runtime (e.g. PATH to it), with why. */
  env: { why: string; text: string } | null;
  /** Why the program needs the CA bundle, or null. */
  caBundle: string | null;
  notes: string[];
}

/** Writes the rewritten Dockerfile for `plan`. */
export function emitRuntimeRewrite(plan: RuntimeImagePlan): Extract<RewriteResult, { applicable: true }> {
  const { ctx, start, notes } = plan;
  const df = ctx.dockerfile;
  const final = ctx.walked.final;
  const steps = final.steps;
  const builder = builderName(df);
  const user = final.end.user;
  const userSpec = user && !isRootUser(user) ? parseUserSpec(user) : null;
  const accounts = userSpec && needsNameLookup(userSpec) ? userSpec : null;
  const asRoot = (w: DockerfileWriter) => {
    if (!isRootUser(user)) w.why(`the original switched to USER ${user}; the steps below write to ${OUT} and need root`).line("USER root");
  };

  const w = new DockerfileWriter(df.escape);
  writePreamble(w, df);

  // Builder: the original stage minus what only matters at run time.
  w.blank().comments(ctx.finalStage.from.comments);
  w.why(`build stage: the original base image and steps, used only to build the ${plan.language} program and gather its runtime`);
  w.line(`FROM ${ctx.finalStage.platform ? `--platform=${ctx.finalStage.platform} ` : ""}${ctx.finalStage.base} AS ${builder}`);
  for (const { instruction } of steps) if (!RUNTIME_ONLY.has(instruction.keyword)) w.original(instruction);
  const tail: GeneratedStep[] = [...plan.builderSteps];
  if (accounts) tail.push({ why: `scratch has no /etc/passwd: USER ${user} names a user; keep just that user and its groups`, parts: passwdScript(accounts) });
  if (plan.caBundle) tail.push({ why: "make sure the builder has the CA bundle the final stage copies", parts: caBundleScript() });
  if (tail.length > 0) asRoot(w);
  for (const step of tail) w.why(step.why).line(...runLine(step.parts));

  for (const stage of plan.stages) {
    w.blank().why(stage.why).line(`FROM ${builder} AS ${stage.name}`);
    // A stage FROM the builder starts as the builder ended: as root when the steps above switched to it.
    if (stage.steps.length > 0 && tail.length === 0) asRoot(w);
    for (const step of stage.steps) w.why(step.why).line(...runLine(step.parts));
  }

  // Final stage: scratch plus the gathered files and the original's runtime settings.
  w.blank().why("final stage: scratch is empty, so the image holds only what is copied below").line("FROM scratch");
  const carried: CarriedSetting[] = [];
  const KEPT = "kept from the original: runtime settings of the image";
  const runtimePath = plan.argv[0];
  for (const { instruction } of steps) {
    const { keyword } = instruction;
    if (["LABEL", "EXPOSE", "VOLUME", "STOPSIGNAL", "MAINTAINER"].includes(keyword)) carried.push({ instruction, text: instruction.raw.trim(), why: KEPT });
    else if (keyword === "ENV") {
      const text = runtimeEnv(instruction, (name) => plan.buildEnv.test(name));
      if (text) carried.push({ instruction, text, why: KEPT });
    } else if (keyword === "WORKDIR" && instruction === lastOf(steps, "WORKDIR")) carried.push({ instruction, text: `WORKDIR ${final.end.cwd}`, why: KEPT });
    else if (keyword === "USER" && instruction === lastOf(steps, "USER")) carried.push({ instruction, text: instruction.raw.trim(), why: KEPT });
    else if (keyword === "HEALTHCHECK" && instruction === lastOf(steps, "HEALTHCHECK")) {
      if (/^NONE$/i.test(instruction.body)) carried.push({ instruction, text: instruction.raw.trim(), why: KEPT });
      else notes.push(`line ${instruction.range.start.line}: HEALTHCHECK dropped — it runs ${instruction.command?.exec?.[0] ?? "a shell command"}, and scratch has neither a shell nor other tools.`);
    } else if (keyword === "SHELL" || keyword === "ONBUILD") notes.push(`line ${instruction.range.start.line}: ${keyword} dropped — it has no meaning in a scratch image.`);
    else if (instruction === start.instruction) {
      const shell = instruction.command?.form === "shell" ? "; exec form because scratch has no shell for the shell form" : "";
      const what = `${keyword} as in the original with the runtime's absolute path (${runtimePath})${shell}`;
      carried.push({ instruction, text: `${keyword} ${execForm(plan.argv)}`, why: keyword === "CMD" ? `${what}; \`docker run IMAGE args\` still replaces it` : what });
    } else if (keyword === "CMD" && instruction === lastOf(steps, "CMD")) {
      if (start.instruction.command?.form === "shell") notes.push(`line ${instruction.range.start.line}: CMD dropped — the original shell-form ENTRYPOINT ignored it.`);
      else carried.push({ instruction, text: instruction.raw.trim(), why: "kept from the original: the default arguments passed to the ENTRYPOINT" });
    }
  }
  writeReferencedArgs(w, carried, ctx.finalStage);
  for (const copy of plan.copies) w.why(copy.why).line(`COPY --from=${copy.from ?? builder} ${copy.source} ${copy.dest}`);
  if (plan.caBundle) w.why(`${plan.caBundle}; TLS needs the CA bundle, which scratch lacks`).line(`COPY --from=${builder} ${CA_BUNDLE} ${CA_BUNDLE}`);
  if (accounts) w.why("user and group entries for the user the program runs as").line(`COPY --from=${builder} ${OUT}/etc/passwd ${OUT}/etc/group /etc/`);
  if (plan.env) w.why(plan.env.why).line(plan.env.text);
  writeCarried(w, carried);
  const dockerfile = finishText(w, df);

  if (plan.caBundle) notes.push(`${plan.caBundle}: ${CA_BUNDLE} is copied in for TLS.`);
  if (accounts) notes.push(`USER ${user} names a user: /etc/passwd and /etc/group hold just that user, taken from the builder.`);
  return { applicable: true, dockerfile, language: plan.language, finalBase: "scratch", notes };
}
