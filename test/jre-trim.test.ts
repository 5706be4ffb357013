/**
 * jre-trim: a Java program in a single-stage JDK image (test/fixtures/diet-java, Debian's
 * openjdk-17-jdk-headless) gets a jlink runtime of the modules jdeps finds, replacing the JDK, then
 * slim; the candidate must verify and be at least 10× smaller than the original, and answer a
 * request no probe sent exactly as the original does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { diet, type DietResult } from "../src/diet/diet.js";
import { javaLaunch } from "../src/diet/strategies/java-launch.js";
import { applicationCode } from "../src/diet/strategies/jre-trim.js";
import { runCommand } from "../src/slim/command.js";
import { loadProbesFile } from "../src/probe/probes-file.js";
import { runProbe } from "../src/probe/run.js";
import { ROOT, sh } from "./helpers/run.js";
import { run } from "./helpers/slim-stacks.js";

const FIXTURE = join(ROOT, "test", "fixtures", "diet-java");
const IMAGE = "imgdiet-test/diet-java:1";
const launchOf = (config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[] }) => javaLaunch(runCommand(config));

describe("java launch from the image's command", () => {
  it("reads -jar, the class path, --add-modules and CLASSPATH", () => {
    expect(launchOf({ Entrypoint: ["java", "-Xmx64m", "-jar", "/app/app.jar"], Cmd: ["serve", "-cp", "x"] })).toMatchObject({
      java: "java", jar: "/app/app.jar", classPath: [],
    });
    expect(launchOf({ Cmd: ["/opt/jdk/bin/java", "--add-modules=java.sql,jdk.unsupported", "-cp", "lib/*:classes", "com.example.Main"] })).toEqual({
      java: "/opt/jdk/bin/java", classPath: ["lib/*", "classes"], addModules: ["java.sql", "jdk.unsupported"], mainClass: "com.example.Main",
    });
    expect(launchOf({ Cmd: ["java", "Main"], Env: ["CLASSPATH=/srv/a.jar:/srv/classes"] })).toMatchObject({ classPath: ["/srv/a.jar", "/srv/classes"], mainClass: "Main" });
    expect(launchOf({ Cmd: ["java", "--module", "app/com.example.Main"] })?.module).toBe("app/com.example.Main");
  });

  it("finds java inside a shell-form command and ignores other programs", () => {
    expect(launchOf({ Cmd: ["/bin/sh", "-c", 'cd /srv && JAVA_OPTS=x exec java -jar "my app.jar" "$@"'] })).toMatchObject({ jar: "my app.jar" });
    expect(launchOf({ Cmd: ["python3", "app.py"] })).toBeUndefined();
    expect(launchOf({ Cmd: ["/bin/sh", "-c", "node server.js"] })).toBeUndefined();
  });

  it("gives jdeps the -jar and the jars beside it, never the whole root", () => {
    expect(applicationCode({ java: "java", jar: "/app/app.jar", classPath: [], addModules: [] })).toEqual(["/app/app.jar", "tree:/app"]);
    expect(applicationCode({ java: "java", jar: "/app.jar", classPath: [], addModules: [] })).toEqual(["/app.jar"]);
  });
});

describe("imgdiet diet IMAGE with jre-trim", () => {
  let result: DietResult;
  const built: string[] = [];

  beforeAll(async () => {
    const b = await run("docker", ["build", "-q", "-t", IMAGE, FIXTURE]);
    if (b.code !== 0) throw new Error(`docker build of the Java fixture failed: ${b.stderr.slice(-2000)}`);
    const probes = await loadProbesFile(join(FIXTURE, "probes.yaml"));
    result = await diet({ target: IMAGE, probes, strategies: ["jre-trim"], tag: "imgdiet-test/diet-java:diet" });
    built.push("imgdiet-test/diet-java:diet");
  }, 600_000);

  afterAll(() => {
    for (const ref of built) sh("docker", ["rmi", "-f", ref]);
  });

  it("links a runtime of the modules the program uses and wins verified, ≥ 10× smaller", () => {
    const row = result.leaderboard.find((r) => r.strategy === "jre-trim")!;
    expect(row.status, row.reason).toBe("verified");
    expect(row.notes.join("\n")).toMatch(/jdeps: the application uses java\.base,java\.logging,jdk\.httpserver/);
    expect(result.winner?.strategy).toBe("jre-trim");
    expect(result.original.size / row.size!).toBeGreaterThanOrEqual(10);
  });

  it("answers a request no probe sent exactly like the original", async () => {
    const probe = { kind: "http" as const, name: "unprobed body", method: "POST", port: 8080, path: "/other", body: "a body no probe sent" };
    const [orig, trimmed] = [await runProbe(IMAGE, probe), await runProbe("imgdiet-test/diet-java:diet", probe)];
    expect(orig.http?.status).toBe(200);
    expect(trimmed.http).toEqual(orig.http);
  });

  it("the trimmed image has no compiler and a runtime of only the linked modules", async () => {
    const r = await run("docker", ["run", "--rm", "--entrypoint", "java", "imgdiet-test/diet-java:diet", "--list-modules"]);
    expect(r.code).toBe(0);
    const modules = r.stdout.trim().split("\n").map((l) => l.replace(/@.*/, "")).sort();
    expect(modules).toEqual(["java.base", "java.logging", "jdk.charsets", "jdk.crypto.ec", "jdk.httpserver", "jdk.unsupported", "jdk.zipfs"]);
    // `javac` with no arguments exits non-zero too, so ask for the file itself: the runtime's java is
    // there, the JDK's compiler is not.
    const created = await run("docker", ["create", "imgdiet-test/diet-java:diet"]);
    const id = created.stdout.trim();
    try {
      const has = async (path: string) => (await run("docker", ["cp", `${id}:${path}`, "-"])).code === 0;
      expect(await has("/usr/lib/jvm/java-17-openjdk-amd64/bin/java")).toBe(true);
      expect(await has("/usr/lib/jvm/java-17-openjdk-amd64/bin/javac")).toBe(false);
    } finally {
      await run("docker", ["rm", "-f", id]);
    }
  });

  it("says why it does not apply: no java in the command, or no jlink beside java", async () => {
    const derived = async (tag: string, lines: string[]) => {
      const b = await run("docker", ["build", "-q", "-t", tag, "-"], { input: [`FROM ${IMAGE}`, ...lines, ""].join("\n") });
      if (b.code !== 0) throw new Error(`docker build ${tag}: ${b.stderr.slice(-1000)}`);
      built.push(tag);
      return tag;
    };
    const cases = [
      { image: await derived("imgdiet-test/diet-java:sh", ['ENTRYPOINT ["/bin/sh", "-c", "cat"]']), reason: /does not start java/ },
      { image: await derived("imgdiet-test/diet-java:nojlink", ["RUN rm /usr/lib/jvm/java-17-openjdk-amd64/bin/jlink"]), reason: /no JDK with jlink/ },
    ];
    for (const c of cases) {
      const r = await diet({ target: c.image, probes: [{ kind: "command", name: "stdin", args: ["hash"], stdin: "x\n" }], strategies: ["jre-trim"], tag: "imgdiet-test/diet-java:unused" });
      const row = r.leaderboard.find((x) => x.strategy === "jre-trim")!;
      expect(row.status).toBe("not applicable");
      expect(row.reason).toMatch(c.reason);
    }
  }, 300_000);
});
