/**
 * The Java rewrite as text: the original stage kept as the builder, jdeps + jlink + the runtime's ELF
 * closure added there, and a scratch final stage with the runtime, the application's code and the
 * original's runtime settings. Built and run for real in test/rewrite-java-node.test.ts.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { rewriteMultiStage, type RewriteResult } from "./index.js";
import { whyBeforeEveryGeneratedLine } from "../../../test/helpers/rewrite-why.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const made: string[] = [];

async function rewrite(dockerfile: string, files: Record<string, string> = {}): Promise<RewriteResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "imgdiet-rewrite-java-"));
  made.push(dir);
  for (const [name, content] of Object.entries({ Dockerfile: dockerfile, ...files })) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return rewriteMultiStage({ dockerfileText: dockerfile, contextDir: dir });
}

async function applicable(dockerfile: string): Promise<Extract<RewriteResult, { applicable: true }>> {
  const result = await rewrite(dockerfile);
  if (!result.applicable) throw new Error(`not applicable: ${result.reason}`);
  parseDockerfile(result.dockerfile);
  return result;
}

function stages(dockerfile: string): string[][] {
  return parseDockerfile(dockerfile).stages.map((s) => [s.from.raw, ...s.instructions.map((i) => i.raw)]);
}

afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

const JDK = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jdk-headless\n";

describe("java rewrite", () => {
  it("rewrites the fixture: jdeps and jlink in the builder, the runtime and the jar on scratch", async () => {
    const original = await readFile(path.join(ROOT, "test/fixtures/rewrite/java/Dockerfile"), "utf8");
    const r = await applicable(original);
    expect(r.language).toBe("java");
    expect(r.finalBase).toBe("scratch");
    const [builder, final] = stages(r.dockerfile);
    // The original steps are in the builder verbatim, with their comments.
    for (const line of original.split("\n").filter((l) => /^(RUN|COPY|WORKDIR) /.test(l))) expect(builder).toContain(line);
    expect(r.dockerfile).toContain("# compile and package; the jar's manifest names the main class\nRUN javac");
    const jdeps = builder.find((l) => l.includes("jdeps"))!;
    expect(jdeps).toContain("--ignore-missing-deps --print-module-deps --multi-release");
    expect(jdeps).toContain("/srv/app/app.jar $(find /srv/app/lib /srv/app/libs -name '*.jar' 2>/dev/null)");
    expect(jdeps).toMatch(/jlink" --add-modules "\$mods" "\$strip" --no-man-pages --no-header-files --compress=2 --output \/out\/rootfs\/opt\/java/);
    expect(jdeps).toContain("for m in jdk.crypto.ec jdk.charsets jdk.zipfs jdk.unsupported");
    // libjvm.so is dlopen'ed: the closure covers the runtime's libraries, not only bin/java.
    expect(builder.find((l) => l.includes("ldd"))).toContain("/out/rootfs/opt/java/bin/* /out/rootfs/opt/java/lib/*.so /out/rootfs/opt/java/lib/server/*.so");
    expect(final).toEqual([
      "FROM scratch",
      "COPY --from=build /out/rootfs/ /",
      "COPY --from=build /out/app/ /",
      "ENV JAVA_HOME=/opt/java PATH=/opt/java/bin",
      "WORKDIR /srv/app",
      "ENV GREETING=hello",
      "EXPOSE 8080",
      'ENTRYPOINT ["/opt/java/bin/java", "-jar", "app.jar"]',
      'CMD ["serve"]',
    ]);
    expect(whyBeforeEveryGeneratedLine(original, r.dockerfile)).toEqual([]);
  });

  it("turns a shell-form class-path start into the exec form and copies the class path", async () => {
    const r = await applicable(`${JDK}WORKDIR /app\nCOPY . .\nRUN javac -d classes Main.java\nCMD java -Xmx64m -cp 'classes:lib/*' demo.Main --port 80\n`);
    const [builder, final] = stages(r.dockerfile);
    const jdeps = builder.find((l) => l.includes("jdeps"))!;
    expect(jdeps).toContain("/app/classes $(find /app/lib -maxdepth 1 -name '*.jar')");
    const gather = builder.find((l) => l.includes("/out/app"))!;
    expect(gather).toContain(`cp -a /app/classes "/out/app"/app/classes`);
    expect(gather).toContain(`cp -a /app/lib "/out/app"/app/lib`);
    expect(final.at(-1)).toBe('CMD ["/opt/java/bin/java", "-Xmx64m", "-cp", "classes:lib/*", "demo.Main", "--port", "80"]');
    expect(r.dockerfile).toContain("# why: CMD as in the original with the runtime's absolute path (/opt/java/bin/java); exec form because scratch has no shell");
  });

  it("drops JDK settings from the final stage, keeps the program's, and links --add-modules", async () => {
    const r = await applicable(
      `${JDK}ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 JAVA_OPTS=-Xss1m\nENV PATH=/usr/lib/jvm/bin:/usr/bin\nWORKDIR /srv\nCOPY app.jar .\nENTRYPOINT ["java", "--add-modules=java.sql", "-jar", "/srv/app.jar"]\n`,
    );
    const final = stages(r.dockerfile).at(-1)!;
    expect(final).toContain("ENV JAVA_OPTS=-Xss1m");
    expect(final.filter((l) => l.includes("/usr/lib/jvm"))).toEqual([]);
    expect(stages(r.dockerfile)[0].find((l) => l.includes("jdeps"))).toContain(`mods="$mods,java.sql"`);
    expect(final.at(-1)).toBe('ENTRYPOINT ["/opt/java/bin/java", "--add-modules=java.sql", "-jar", "/srv/app.jar"]');
  });

  it("runs the builder's added steps as root and keeps the named user in passwd", async () => {
    const r = await applicable(`${JDK}RUN useradd app\nWORKDIR /home/app\nCOPY app.jar .\nUSER app\nCMD ["java", "-jar", "app.jar"]\n`);
    const [builder, final] = stages(r.dockerfile);
    const root = builder.indexOf("USER root");
    expect(root).toBeGreaterThan(builder.indexOf("USER app"));
    expect(builder.findIndex((l) => l.includes("jdeps"))).toBeGreaterThan(root);
    expect(builder.some((l) => l.includes("/etc/passwd"))).toBe(true);
    expect(final).toContain("COPY --from=build /out/etc/passwd /out/etc/group /etc/");
    expect(final).toContain("USER app");
  });

  it("says why it cannot rewrite a modular application", async () => {
    const r = await rewrite(`${JDK}COPY mods /mods\nCMD ["java", "-p", "/mods", "-m", "app/demo.Main"]\n`);
    expect(r).toEqual({ applicable: false, reason: expect.stringMatching(/^java: a modular application \(java -m app\/demo\.Main\)/) });
  });
});
