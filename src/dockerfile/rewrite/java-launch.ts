/**
 * How an image starts its Java program, read from its command: which `java` runs, and the
 * application's code (`-jar FILE`, `-cp`/`--class-path`, or `CLASSPATH`) and the modules it adds.
 * jre-trim (on an image's command) and the Java rewriter (on a Dockerfile's CMD/ENTRYPOINT) hand the
 * code to `jdeps` to learn which JDK modules the runtime must keep. Pure text, so it sits here, below both.
 */
import { posix } from "node:path";
import { splitCommands, tokenizeShell } from "../shell-words.js";

/** A command as it starts: argv, or the script of a shell-form command, and its environment. */
export interface LaunchCommand {
  argv: string[];
  env: ReadonlyMap<string, string>;
  /** The script of a shell-form command (`/bin/sh -c SCRIPT`). */
  shellScript?: string;
}

export interface JavaLaunch {
  /** The java program as the command names it. */
  java: string;
  /** `-jar FILE`. */
  jar?: string;
  /** Class-path entries (`-cp`, `--class-path`, or `CLASSPATH` when neither is given); `dir/*` kept as written. */
  classPath: string[];
  /** Modules named by `--add-modules` (they must stay in the runtime even when jdeps does not see them). */
  addModules: string[];
  /** `-m`/`--module`: a modular application, which jre-trim does not handle. */
  module?: string;
  mainClass?: string;
}

/** java's options that take the next word as their value (`--opt value`; `--opt=value` is one word). */
const WITH_VALUE = new Set([
  "-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path", "--add-modules",
  "--limit-modules", "--add-opens", "--add-exports", "--add-reads", "--patch-module", "--enable-native-access",
  "-m", "--module", "--source",
]);

/** The java command among a shell script's commands (`exec java -jar app.jar "$@"`), as argv. */
function javaInScript(script: string): string[] | undefined {
  for (const c of splitCommands(tokenizeShell(script))) {
    const words = c.words.map((w) => w.value);
    let i = 0;
    while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!) || words[i] === "exec")) i++;
    if (i < words.length && posix.basename(words[i]!) === "java") return words.slice(i);
  }
  return undefined;
}

/** The Java launch of a run command, or undefined when the command does not start `java`. */
export function javaLaunch(cmd: LaunchCommand): JavaLaunch | undefined {
  const argv = cmd.shellScript !== undefined ? javaInScript(cmd.shellScript) : cmd.argv;
  if (!argv || posix.basename(argv[0] ?? "") !== "java") return undefined;
  const launch: JavaLaunch = { java: argv[0]!, classPath: [], addModules: [] };
  let classPathGiven = false;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const name = eq > 0 ? word.slice(0, eq) : word;
    const takes = WITH_VALUE.has(name);
    const value = eq > 0 ? word.slice(eq + 1) : takes ? argv[++i] : undefined;
    if (takes && value === undefined) break;
    if (name === "-jar") {
      launch.jar = argv[++i];
      break; // the rest are the application's arguments
    }
    if (name === "-cp" || name === "-classpath" || name === "--class-path") {
      launch.classPath = value!.split(":").filter(Boolean);
      classPathGiven = true;
    } else if (name === "--add-modules") launch.addModules.push(...value!.split(",").filter(Boolean));
    else if (name === "-m" || name === "--module") {
      launch.module = value;
      break;
    } else if (!takes && !word.startsWith("-")) {
      launch.mainClass = word;
      break;
    }
  }
  if (!classPathGiven && !launch.jar) {
    const env = cmd.env.get("CLASSPATH");
    launch.classPath = env ? env.split(":").filter(Boolean) : ["."];
  }
  return launch;
}
