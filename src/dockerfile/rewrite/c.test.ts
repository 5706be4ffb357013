import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { walkStages } from "../stages.js";
import { cRewriter } from "./c.js";
import { rewriteMultiStage, type RewriteResult } from "./index.js";

const made: string[] = [];
const SOURCES = { "zsum.c": "int main(void) { return 0; }\n", Makefile: "zsum: zsum.c\n\t$(CC) -o $@ zsum.c -lz\n" };

async function context(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "imgdiet-c-rewrite-"));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

async function rewrite(dockerfile: string, files: Record<string, string> = SOURCES): Promise<RewriteResult> {
  return rewriteMultiStage({ dockerfileText: dockerfile, contextDir: await context(files) });
}

async function applicable(dockerfile: string, files?: Record<string, string>): Promise<Extract<RewriteResult, { applicable: true }>> {
  const result = await rewrite(dockerfile, files);
  if (!result.applicable) throw new Error(`not applicable: ${result.reason}`);
  expect(result.language).toBe("c");
  parseDockerfile(result.dockerfile);
  return result;
}

function finalStage(dockerfile: string): string[] {
  const df = parseDockerfile(dockerfile);
  return df.stages[df.stages.length - 1].instructions.map((i) => i.raw);
}

afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("c rewriter", () => {
  it("keeps the make build as written and ships the stripped binary with its closure on scratch", async () => {
    const original = [
      "# zsum, one stage",
      "FROM debian:bookworm",
      "RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev make zlib1g-dev",
      "WORKDIR /app",
      "COPY . .",
      "RUN make",
      "# reads stdin",
      "CMD ./zsum",
      "",
    ].join("\n");
    const dir = await context(SOURCES);
    const result = await rewriteMultiStage({ dockerfileText: original, contextDir: dir });
    if (!result.applicable) throw new Error(result.reason);
    expect(result).toMatchObject({ language: "c", finalBase: "scratch" });
    expect(result.dockerfile).toBe(
      [
        "# zsum, one stage",
        "# why: build stage: the original base image and steps, used only to build the c program",
        "FROM debian:bookworm AS build",
        "RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev make zlib1g-dev",
        "WORKDIR /app",
        "COPY . .",
        "RUN make",
        "# why: gather the program for the final stage; strip drops its symbols and debug sections (the program never reads them)",
        "RUN mkdir -p /out/rootfs/app \\",
        "    && cp -L /app/zsum /out/rootfs/app/zsum \\",
        "    && if command -v strip >/dev/null; then strip /out/rootfs/app/zsum; fi",
        "# why: its ELF interpreter and the shared libraries it loads, as ldd resolves them (nothing for a static binary)",
        "RUN mkdir -p /out/rootfs \\",
        "    && for lib in $(ldd /out/rootfs/app/zsum | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\\//) print $i }' | sort -u); do \\",
        '    mkdir -p "/out/rootfs$(dirname "$lib")" && cp -L "$lib" "/out/rootfs$lib" || exit 1; \\',
        "    done",
        "",
        "# why: final stage: scratch is empty, so the image holds only what is copied below",
        "FROM scratch",
        "# why: the program (/app/zsum) with its interpreter and libraries, gathered in the build stage",
        "COPY --from=build /out/rootfs/ /",
        "# why: kept from the original: runtime settings of the image",
        "WORKDIR /app",
        "# reads stdin",
        "# why: CMD as in the original, so `docker run IMAGE args` still replaces it; exec form because scratch has no shell for the shell form",
        'CMD ["/app/zsum"]',
        "",
      ].join("\n"),
    );
    expect(result.notes[0]).toBe("c: the build runs as written in the build stage; the final stage is FROM scratch with ./zsum stripped, with its ELF closure.");
    for (const [name, content] of Object.entries(SOURCES)) expect(await readFile(path.join(dir, name), "utf8")).toBe(content);
  });

  it("says a -static build has an empty closure, and follows cmake's build directory", async () => {
    const result = await applicable(
      'FROM debian:bookworm\nRUN apt-get update && apt-get install -y cmake g++\nWORKDIR /src\nCOPY . .\nRUN cmake -B out -DCMAKE_EXE_LINKER_FLAGS=-static && cmake --build out\nENTRYPOINT ["out/tool", "-q"]\n',
      { "CMakeLists.txt": "project(tool)\n", "tool.cpp": "int main() {}\n" },
    );
    expect(result.dockerfile).toContain("RUN cmake -B out -DCMAKE_EXE_LINKER_FLAGS=-static && cmake --build out\n");
    expect(finalStage(result.dockerfile)).toContain('ENTRYPOINT ["/src/out/tool", "-q"]');
    expect(result.dockerfile).toContain("# why: the build links statically (-DCMAKE_EXE_LINKER_FLAGS=-static, as the original asked), so ldd should find nothing");
    const direct = await applicable('FROM gcc:13\nCOPY zsum.c /\nRUN gcc -O2 -static -o /usr/local/bin/zsum /zsum.c\nCMD ["zsum"]\n');
    expect(direct.notes[0]).toContain("static (the build passes -static), so its closure is empty");
    expect(direct.dockerfile).toContain('cp -L "$(command -v zsum)" /out/rootfs/usr/local/bin/zsum');
    expect(finalStage(direct.dockerfile)).toContain('CMD ["/usr/local/bin/zsum"]');
  });

  it("points an exec health check at the binary, drops a shell one with a note, and keeps the ENTRYPOINT's CMD", async () => {
    const result = await applicable(
      'FROM debian:bookworm\nRUN apt-get update && apt-get install -y gcc make ca-certificates\nCOPY . /app\nRUN make -C /app\nENV CFLAGS=-O2 TZ=UTC\nHEALTHCHECK --interval=5s CMD ["/app/zsum", "--ping"]\nENTRYPOINT ["/app/zsum"]\nCMD ["--fast"]\n',
    );
    const final = finalStage(result.dockerfile);
    expect(final).toContain('HEALTHCHECK --interval=5s CMD ["/app/zsum", "--ping"]');
    expect(final).toContain("ENV TZ=UTC");
    expect(final).toContain('CMD ["--fast"]');
    expect(final).toContain("COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt");
    const shellCheck = await applicable("FROM debian:bookworm\nCOPY . /app\nRUN cc -o /app/zsum /app/zsum.c\nHEALTHCHECK CMD curl -f localhost || exit 1\nCMD [\"/app/zsum\"]\n");
    expect(shellCheck.notes.join("\n")).toContain("line 4: HEALTHCHECK dropped");
    expect(shellCheck.dockerfile).not.toContain("HEALTHCHECK");
  });

  it("does not claim images whose command runs an interpreter or a copied script", async () => {
    const python = await rewrite('FROM debian:bookworm\nRUN apt-get update && apt-get install -y gcc python3\nCOPY . /app\nRUN gcc -shared -o /app/fast.so /app/fast.c\nCMD ["python3", "/app/main.py"]\n', { "fast.c": "", "main.py": "" });
    expect(python.applicable === false || python.language !== "c").toBe(true);
    const script = await rewrite('FROM debian:bookworm\nRUN apt-get update && apt-get install -y make\nCOPY . /app\nRUN make -C /app\nCMD ["/app/run"]\n', { run: "#!/bin/sh\necho hi\n", Makefile: "all:\n" });
    expect(script).toEqual({ applicable: false, reason: "c: CMD runs /app/run, a script from the build context, not the compiled program" });
  });

  it("detects a compiler or build tool call, or C sources with a toolchain installed", async () => {
    const detect = async (text: string, files: Record<string, string>) => {
      const dockerfile = parseDockerfile(text);
      return cRewriter.detect({ text, dockerfile, walked: walkStages(dockerfile), finalStage: dockerfile.stages.at(-1)!, contextDir: await context(files) });
    };
    expect(await detect("FROM debian:bookworm\nRUN ./configure && make\nCMD [\"/usr/local/bin/x\"]\n", {})).toBe("line 2: RUN ./configure && make");
    expect(await detect("FROM debian:bookworm\nRUN apt-get install -y build-essential\nCMD [\"/x\"]\n", { "x.c": "" })).toBe("x.c in the build context and build-essential installed");
    expect(await detect("FROM debian:bookworm\nRUN apt-get install -y curl\nCMD [\"/x\"]\n", { "x.c": "" })).toBeUndefined();
    expect(await detect("FROM debian:bookworm\nRUN make\nCMD [\"node\", \"app.js\"]\n", {})).toBeUndefined();
  });
});
