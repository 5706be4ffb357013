/**
 * Rust: the original stage becomes the builder, its `cargo build` made a release build (`--locked`
 * when the context has a Cargo.lock; the user's features and flags kept), `cargo run` at start-up
 * becomes a build-stage `cargo build --release`, and the final stage is `scratch` with the stripped
 * binary and its ELF closure.
 *
 * musl: a binary built for a `*-musl` target is static and its closure is empty. The rewrite does not add
 * that target itself: Debian's rustc ships no musl standard library, and rustup may not be in the
 * builder; a glibc binary plus the few libraries it loads (libc, libgcc_s, libm) is the portable choice.
 */
import path from "node:path";
import type { Instruction } from "../parse.js";
import { quoteShellWord } from "../shell-words.js";
import { execForm } from "./emit.js";
import type { RewriteContext, Rewriter } from "./registry.js";
import { defaultBinary, isRelease, optionValue, parseCargo, readCargoCrate, selectionOptions, tlsCrate, type CargoCrate } from "./rust-cargo.js";
import { emitNativeRewrite, type NativeRewritePlan } from "./rust-c-image.js";
import { notABinary, programsRun, runCommands, runWords, startCommand, type RunCommand } from "./rust-c-program.js";
import type { RewriteResult } from "./types.js";

const RUST_BASE = /(^|\/)rust(:|@|$)/;

function notApplicable(reason: string): RewriteResult {
  return { applicable: false, reason: `rust: ${reason}` };
}

/** The RUN text with the cargo command of `site` given extra options right after its subcommand. */
function withOptions(site: RunCommand, extra: string[]): string {
  const at = parseCargo(site.words)!.at + site.envWords;
  const flags = site.step.instruction.flags.map((f) => `--${f.name}${f.value === null ? "" : `=${f.value}`} `).join("");
  if (!site.chain) {
    const exec = [...site.words];
    exec.splice(at + 1, 0, ...extra);
    return `RUN ${flags}${execForm(exec)}`;
  }
  const text = site.chain
    .map((c, i) => {
      const raws = c.words.map((word) => word.raw);
      if (i === site.index) raws.splice(at + 1, 0, ...extra);
      return raws.join(" ") + (c.next ? (c.next === "\n" ? " ;" : ` ${c.next}`) : "");
    })
    .join(" ");
  return `RUN ${flags}${text}`;
}

function lockOption(crate: CargoCrate | null, options: readonly string[]): string[] {
  return crate?.locked && !options.some((o) => o === "--locked" || o === "--frozen") ? ["--locked"] : [];
}

export const rustRewriter: Rewriter = {
  language: "rust",

  async detect(ctx: RewriteContext): Promise<string | undefined> {
    const run = programsRun(ctx).find((p) => p.program === "cargo" || p.program === "rustc");
    if (run) return `line ${run.instruction.range.start.line}: RUN ${run.instruction.body}`;
    const start = startCommand(ctx);
    if (typeof start !== "string" && path.posix.basename(start.argv[0]) === "cargo") return `line ${start.instruction.range.start.line}: ${start.instruction.keyword} runs cargo`;
    if (RUST_BASE.test(ctx.walked.final.rootImage.toLowerCase())) return `base image ${ctx.walked.final.rootImage}`;
    return (await readCargoCrate(ctx.contextDir)) ? "Cargo.toml in the build context" : undefined;
  },

  async rewrite(ctx: RewriteContext): Promise<RewriteResult> {
    const start = startCommand(ctx);
    if (typeof start === "string") return notApplicable(start);
    const crate = await readCargoCrate(ctx.contextDir);
    const commands = runCommands(ctx.walked.final.steps);
    const builds = commands.filter((c) => ["build", "install", "b"].includes(parseCargo(c.words)?.subcommand ?? "") || c.words[0] === "rustc");
    const plan: NativeRewritePlan = { ctx, language: "rust", start, replacements: new Map(), added: [], program: start.argv[0], args: start.argv.slice(1), staticBuild: null, caBundle: null, notes: [] };
    const done: string[] = [];

    for (const site of builds) {
      const cargo = parseCargo(site.words);
      if (!cargo) continue;
      const instruction: Instruction = site.step.instruction;
      const extra = [...(cargo.subcommand === "install" || isRelease(cargo.options) ? [] : ["--release"]), ...lockOption(crate, cargo.options)];
      if (extra.length === 0 || plan.replacements.has(instruction)) continue;
      if (instruction.heredocs.length > 0) {
        plan.notes.push(`line ${instruction.range.start.line}: cargo ${cargo.subcommand} runs in a heredoc, kept as written; it could use ${extra.join(" ")}.`);
        continue;
      }
      plan.replacements.set(instruction, {
        why: extra.map((option) => (option === "--release" ? "--release: an optimised build" : "--locked: exactly the dependency versions of Cargo.lock")).join("; "),
        text: withOptions(site, extra),
      });
      done.push(`line ${instruction.range.start.line}'s cargo ${cargo.subcommand} gained ${extra.join(" ")}`);
      if (extra.includes("--release") && plan.program.includes("target/debug/")) {
        plan.program = plan.program.replace("target/debug/", "target/release/");
        plan.notes.push(`The ${start.instruction.keyword} ran a debug build; it now runs the release build at ${plan.program}.`);
      }
    }

    const run = parseCargo(start.argv);
    if (run) {
      if (run.subcommand !== "run") return notApplicable(`${start.instruction.keyword} runs cargo ${run.subcommand}, not a program`);
      const name = optionValue(run.options, "--bin") ?? (crate ? defaultBinary(crate) : null);
      if (!name) return notApplicable(`${start.instruction.keyword} runs cargo run, but no Cargo.toml at the root of the build context names the binary`);
      const target = optionValue(run.options, "--target");
      const targetDir = optionValue(run.options, "--target-dir") ?? ctx.walked.final.end.env.get("CARGO_TARGET_DIR") ?? "target";
      const profile = optionValue(run.options, "--profile");
      const dir = profile && profile !== "release" ? profile : "release";
      const options = [...selectionOptions(run.options), ...(profile ? [`--profile=${profile}`] : ["--release"]), ...lockOption(crate, run.options)];
      plan.added.push({ why: "build once at build time instead of compiling at every start (cargo run); release: optimised", parts: [["cargo", "build", ...options].map(quoteShellWord).join(" ")], cwd: start.workdir });
      plan.program = path.posix.join(targetDir, ...(target ? [target] : []), dir, name);
      if (!plan.program.startsWith("/")) plan.program = `./${plan.program}`;
      plan.args = run.programArgs;
      done.push(`cargo run at start-up became a build-stage cargo build ${options.join(" ")}`);
    } else if (builds.length === 0) return notApplicable("the final stage has no cargo build, cargo install or rustc, and its command is not cargo run; nothing says how the program is built");

    const why = notABinary(plan.program);
    if (why) return notApplicable(`${start.instruction.keyword} ${why}`);
    const tls = tlsCrate(crate);
    if (tls) plan.caBundle = `the crate depends on ${tls}`;
    else if (runWords(ctx).includes("ca-certificates")) plan.caBundle = "the original installs ca-certificates";
    const muslTarget = builds.map((b) => optionValue(parseCargo(b.words)?.options ?? [], "--target") ?? "").find((t) => t.includes("musl"));
    const musl = muslTarget !== undefined || /musl/.test(plan.program);
    if (musl) plan.staticBuild = muslTarget ? `--target ${muslTarget}` : "a musl target";
    plan.notes.unshift(
      `rust: ${done.length > 0 ? `${done.join("; ")}; ` : ""}the final stage is FROM scratch with the stripped binary${musl ? " (static: musl target)" : " and its ELF closure (glibc: Debian's rustc has no musl target)"}.`,
    );
    return emitNativeRewrite(plan);
  },
};
