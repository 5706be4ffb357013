/**
 * Node.js/TypeScript: the original stage (node and npm installs, the user's registry and CA settings,
 * the full install and the build step) becomes the builder; a stage FROM it replaces node_modules by a
 * production-only install from the lockfile and gathers node with its ELF closure (and that of native
 * addons); the `scratch` final stage holds node, the application (package.json and the build's output,
 * or the sources when nothing is built) and the production node_modules.
 *
 * Why scratch + node's closure rather than a distro base with node installed: offline there is no
 * node:slim or distroless image, and `debian:bookworm` + apt's nodejs carries the whole base (~117 MB)
 * besides node's libraries, while node's closure is exactly the libraries node loads (libnode, ICU,
 * OpenSSL, libuv… about 80 MB on Debian, less for an official node binary). Native addons keep their
 * libraries: ldd runs over every *.node file of the production install too.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { quoteShellWord } from "../shell-words.js";
import { builderName, emitRuntimeRewrite, type FinalCopy, type GeneratedStep } from "./java-node-image.js";
import { nodeStart, productionInstall, readNodePackage, type NodePackage, type NodeStart } from "./node-package.js";
import type { RewriteContext, Rewriter } from "./registry.js";
import { startCommand, type StartCommand } from "./rust-c-program.js";
import { OUT, elfLibrariesScript } from "./runtime-files.js";
import type { RewriteResult } from "./types.js";

/** Where the final image keeps node. */
export const NODE_BINARY = "/usr/local/bin/node";
/** Where Debian's nodejs keeps the built-in modules it does not compile in (found by name in libnode). */
const DEBIAN_BUILTINS = "/usr/share/nodejs";
/** Package-manager and toolchain settings: they steer the install and build only. */
const BUILD_ENV = /^(PATH|NODE_VERSION|YARN_VERSION|NPM_CONFIG_\w+|npm_config_\w+|YARN_\w+|PNPM_\w+|COREPACK_\w+|DEBIAN_FRONTEND)$/;
const RUNNERS = /^(node|nodejs|npm|yarn|pnpm)$/;

function runnerStart(ctx: RewriteContext): StartCommand | undefined {
  const start = startCommand(ctx);
  if (typeof start === "string" || !RUNNERS.test(path.posix.basename(start.argv[0] ?? ""))) return undefined;
  return start;
}

async function detect(ctx: RewriteContext): Promise<string | undefined> {
  const start = runnerStart(ctx);
  if (!start) return undefined;
  return `line ${start.instruction.range.start.line}: ${start.instruction.keyword} starts ${start.argv[0]}`;
}

/** Where the build's output is: the top directory of the script when the build made it (it is not in the context). */
async function buildOutput(ctx: RewriteContext, pkg: NodePackage, script: string, appRoot: string): Promise<string | null> {
  if (pkg.scripts.build === undefined) return null;
  const relative = path.posix.relative(appRoot, path.posix.resolve(appRoot, script));
  const top = relative.split("/")[0];
  if (relative.startsWith("..") || top === relative || top === "node_modules") return null;
  const inContext = await stat(path.join(ctx.contextDir, top)).then(() => true, () => false);
  return inContext ? null : top;
}

function productionStage(pkg: NodePackage, appRoot: string, cwd: string): GeneratedStep[] {
  const install = productionInstall(pkg);
  const cd = cwd === appRoot ? "" : `cd ${quoteShellWord(appRoot)} && `;
  const nodeOut = `${OUT}/rootfs${NODE_BINARY}`;
  return [
    { why: `a production-only install (${install.how}): no compilers, type packages or test tools in node_modules`, parts: [`${cd}${install.command}`, "&& mkdir -p node_modules"] },
    {
      why: "node itself and the libraries it and the native addons (*.node) load, as ldd resolves them",
      parts: [
        `${cd}mkdir -p ${path.posix.dirname(nodeOut)}`,
        `&& cp -L "$(command -v node || command -v nodejs)" ${nodeOut}`,
        ...elfLibrariesScript(`${nodeOut} $(find node_modules -name '*.node' -type f)`, `${OUT}/rootfs`).map((p, i) => (i === 0 ? `&& ${p}` : p)),
      ],
    },
    {
      why: `Debian's node loads some built-in modules (cjs-module-lexer, acorn, undici) from ${DEBIAN_BUILTINS}/ at start: copy the files its libraries name`,
      parts: [
        `for f in $(grep -aohE '${DEBIAN_BUILTINS}/[A-Za-z0-9_./@-]+[.]js' $(find ${OUT}/rootfs -type f) | sort -u); do`,
        `if [ -f "$f" ]; then mkdir -p "${OUT}/rootfs$(dirname "$f")" && cp -L "$f" "${OUT}/rootfs$f" || exit 1; fi;`,
        `done`,
      ],
    },
  ];
}

async function rewrite(ctx: RewriteContext): Promise<RewriteResult> {
  const start = startCommand(ctx);
  if (typeof start === "string") return { applicable: false, reason: `node: ${start}` };
  const pkg = await readNodePackage(ctx.contextDir);
  if (typeof pkg === "string") return { applicable: false, reason: `node: ${pkg}` };
  const found: NodeStart | string = nodeStart(start.argv, pkg);
  if (typeof found === "string") return { applicable: false, reason: `node: ${start.instruction.keyword} cannot run without npm or a shell: ${found}` };
  const appRoot = start.workdir;
  if (appRoot === "/") return { applicable: false, reason: "node: the application runs in / (no WORKDIR), so its files cannot be told apart from the system's" };
  if (found.script.includes("$")) return { applicable: false, reason: `node: the script is named through a variable (${found.script})` };

  const builder = builderName(ctx.dockerfile);
  const names = new Set(ctx.dockerfile.stages.map((s) => s.name));
  const deps = names.has("production-deps") ? "imgdiet-production-deps" : "production-deps";
  const output = await buildOutput(ctx, pkg, found.script, appRoot);
  const root = appRoot.replace(/\/$/, "");
  const gather: GeneratedStep[] = [];
  const appCopies: FinalCopy[] = [];
  if (output) {
    appCopies.push(
      { why: "package.json: node reads it for the module type and exports", from: builder, source: `${root}/package.json`, dest: `${root}/package.json` },
      { why: `the build's output (npm run build wrote ${output}/): the program node runs`, from: builder, source: `${root}/${output}`, dest: `${root}/${output}` },
    );
  } else {
    gather.push({
      why: "gather the application without its node_modules (the production install replaces them)",
      parts: [`mkdir -p ${OUT}/app`, `&& tar -C ${quoteShellWord(appRoot)} --exclude=./node_modules -cf - . | tar -C ${OUT}/app -xf -`],
    });
    appCopies.push({ why: "the application's files as the build left them", from: builder, source: `${OUT}/app/`, dest: `${root}/` });
  }

  const notes = [
    `node: ${found.via ? `${found.via}; ` : ""}the final stage is FROM scratch with node (${NODE_BINARY}) and the libraries it loads, ${output ? `package.json and the build's output ${output}/` : "the application's files"}, and node_modules from a production-only install (${productionInstall(pkg).how}).`,
  ];
  if (output) notes.push(`Only package.json and ${output}/ of ${appRoot} are copied: files the program reads at run time from elsewhere in ${appRoot} (templates, static assets) must be added; verify the rewrite with probes (--verify).`);
  if (!pkg.lockfile) notes.push("The context has no lockfile: the production install prunes the builder's node_modules instead of installing again.");
  notes.push("Programs the application spawns (a shell, git, ImageMagick) are not in a scratch image; verify the rewrite with probes (--verify).");

  return emitRuntimeRewrite({
    ctx,
    language: "node",
    start,
    argv: [NODE_BINARY, ...found.args],
    builderSteps: gather,
    stages: [{ name: deps, why: "production dependencies: the builder's files, node_modules installed again without devDependencies", steps: productionStage(pkg, appRoot, ctx.walked.final.end.cwd) }],
    copies: [
      { why: "node and the ELF interpreter and shared libraries it and the native addons load", from: deps, source: `${OUT}/rootfs/`, dest: "/" },
      ...appCopies,
      { why: "the production dependencies only", from: deps, source: `${root}/node_modules`, dest: `${root}/node_modules` },
    ],
    buildEnv: BUILD_ENV,
    env: { why: "node is at /usr/local/bin, so `docker run IMAGE node …` still finds it", text: "ENV PATH=/usr/local/bin" },
    caBundle: null,
    notes,
  });
}

export const nodeRewriter: Rewriter = { language: "node", detect, rewrite };
