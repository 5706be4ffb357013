/**
 * C/C++: the original stage becomes the builder with its build exactly as written (compiler call, make,
 * cmake), and the final stage is `scratch` with the binary the CMD/ENTRYPOINT runs, stripped, plus its
 * ELF closure. The rewrite never changes how the program links: it is static only when the user's own
 * flags say `-static` (then its closure is empty).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { RewriteContext, Rewriter } from "./registry.js";
import { emitNativeRewrite, type NativeRewritePlan } from "./rust-c-image.js";
import { notABinary, programsRun, runWords, startCommand } from "./rust-c-program.js";
import type { RewriteResult } from "./types.js";

/** Compiler drivers and build tools whose call in a RUN means a C/C++ build. */
const BUILD_PROGRAM = /^((x86_64|aarch64|arm|i686)-linux-gnu\w*-)?(gcc|g\+\+|cc|c\+\+|clang|clang\+\+|tcc)(-\d+)?$|^(make|gmake|cmake|ninja|meson)$/;
/** Packages that bring a C/C++ compiler or build tool. */
const TOOLCHAIN_PACKAGE = /^(build-essential|build-base|gcc|g\+\+|clang|make|cmake|ninja-build|meson)(-\d+)?$/;
const SOURCE_FILE = /^(Makefile|makefile|GNUmakefile|CMakeLists\.txt|meson\.build|.+\.(c|cc|cpp|cxx|h|hpp))$/;
/** Words that point at TLS: the program (or a library it links) verifies certificates. */
const TLS_HINT = /^(ca-certificates|-lssl|-lcurl|libssl-dev|libcurl\d*-\w*-dev|libcurl4-openssl-dev|libgnutls\d*-dev)$/;

function notApplicable(reason: string): RewriteResult {
  return { applicable: false, reason: `c: ${reason}` };
}

/** True when the context file the command names is a script (`#!`) copied in, not something the build makes. */
async function isCopiedScript(contextDir: string, argv0: string): Promise<boolean> {
  const head = await readFile(path.join(contextDir, path.posix.basename(argv0))).then((b) => b.subarray(0, 2).toString("latin1"), () => "");
  return head === "#!";
}

export const cRewriter: Rewriter = {
  language: "c",

  async detect(ctx: RewriteContext): Promise<string | undefined> {
    const start = startCommand(ctx);
    // An image whose command runs an interpreter is not a C program, whatever its RUN lines compile.
    if (typeof start !== "string" && notABinary(start.argv[0])) return undefined;
    const build = programsRun(ctx).find((p) => BUILD_PROGRAM.test(p.program));
    if (build) return `line ${build.instruction.range.start.line}: RUN ${build.instruction.body}`;
    const toolchain = runWords(ctx).find((word) => TOOLCHAIN_PACKAGE.test(word));
    if (!toolchain) return undefined;
    const names = await readdir(ctx.contextDir).catch(() => [] as string[]);
    const source = names.find((n) => SOURCE_FILE.test(n));
    return source ? `${source} in the build context and ${toolchain} installed` : undefined;
  },

  async rewrite(ctx: RewriteContext): Promise<RewriteResult> {
    const start = startCommand(ctx);
    if (typeof start === "string") return notApplicable(start);
    const argv0 = start.argv[0];
    const why = notABinary(argv0);
    if (why) return notApplicable(`${start.instruction.keyword} ${why}`);
    if (!programsRun(ctx).some((p) => BUILD_PROGRAM.test(p.program)))
      return notApplicable("no compiler, make or cmake call in a RUN of the stages that make the image; the program is not built here, so there is nothing to rebuild");
    if (await isCopiedScript(ctx.contextDir, argv0)) return notApplicable(`${start.instruction.keyword} runs ${argv0}, a script from the build context, not the compiled program`);
    const words = runWords(ctx);
    const plan: NativeRewritePlan = { ctx, language: "c", start, replacements: new Map(), added: [], program: argv0, args: start.argv.slice(1), staticBuild: null, caBundle: null, notes: [] };
    const tls = words.find((w) => TLS_HINT.test(w));
    if (tls) plan.caBundle = tls === "ca-certificates" ? "the original installs ca-certificates" : `the build uses ${tls}`;
    const flag = words.find((w) => w === "-static" || /^-D\w*LINKER_FLAGS=.*-static/.test(w) || /^LDFLAGS=.*-static/.test(w));
    if (flag) plan.staticBuild = flag;
    const linking = flag ? `static (the build passes ${flag}), so its closure is empty` : "with its ELF closure";
    plan.notes.push(`c: the build runs as written in the build stage; the final stage is FROM scratch with ${argv0} stripped, ${linking}.`);
    if (!argv0.includes("/")) plan.notes.push(`Could not tell from the text where ${argv0} is installed; the builder looks it up on its PATH.`);
    return emitNativeRewrite(plan);
  },
};
