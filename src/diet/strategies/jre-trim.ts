/**
 * jre-trim: for a Java program in an image that holds a whole JDK, a runtime of just the modules the
 * application uses. `jdeps` (run inside a build stage FROM the image) lists the modules the
 * application's classes need, `jlink` links a runtime of those, the runtime replaces the JDK at the
 * same path (so `java`, its symlinks and JAVA_HOME keep working), and slim then keeps only what the
 * program reaches. Verified like every candidate.
 *
 * Modules a program needs without naming them in its bytecode (service providers, reflection) are what
 * jdeps cannot see; the ones such programs most often need are added when the JDK has them (see
 * SERVICE_MODULES). A program that needs another one fails verification rather than shipping broken.
 * Not handled: modular applications (`java -m`, their modules would have to be linked too) and JDKs
 * without `jmods/` (jlink of JDK 17 links from jmods only).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../../errors.js";
import { CannotStart, type Engine } from "../../engine/index.js";
import { humanSize } from "../../units.js";
import { runCommand } from "../../slim/command.js";
import { slim as slimImage } from "../../slim/slim.js";
import { cleanBuild, type DietContext, type IndependentStrategy, type Outcome } from "../strategy.js";
import { javaLaunch } from "../../dockerfile/rewrite/java-launch.js";
import { CHOOSE_STRIP, JLINK_SIZE_OPTIONS, SERVICE_MODULES, applicationCode } from "../../dockerfile/rewrite/java-modules.js";

export { SERVICE_MODULES, applicationCode } from "../../dockerfile/rewrite/java-modules.js";

/** Where the runtime is linked inside the build stage. */
const RUNTIME_DIR = "/imgdiet-jre";
const DISCOVER_TIMEOUT_MS = 60_000;

interface Jdk {
  home: string;
  /** The Java feature release (17 for 17.0.9), for jdeps --multi-release. */
  feature: string;
}

/** Find the JDK that `java` belongs to and check it can jlink; a reason string when it cannot. */
const DISCOVER = `
j=$(command -v "$1") || { echo "none=java"; exit 0; }
echo "java=$(readlink -f "$j")"
l=$(command -v jlink) || { echo "none=jlink"; exit 0; }
h=$(dirname "$(dirname "$(readlink -f "$l")")")
echo "home=$h"
[ -d "$h/jmods" ] && echo "jmods=yes"
sed -n 's/^JAVA_VERSION="\\([0-9]*\\).*/feature=\\1/p' "$h/release" 2>/dev/null
for m in ${SERVICE_MODULES.join(" ")}; do [ -f "$h/jmods/$m.jmod" ] && echo "service=$m"; done
exit 0
`;

async function discoverJdk(engine: Engine, image: string, java: string): Promise<{ jdk: Jdk; services: string[] } | string> {
  let container;
  try {
    container = await engine.containers.create({ image, entrypoint: ["/bin/sh"], cmd: ["-c", DISCOVER, "sh", java], user: "0", stdin: false });
  } catch (e) {
    if (e instanceof CannotStart) return `cannot run /bin/sh in the image to find its JDK (${e.message})`;
    throw e;
  }
  try {
    const run = await container.runAttached(undefined, DISCOVER_TIMEOUT_MS);
    if (run.exitCode !== 0) return `cannot run /bin/sh in the image to find its JDK (exit ${run.exitCode}: ${run.stderr.trim().split("\n").pop() ?? ""})`;
    const facts = new Map<string, string[]>();
    for (const line of run.stdout.split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) facts.set(line.slice(0, i), [...(facts.get(line.slice(0, i)) ?? []), line.slice(i + 1)]);
    }
    const none = facts.get("none")?.[0];
    if (none === "java") return `the image has no ${java} on its PATH`;
    if (none === "jlink") return "the image has a Java runtime but no JDK with jlink";
    const home = facts.get("home")![0]!;
    const javaReal = facts.get("java")?.[0] ?? "";
    if (!javaReal.startsWith(home + "/")) return `java (${javaReal}) is not the one of the JDK with jlink (${home})`;
    if (!facts.has("jmods")) return `the JDK at ${home} has no jmods/ directory, which jlink needs (Debian: it comes with openjdk-N-jdk-headless; other distributions ship a jmods package)`;
    const feature = facts.get("feature")?.[0];
    if (!feature) return `cannot read the Java version from ${home}/release`;
    return { jdk: { home, feature }, services: facts.get("service") ?? [] };
  } finally {
    await container.remove();
  }
}

/**
 * The build stage's script: $1 JDK home, $2 feature release, $3 extra modules (comma-separated), then
 * the application's code: files, class directories, `dir/*` (its jars) and `tree:DIR` (every jar under
 * DIR, for a `-jar`'s neighbours such as lib/). The root directory is never scanned whole.
 */
const TRIM = `
set -eu
jh="$1"; feature="$2"; extra="$3"; shift 3
nl='
'
targets=""
add() { case "$1" in /|.|./) [ "$(pwd)" = / ] && return 0;; esac; [ -e "$1" ] && targets="$targets$nl$1"; return 0; }
for e in "$@"; do
  case "$e" in
    tree:*) d="\${e#tree:}"; [ "$d" = / ] || for j in $(find "$d" -name '*.jar' 2>/dev/null); do add "$j"; done ;;
    *'*') d="\${e%\\*}"; for j in "$d"*.jar; do add "$j"; done ;;
    *) add "$e" ;;
  esac
done
[ -n "$targets" ] || { echo "imgdiet: no application classes or jars found" >&2; exit 3; }
IFS="$nl"; set -f
mods=$("$jh/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release "$feature" $targets | tail -n 1)
set +f; unset IFS
echo "imgdiet-modules=$mods"
[ -n "$extra" ] && mods="$mods,$extra"
${CHOOSE_STRIP}
"$jh/bin/jlink" --add-modules "$mods" "$strip" ${JLINK_SIZE_OPTIONS.join(" ")} --output ${RUNTIME_DIR}
`;

const json = (words: string[]) => JSON.stringify(words);

/** The Dockerfile that links the runtime and puts it in place of the JDK. */
export function trimDockerfile(original: string, user: string, jdk: Jdk, extra: string[], code: string[]): string {
  return [
    "# imgdiet jre-trim: link a runtime of just the modules the application uses",
    `FROM ${original} AS imgdiet-jdk`,
    "USER root",
    `RUN ${json(["/bin/sh", "-c", TRIM, "sh", jdk.home, jdk.feature, extra.join(","), ...code])}`,
    "",
    "# the linked runtime replaces the JDK at the same path, so java and its links keep working",
    `FROM ${original}`,
    "USER root",
    `RUN ${json(["/bin/sh", "-c", 'rm -rf "$1"', "sh", jdk.home])}`,
    `COPY --from=imgdiet-jdk ${json([RUNTIME_DIR, jdk.home])}`,
    ...(user && user !== "root" && user !== "0" ? [`USER ${user}`] : []),
    "",
  ].join("\n");
}

export const jreTrim: IndependentStrategy = {
  name: "jre-trim",
  summary: "replace a JDK by a jlink runtime of the modules jdeps finds, then slim",
  kind: "independent",
  async run(ctx: DietContext, log): Promise<Outcome> {
    const info = await ctx.engine.images.inspect(ctx.original);
    const cmd = runCommand(info.config);
    const launch = javaLaunch(cmd);
    if (!launch) return { kind: "not-applicable", reason: "the image's command does not start java" };
    if (launch.module) return { kind: "not-applicable", reason: `a modular application (java -m ${launch.module}): its modules would have to be linked into the runtime too` };
    const found = await discoverJdk(ctx.engine, ctx.original, launch.java);
    if (typeof found === "string") return { kind: "not-applicable", reason: found };
    const { jdk, services } = found;
    const extra = [...new Set([...launch.addModules.filter((m) => !m.startsWith("ALL-")), ...services])];

    const runtimeImage = ctx.candidateRef("jre-trim-runtime");
    const image = ctx.candidateRef("jre-trim");
    const dir = await mkdtemp(join(tmpdir(), "imgdiet-jre-trim-"));
    let modules = "";
    try {
      await writeFile(join(dir, "Dockerfile"), trimDockerfile(info.id, cmd.user, jdk, extra, applicationCode(launch)));
      log(`jre-trim: jdeps and jlink in a build stage from the JDK at ${jdk.home}`);
      // jdeps and jlink say what went wrong on lines of their own ("Error: …"), before the builder's summary.
      const said: string[] = [];
      try {
        await cleanBuild(ctx.engine, {
          contextDir: dir,
          tag: runtimeImage,
          onLog: (line) => {
            const m = /imgdiet-modules=(.*)$/.exec(line);
            if (m) modules = m[1]!.trim();
            if (/^(Error|imgdiet):/.test(line.trim())) said.push(line.trim());
          },
        });
      } catch (e) {
        if (e instanceof InputError) return { kind: "failed", reason: `jdeps/jlink: ${said.length ? said.join("; ") : e.message}` };
        throw e;
      }
      const linked = await ctx.engine.images.inspect(runtimeImage);
      log(`jre-trim: runtime of ${modules || "?"}${extra.length ? ` + ${extra.join(",")}` : ""}; slimming ${runtimeImage}`);
      const r = await slimImage(`docker-daemon:${runtimeImage}`, {
        output: `docker-daemon:${image}`, probes: ctx.probes, ...ctx.probeRun, verify: false, onLog: log,
      });
      ctx.registerCandidate(image);
      return {
        kind: "candidate",
        image,
        notes: [
          `jdeps: the application uses ${modules || "(none reported)"}; also linked: ${extra.join(", ") || "nothing"}`,
          `jlink runtime in place of the JDK at ${jdk.home} (image with the runtime: ${humanSize(linked.size)}), then slim kept ${r.kept.length} paths`,
        ],
      };
    } catch (e) {
      if (e instanceof InputError) return { kind: "failed", reason: e.message };
      throw e;
    } finally {
      await ctx.engine.images.remove(runtimeImage, { force: true }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
