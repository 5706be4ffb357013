/**
 * The multi-stage Dockerfile of a native program (Rust, C/C++): the original stage becomes the builder
 * (its FROM, installs and COPYs kept verbatim with their comments, the build edited only where a
 * rewriter says so), then one builder step gathers the stripped binary and its ELF closure (interpreter
 * and the libraries ldd resolves) under OUT/rootfs, and a `scratch` final stage copies that tree and
 * keeps the image's runtime settings.
 *
 * Why the closure rather than a static relink: the program's own build decides how it links; a binary
 * that is already static (musl, `-static`) simply has an empty closure, and a dynamic one gets exactly
 * the libraries it loads — a few MB — instead of a distro base.
 */
import path from "node:path";
import type { Instruction } from "../parse.js";
import { quoteShellWord } from "../shell-words.js";
import { builderName, DockerfileWriter, execForm, finishText, lastOf, runLine, runtimeEnv, writeCarried, writePreamble, writeReferencedArgs, type CarriedSetting } from "./emit.js";
import type { RewriteContext } from "./registry.js";
import { locateProgram, type StartCommand } from "./rust-c-program.js";
import { CA_BUNDLE, OUT, caBundleScript, elfClosureScript, isRootUser, needsNameLookup, parseUserSpec, passwdScript } from "./runtime-files.js";
import type { RewriteResult } from "./types.js";

/** Instructions that only describe how the image runs: the final stage gets them, not the builder. */
const RUNTIME_ONLY = new Set(["CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "VOLUME", "LABEL", "MAINTAINER", "ONBUILD"]);
/** Toolchain settings: they steer the build and mean nothing in a scratch image. */
const BUILD_ENV = /^(DEBIAN_FRONTEND|CARGO_\w*|CARGO|RUSTUP_\w*|RUST_VERSION|RUSTFLAGS|RUSTDOCFLAGS|CC|CXX|CPP|LD|AR|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|LDLIBS|MAKEFLAGS|CMAKE_\w*|PKG_CONFIG_PATH)$/;

export interface NativeRewritePlan {
  ctx: RewriteContext;
  language: string;
  start: StartCommand;
  /** Original RUN instructions replaced by a generated one (comments kept, `why` above it). */
  replacements: Map<Instruction, { why: string; text: string }>;
  /** Build steps added after the original ones, each with why it is there. */
  added: Array<{ why: string; parts: string[]; cwd: string }>;
  /** argv[0] of the start command as the build leaves it (relative to the start's workdir, or a PATH name). */
  program: string;
  /** The arguments after argv[0] in the final start command. */
  args: string[];
  /** What in the user's build makes the binary static (`-static`, a musl target), or null. */
  staticBuild: string | null;
  /** Why the program needs the CA bundle, or null. */
  caBundle: string | null;
  notes: string[];
}

/** Writes the rewritten Dockerfile for `plan`. */
export function emitNativeRewrite(plan: NativeRewritePlan): Extract<RewriteResult, { applicable: true }> {
  const { ctx, start, notes } = plan;
  const df = ctx.dockerfile;
  const final = ctx.walked.final;
  const steps = final.steps;
  const builder = builderName(df);
  const location = locateProgram(plan.program, start.workdir);
  const binary = quoteShellWord(`${OUT}/rootfs${location.finalPath}`);
  const source = location.builderPath.startsWith("/") ? quoteShellWord(location.builderPath) : location.builderPath;
  const user = final.end.user;
  const userSpec = user && !isRootUser(user) ? parseUserSpec(user) : null;
  const accounts = userSpec && needsNameLookup(userSpec) ? userSpec : null;

  const w = new DockerfileWriter(df.escape);
  writePreamble(w, df);

  // Builder: the original stage minus what only matters at run time.
  w.blank().comments(ctx.finalStage.from.comments);
  w.why(`build stage: the original base image and steps, used only to build the ${plan.language} program`);
  w.line(`FROM ${ctx.finalStage.platform ? `--platform=${ctx.finalStage.platform} ` : ""}${ctx.finalStage.base} AS ${builder}`);
  for (const { instruction } of steps) {
    if (RUNTIME_ONLY.has(instruction.keyword)) continue;
    const replacement = plan.replacements.get(instruction);
    if (!replacement) {
      w.original(instruction);
      continue;
    }
    w.comments(instruction.comments).why(replacement.why).line(replacement.text);
  }
  if (!isRootUser(user)) w.why(`the original switched to USER ${user}; the steps below write to ${OUT} and need root`).line("USER root");
  for (const step of plan.added) {
    const cd = step.cwd !== final.end.cwd ? `cd ${quoteShellWord(step.cwd)} && ` : "";
    w.why(step.why).line(...runLine([`${cd}${step.parts[0]}`, ...step.parts.slice(1)]));
  }
  w.why(`gather the program for the final stage; strip drops its symbols and debug sections (the program never reads them)`);
  w.line(
    ...runLine([
      `mkdir -p ${quoteShellWord(path.posix.dirname(`${OUT}/rootfs${location.finalPath}`))}`,
      `&& cp -L ${source} ${binary}`,
      `&& if command -v strip >/dev/null; then strip ${binary}; fi`,
    ]),
  );
  if (plan.staticBuild) w.why(`the build links statically (${plan.staticBuild}, as the original asked), so ldd should find nothing; this copies any library it still loads`);
  else w.why("its ELF interpreter and the shared libraries it loads, as ldd resolves them (nothing for a static binary)");
  w.line(...runLine(elfClosureScript(binary)));
  if (accounts) w.why(`scratch has no /etc/passwd: USER ${user} names a user; keep just that user and its groups`).line(...runLine(passwdScript(accounts)));
  if (plan.caBundle) w.why("make sure the builder has the CA bundle the final stage copies").line(...runLine(caBundleScript()));

  // Final stage: scratch plus the gathered files and the original's runtime settings.
  w.blank().why("final stage: scratch is empty, so the image holds only what is copied below").line("FROM scratch");
  const carried: CarriedSetting[] = [];
  const KEPT = "kept from the original: runtime settings of the image";
  for (const { instruction } of steps) {
    const { keyword } = instruction;
    if (["LABEL", "EXPOSE", "VOLUME", "STOPSIGNAL", "MAINTAINER"].includes(keyword)) carried.push({ instruction, text: instruction.raw.trim(), why: KEPT });
    else if (keyword === "ENV") {
      const text = runtimeEnv(instruction, (name) => BUILD_ENV.test(name));
      if (text) carried.push({ instruction, text, why: KEPT });
    } else if (keyword === "WORKDIR" && instruction === lastOf(steps, "WORKDIR")) carried.push({ instruction, text: `WORKDIR ${final.end.cwd}`, why: KEPT });
    else if (keyword === "USER" && instruction === lastOf(steps, "USER")) carried.push({ instruction, text: instruction.raw.trim(), why: KEPT });
    else if (keyword === "HEALTHCHECK" && instruction === lastOf(steps, "HEALTHCHECK")) {
      const exec = instruction.command?.exec;
      if (/^NONE$/i.test(instruction.body)) carried.push({ instruction, text: instruction.raw.trim(), why: KEPT });
      else if (exec && exec[0] === plan.program) {
        const flags = instruction.flags.map((f) => `--${f.name}${f.value === null ? "" : `=${f.value}`} `).join("");
        carried.push({ instruction, text: `HEALTHCHECK ${flags}CMD ${execForm([location.finalPath, ...exec.slice(1)])}`, why: "the original health check, pointed at the binary" });
      } else notes.push(`line ${instruction.range.start.line}: HEALTHCHECK dropped — it runs ${exec ? exec[0] : "a shell command"}, and scratch has neither a shell nor other tools.`);
    } else if (keyword === "SHELL" || keyword === "ONBUILD") notes.push(`line ${instruction.range.start.line}: ${keyword} dropped — it has no meaning in a scratch image.`);
    else if (instruction === start.instruction) {
      const shell = instruction.command?.form === "shell" ? "; exec form because scratch has no shell for the shell form" : "";
      const why = keyword === "CMD" ? `CMD as in the original, so \`docker run IMAGE args\` still replaces it${shell}` : `ENTRYPOINT as in the original${shell}`;
      carried.push({ instruction, text: `${keyword} ${execForm([location.finalPath, ...plan.args])}`, why });
    } else if (keyword === "CMD" && instruction === lastOf(steps, "CMD")) {
      if (start.instruction.command?.form === "shell") notes.push(`line ${instruction.range.start.line}: CMD dropped — the original shell-form ENTRYPOINT ignored it.`);
      else carried.push({ instruction, text: instruction.raw.trim(), why: "kept from the original: the default arguments passed to the ENTRYPOINT" });
    }
  }
  writeReferencedArgs(w, carried, ctx.finalStage);
  w.why(`the program (${location.finalPath}) with its interpreter and libraries, gathered in the build stage`).line(`COPY --from=${builder} ${OUT}/rootfs/ /`);
  if (plan.caBundle) w.why(`${plan.caBundle}; TLS needs the CA bundle, which scratch lacks`).line(`COPY --from=${builder} ${CA_BUNDLE} ${CA_BUNDLE}`);
  if (accounts) w.why("user and group entries for the user the program runs as").line(`COPY --from=${builder} ${OUT}/etc/passwd ${OUT}/etc/group /etc/`);
  writeCarried(w, carried);
  const dockerfile = finishText(w, df);

  if (!location.builderPath.startsWith("/"))
    notes.push(`${start.instruction.keyword} runs ${plan.program} from PATH: the builder finds it with command -v and the final stage keeps it as ${location.finalPath}.`);
  if (plan.caBundle) notes.push(`${plan.caBundle}: ${CA_BUNDLE} is copied in for TLS.`);
  if (accounts) notes.push(`USER ${user} names a user: /etc/passwd and /etc/group hold just that user, taken from the builder.`);
  notes.push("Libraries the program opens with dlopen (plugins, NSS lookups of users and hosts) are invisible to ldd; verify the rewrite with probes (--verify).");
  return { applicable: true, dockerfile, language: plan.language, finalBase: "scratch", notes };
}
