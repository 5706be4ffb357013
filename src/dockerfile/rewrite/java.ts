/**
 * Java: the original stage (JDK install, javac/jar or the build tool line as written) becomes the
 * builder; there `jdeps` lists the JDK modules the application's code uses and `jlink` links a runtime
 * of just those (plus the service modules jdeps cannot see). The `scratch` final stage holds that
 * runtime, its ELF closure and the application's jars or classes; the start command runs the runtime's
 * java by its absolute path.
 *
 * The closure is taken over every ELF file of the runtime, not only bin/java: java finds libjvm.so and
 * the other libraries of lib/ with dlopen, which ldd of java alone never shows.
 */
import path from "node:path";
import { quoteShellWord } from "../shell-words.js";
import { builderName, emitRuntimeRewrite, type GeneratedStep } from "./java-node-image.js";
import { javaLaunch, type JavaLaunch } from "./java-launch.js";
import { CHOOSE_STRIP, JLINK_SIZE_OPTIONS, SERVICE_MODULES } from "./java-modules.js";
import type { RewriteContext, Rewriter } from "./registry.js";
import { startCommand, type StartCommand } from "./rust-c-program.js";
import { OUT, elfLibrariesScript } from "./runtime-files.js";
import type { RewriteResult } from "./types.js";

/** Where the final image keeps the linked runtime. */
export const JAVA_RUNTIME = "/opt/java";
/** Where the builder gathers the application's code, at the same absolute paths as in the original. */
const APP = `${OUT}/app`;
/** JDK and build-tool settings: they steer the build and would point at nothing in the final image. */
const BUILD_ENV = /^(PATH|JAVA_HOME|JDK_HOME|JRE_HOME|JAVA_VERSION|JAVA_BASE_URL|JAVA_URL_VERSION|MAVEN_\w+|M2_HOME|GRADLE_\w+|DEBIAN_FRONTEND)$/;

function javaStart(ctx: RewriteContext): { start: StartCommand; launch: JavaLaunch } | string {
  const start = startCommand(ctx);
  if (typeof start === "string") return start;
  const launch = javaLaunch({ argv: start.argv, env: ctx.walked.final.end.env });
  if (!launch) return `${start.instruction.keyword} starts ${start.argv[0]}, not java`;
  return { start, launch };
}

/** The application's code as absolute paths: the jar (with lib/ and libs/ beside it) or the class path. */
interface AppCode {
  /** Files and directories copied into the final image as they are. */
  paths: string[];
  /** Directories beside the jar copied when the build made them (a manifest Class-Path usually points there). */
  optionalDirs: string[];
  /** Shell words naming the code for jdeps. */
  jdepsTargets: string[];
}

function appCode(launch: JavaLaunch, workdir: string): AppCode | string {
  const resolve = (p: string) => path.posix.resolve(workdir, p);
  const entries = launch.jar !== undefined ? [launch.jar] : launch.classPath;
  const dynamic = entries.find((e) => e.includes("$"));
  if (dynamic !== undefined) return `the application's code is named through a variable (${dynamic}), which a rewrite of the text cannot follow`;
  if (launch.jar !== undefined) {
    const jar = resolve(launch.jar);
    const dir = path.posix.dirname(jar);
    // Next to a jar in / would be the system's /lib: never treat that as the application's.
    const optionalDirs = dir === "/" ? [] : [`${dir}/lib`, `${dir}/libs`];
    const found = optionalDirs.length > 0 ? [`$(find ${optionalDirs.map(quoteShellWord).join(" ")} -name '*.jar' 2>/dev/null)`] : [];
    return { paths: [jar], optionalDirs, jdepsTargets: [quoteShellWord(jar), ...found] };
  }
  const paths: string[] = [];
  const jdepsTargets: string[] = [];
  for (const entry of entries) {
    if (entry.endsWith("/*") || entry === "*") {
      const dir = resolve(entry.slice(0, -1) || ".");
      paths.push(dir);
      jdepsTargets.push(`$(find ${quoteShellWord(dir)} -maxdepth 1 -name '*.jar')`);
    } else {
      paths.push(resolve(entry));
      jdepsTargets.push(quoteShellWord(resolve(entry)));
    }
  }
  if (paths.includes("/")) return "the class path includes / itself, so the application's code cannot be told from the rest of the image";
  return { paths, optionalDirs: [], jdepsTargets };
}

/** Links the runtime into OUT/rootfs/opt/java. */
function linkRuntime(code: AppCode, launch: JavaLaunch): GeneratedStep {
  const added = launch.addModules.filter((m) => !m.startsWith("ALL-"));
  return {
    why: `jdeps lists the JDK modules the application uses and jlink links a runtime of just those (plus ${SERVICE_MODULES.join(", ")}, which programs load without naming them), without debug data, man pages or headers`,
    parts: [
      `command -v jlink >/dev/null || { echo "imgdiet: the build stage has no jlink; install a full JDK (with its jmods) there" >&2; exit 1; }`,
      `&& jh="$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")"`,
      `&& feature="$(sed -n 's/^JAVA_VERSION="\\([0-9]*\\).*/\\1/p' "$jh/release")"`,
      `&& mods="$("$jh/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release "$feature" ${code.jdepsTargets.join(" ")} | tail -n 1)"`,
      `&& test -n "$mods"`,
      ...(added.length > 0 ? [`&& mods="$mods,${added.join(",")}"`] : []),
      `&& for m in ${SERVICE_MODULES.join(" ")}; do if [ -f "$jh/jmods/$m.jmod" ]; then mods="$mods,$m"; fi; done`,
      `&& ${CHOOSE_STRIP}`,
      `&& "$jh/bin/jlink" --add-modules "$mods" "$strip" ${JLINK_SIZE_OPTIONS.join(" ")} --output ${OUT}/rootfs${JAVA_RUNTIME}`,
    ],
  };
}

function gatherApp(code: AppCode): GeneratedStep {
  const copies = code.paths.map((p) => {
    const q = quoteShellWord(p);
    return `mkdir -p "${APP}$(dirname ${q})" && cp -a ${q} "${APP}"${q}`;
  });
  const optional = code.optionalDirs.length > 0 ? [`&& for d in ${code.optionalDirs.map(quoteShellWord).join(" ")}; do if [ -d "$d" ]; then cp -a "$d" "${APP}$d"; fi; done`] : [];
  return { why: "gather the application's code (the jar and the libraries beside it, or the class path) at the same paths", parts: [copies[0], ...copies.slice(1).map((c) => `&& ${c}`), ...optional] };
}

async function detect(ctx: RewriteContext): Promise<string | undefined> {
  const found = javaStart(ctx);
  if (typeof found === "string") return undefined;
  const { start } = found;
  return `line ${start.instruction.range.start.line}: ${start.instruction.keyword} starts ${start.argv[0]}`;
}

async function rewrite(ctx: RewriteContext): Promise<RewriteResult> {
  const found = javaStart(ctx);
  if (typeof found === "string") return { applicable: false, reason: `java: ${found}` };
  const { start, launch } = found;
  if (launch.module) return { applicable: false, reason: `java: a modular application (java -m ${launch.module}): its own modules would have to be linked into the runtime too, which this rewrite does not do` };
  const code = appCode(launch, start.workdir);
  if (typeof code === "string") return { applicable: false, reason: `java: ${code}` };
  const builder = builderName(ctx.dockerfile);
  const runtimeFiles = `${OUT}/rootfs${JAVA_RUNTIME}`;
  const notes = [
    `java: the build stage links a runtime of the modules jdeps finds in ${launch.jar ?? launch.classPath.join(":")} with jlink; the final stage is FROM scratch with that runtime at ${JAVA_RUNTIME}, its shared libraries and the application's code.`,
    `Modules reached only by reflection or as service providers beyond ${SERVICE_MODULES.join(", ")} are invisible to jdeps: name them with --add-modules in the start command, and verify the rewrite with probes (--verify).`,
  ];
  if (launch.jar === undefined && launch.classPath.some((e) => e === "." || e === "./")) notes.push(`The class path includes the working directory ${start.workdir}: all of it is copied, sources included.`);
  if (launch.java.includes("/")) notes.push(`The start command named ${launch.java}; the final stage runs ${JAVA_RUNTIME}/bin/java instead.`);
  return emitRuntimeRewrite({
    ctx,
    language: "java",
    start,
    argv: [`${JAVA_RUNTIME}/bin/java`, ...start.argv.slice(1)],
    builderSteps: [
      linkRuntime(code, launch),
      {
        why: "the libraries the runtime loads (java, libjvm.so and the runtime's own lib/*.so, which java opens with dlopen) and an empty /tmp for the JVM's scratch files",
        parts: [
          ...elfLibrariesScript(`${runtimeFiles}/bin/* ${runtimeFiles}/lib/*.so ${runtimeFiles}/lib/server/*.so`, runtimeFiles),
          `&& mkdir -p -m 1777 ${OUT}/rootfs/tmp`,
        ],
      },
      gatherApp(code),
    ],
    stages: [],
    copies: [
      { why: `the linked runtime (${JAVA_RUNTIME}), its ELF interpreter and shared libraries, and /tmp`, from: builder, source: `${OUT}/rootfs/`, dest: "/" },
      { why: "the application's code, at the paths the start command names", from: builder, source: `${APP}/`, dest: "/" },
    ],
    buildEnv: BUILD_ENV,
    env: { why: `the runtime replaces the JDK: JAVA_HOME and PATH point at it, so \`docker run IMAGE java …\` still works`, text: `ENV JAVA_HOME=${JAVA_RUNTIME} PATH=${JAVA_RUNTIME}/bin` },
    caBundle: null,
    notes,
  });
}

export const javaRewriter: Rewriter = { language: "java", detect, rewrite };
