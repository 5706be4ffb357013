import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { parseDockerfile } from "../parse.js";
import { rewriteMultiStage, type RewriteResult } from "./index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const made: string[] = [];

/** A temporary build context holding `files` (path → content). */
async function context(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "imgdiet-rewrite-"));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

async function rewrite(files: Record<string, string>): Promise<RewriteResult> {
  const dir = await context(files);
  return rewriteMultiStage({ dockerfileText: files.Dockerfile, contextDir: dir });
}

async function applicable(files: Record<string, string>): Promise<Extract<RewriteResult, { applicable: true }>> {
  const result = await rewrite(files);
  if (!result.applicable) throw new Error(`not applicable: ${result.reason}`);
  parseDockerfile(result.dockerfile);
  return result;
}

/** Instructions of the final stage of a rewritten Dockerfile, as text. */
function finalStage(dockerfile: string): string[] {
  const df = parseDockerfile(dockerfile);
  return df.stages[df.stages.length - 1].instructions.map((i) => i.raw);
}

afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

const HASH_GO = 'package main\n\nimport (\n\t"bufio"\n\t"crypto/sha256"\n\t"fmt"\n\t"os"\n)\n\nfunc main() { fmt.Print(bufio.NewReader(os.Stdin), sha256.New()) }\n';

describe("rewriteMultiStage — Go", () => {
  it("rewrites the seed into a builder and a scratch stage with exactly the binary", async () => {
    const dir = await context({});
    await cp(path.join(ROOT, "examples/hash"), dir, { recursive: true });
    const seed = "FROM golang:1.19\nADD . /work\nWORKDIR /work\nCMD go run hash.go\n";
    const result = await rewriteMultiStage({ dockerfileText: seed, contextDir: dir });
    expect(result).toMatchObject({ applicable: true, language: "go", finalBase: "scratch" });
    if (!result.applicable) return;
    expect(result.dockerfile).toBe(
      [
        "# why: build stage: the original base image and steps, used only to compile the program",
        "FROM golang:1.19 AS build",
        "ADD . /work",
        "WORKDIR /work",
        "# why: compile once at build time instead of at every start; CGO_ENABLED=0 makes it static, so it runs on scratch; -trimpath and -s -w drop paths and symbols",
        'RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/hash hash.go',
        "",
        "# why: final stage: scratch is empty, so the image holds only what is copied below",
        "FROM scratch",
        "# why: the program: the stripped static binary, the only file it needs",
        "COPY --from=build /out/hash /hash",
        "# why: kept from the original: runtime settings of the image",
        "WORKDIR /work",
        "# why: CMD as in the original, so `docker run IMAGE args` still replaces it; exec form because scratch has no shell to run the shell form",
        'CMD ["/hash"]',
        "",
      ].join("\n"),
    );
    expect(result.notes[0]).toMatch(/^go: go run at start-up became a build-stage `go build`/);
    expect(result.notes.some((n) => /CA|passwd|zone|cgo/i.test(n) && !n.startsWith("go:"))).toBe(false);
  });

  it("keeps exec-form go run arguments and the user's build flags", async () => {
    const result = await applicable({
      Dockerfile: 'FROM golang:1.19\nCOPY main.go /app/\nWORKDIR /app\nCMD ["go", "run", "-tags", "prod", "main.go", "--name", "a b"]\n',
      "main.go": "package main\nfunc main() {}\n",
    });
    expect(result.dockerfile).toContain('RUN CGO_ENABLED=0 go build -trimpath -tags=prod -ldflags="-s -w" -o /out/main main.go\n');
    expect(finalStage(result.dockerfile).at(-1)).toBe('CMD ["/main", "--name", "a b"]');
  });

  it("names the binary after the module for `go run .`, and unwraps `sh -c`", async () => {
    const result = await applicable({
      Dockerfile: 'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nCMD ["sh", "-c", "go run . --verbose"]\n',
      "go.mod": "module example.com/tools/hello/v2\n\ngo 1.19\n",
      "main.go": "package main\nfunc main() {}\n",
    });
    expect(result.dockerfile).toContain(' -o /out/hello .\n');
    expect(finalStage(result.dockerfile).at(-1)).toBe('CMD ["/hello", "--verbose"]');
  });

  it("replaces `go build ./cmd/x` in place, merging ldflags and keeping ENTRYPOINT + CMD", async () => {
    const result = await applicable({
      Dockerfile: [
        "FROM golang:1.19",
        "ENV GOPATH=/go PORT=8080",
        "WORKDIR /src",
        "COPY . .",
        "# build the server",
        'RUN go mod download && go build -ldflags "-X main.version=1.2" -o /bin/x ./cmd/x',
        'ENTRYPOINT ["/bin/x"]',
        'CMD ["serve"]',
        "",
      ].join("\n"),
      "go.mod": "module example.com/tool\n\ngo 1.19\n\nrequire github.com/some/dep v1.0.0\n",
      "cmd/x/main.go": 'package main\nimport "time"\nfunc main() { time.LoadLocation("Asia/Tokyo") }\n',
    });
    const text = result.dockerfile;
    expect(text).toMatch(/# build the server\n# why: compile[^\n]*\n/);
    expect(text).toContain(
      'RUN go mod download && CGO_ENABLED=0 go build -trimpath -tags=timetzdata -ldflags="-X main.version=1.2 -s -w" -o /bin/x ./cmd/x\n',
    );
    expect(text.match(/go mod download/g)).toHaveLength(1);
    expect(finalStage(text)).toEqual(["COPY --from=build /bin/x /bin/x", "ENV PORT=8080", "WORKDIR /src", 'ENTRYPOINT ["/bin/x"]', 'CMD ["serve"]']);
    expect(result.notes.some((n) => n.includes("time.LoadLocation") && n.includes("timetzdata"))).toBe(true);
  });

  it("handles USER and EXPOSE of a go.mod HTTP server: passwd, CA bundle, root for its own steps", async () => {
    const dir = await context({});
    await cp(path.join(ROOT, "test/fixtures/go-http-server"), dir, { recursive: true });
    const { readFile } = await import("node:fs/promises");
    const result = await rewriteMultiStage({ dockerfileText: await readFile(path.join(dir, "Dockerfile"), "utf8"), contextDir: dir });
    if (!result.applicable) throw new Error(result.reason);
    const text = result.dockerfile;
    expect(text).toContain('RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /usr/local/bin/http-server .\n');
    expect(text).not.toContain("go mod download");
    expect(text).toMatch(/USER appuser\n# why: [^\n]*need root\nUSER root\n/);
    expect(text).toContain("awk -F: -v u=appuser");
    expect(finalStage(text)).toEqual([
      "COPY --from=build /usr/local/bin/http-server /usr/local/bin/http-server",
      "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
      "COPY --from=build /out/etc/passwd /out/etc/group /etc/",
      "WORKDIR /src",
      "USER appuser",
      "EXPOSE 8080",
      'CMD ["/usr/local/bin/http-server"]',
    ]);
    expect(text).toContain("# an unprivileged account for the server\nRUN useradd");
    expect(result.notes.some((n) => n.startsWith("line ") && n.includes("useradd"))).toBe(false);
  });

  it("adds go mod download when go.mod has requirements and nothing fetches them", async () => {
    const result = await applicable({
      Dockerfile: "FROM golang:1.19\nWORKDIR /app\nCOPY go.mod main.go ./\nRUN go build -o server .\nUSER 1000\nCMD [\"./server\"]\n",
      "go.mod": "module example.com/server\n\ngo 1.19\n\nrequire (\n\tgithub.com/a/b v1.0.0\n)\n",
      "main.go": 'package main\nimport "fmt"\nfunc main() { fmt.Println() }\n',
    });
    expect(result.dockerfile).toMatch(/# why: go\.mod requires 1 module\(s\)[^\n]*\nRUN go mod download\n# why: compile[^\n]*\nRUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o \/app\/server \.\n/);
    expect(result.dockerfile).not.toContain("/etc/passwd");
    expect(finalStage(result.dockerfile).slice(-2)).toEqual(["USER 1000", 'CMD ["/app/server"]']);
  });

  it("reads directories through the shared stage walker: ${X:-default} and a global ARG redeclared in the stage", async () => {
    const result = await applicable({
      Dockerfile: "ARG APP=/srv\nFROM golang:1.19\nARG APP\nWORKDIR ${APP}/${SUB:-api}\nCOPY go.mod main.go ./\nRUN go build -o server .\nCMD [\"./server\"]\n",
      "go.mod": "module example.com/api\n\ngo 1.19\n",
      "main.go": 'package main\nimport "fmt"\nfunc main() { fmt.Println() }\n',
    });
    expect(result.dockerfile).toContain("RUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /srv/api/server .\n");
    expect(finalStage(result.dockerfile)).toEqual(["COPY --from=build /srv/api/server /srv/api/server", "WORKDIR /srv/api", 'CMD ["/srv/api/server"]']);
  });

  it("a final stage built FROM an earlier stage starts in that stage's directory and user", async () => {
    const result = await applicable({
      Dockerfile: "FROM golang:1.19 AS base\nWORKDIR /w\nENV GOFLAGS=-mod=mod GREETING=\"hello there\"\nUSER 1000\nFROM base\nCOPY main.go .\nRUN go build -o app main.go\nCMD [\"./app\"]\n",
      "main.go": 'package main\nimport "fmt"\nfunc main() { fmt.Println() }\n',
    });
    expect(result.dockerfile).toContain("-o /w/app main.go\n");
    expect(result.notes.join("\n")).not.toContain("every .go file in the context was scanned");
    expect(finalStage(result.dockerfile)).toEqual(["COPY --from=build /w/app /w/app", "ENV GREETING='hello there'", "WORKDIR /w", "USER 1000", 'CMD ["/w/app"]']);
  });

  it("looks a numeric user up only when the program imports os/user", async () => {
    const result = await applicable({
      Dockerfile: "FROM golang:1.19\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/who .\nUSER 1000:1000\nCMD [\"/app/who\"]\n",
      "go.mod": "module who\n\ngo 1.19\n",
      "main.go": 'package main\nimport "os/user"\nfunc main() { user.Current() }\n',
    });
    expect(result.dockerfile).toContain("awk -F: -v u=1000 ");
    expect(result.dockerfile).toContain("-v g=1000 ");
    expect(finalStage(result.dockerfile)).toContain("COPY --from=build /out/etc/passwd /out/etc/group /etc/");
  });

  it("keeps a cgo program dynamic and copies its ELF closure", async () => {
    const dir = await context({});
    await cp(path.join(ROOT, "test/fixtures/go-cgo-user"), dir, { recursive: true });
    const { readFile } = await import("node:fs/promises");
    const result = await rewriteMultiStage({ dockerfileText: await readFile(path.join(dir, "Dockerfile"), "utf8"), contextDir: dir });
    if (!result.applicable) throw new Error(result.reason);
    expect(result.finalBase).toBe("scratch");
    expect(result.dockerfile).toContain('RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /app/cgo-user .\n');
    expect(result.dockerfile).toContain("ldd /app/cgo-user");
    expect(finalStage(result.dockerfile)).toEqual([
      "COPY --from=build /app/cgo-user /app/cgo-user",
      "COPY --from=build /out/rootfs/ /",
      "COPY --from=build /out/etc/passwd /out/etc/group /etc/",
      "WORKDIR /app",
      "USER gopher",
      'ENTRYPOINT ["/app/cgo-user"]',
      'CMD ["--greeting", "hi"]',
    ]);
    expect(result.notes.some((n) => n.includes('imports "C"'))).toBe(true);
  });

  it("carries runtime metadata, drops a shell-form HEALTHCHECK with a note, keeps TZ with embedded zoneinfo", async () => {
    const result = await applicable({
      Dockerfile: [
        "FROM golang:1.19",
        'LABEL org.opencontainers.image.title="demo app"',
        "ENV TZ=Europe/Paris CGO_ENABLED=0",
        "COPY . /go/src/app",
        "WORKDIR /go/src/app",
        "RUN go install .",
        "VOLUME /data",
        "STOPSIGNAL SIGINT",
        "HEALTHCHECK CMD curl -f http://localhost/ || exit 1",
        'CMD ["app"]',
        "",
      ].join("\n"),
      "go.mod": "module example.com/app\n\ngo 1.19\n",
      "main.go": "package main\nfunc main() {}\n",
    });
    expect(result.dockerfile).toContain('CGO_ENABLED=0 go build -trimpath -tags=timetzdata -ldflags="-s -w" -o /out/app .');
    expect(finalStage(result.dockerfile)).toEqual([
      "COPY --from=build /out/app /app",
      'LABEL org.opencontainers.image.title="demo app"',
      "ENV TZ=Europe/Paris",
      "WORKDIR /go/src/app",
      "VOLUME /data",
      "STOPSIGNAL SIGINT",
      'CMD ["/app"]',
    ]);
    expect(result.notes.some((n) => n.startsWith("line 9: HEALTHCHECK dropped"))).toBe(true);
    expect(result.notes.some((n) => n.startsWith("TZ is set: built with -tags timetzdata"))).toBe(true);
  });

  it("keeps an exec-form HEALTHCHECK that runs the program, pointed at its new path", async () => {
    const result = await applicable({
      Dockerfile: 'FROM golang:1.19\nCOPY . /s\nWORKDIR /s\nRUN go build -o srv .\nHEALTHCHECK --interval=5s CMD ["./srv", "-health"]\nENTRYPOINT ["./srv"]\n',
      "go.mod": "module srv\n\ngo 1.19\n",
      "main.go": "package main\nfunc main() {}\n",
    });
    expect(finalStage(result.dockerfile)).toContain('HEALTHCHECK --interval=5s CMD ["/s/srv", "-health"]');
    expect(finalStage(result.dockerfile).at(-1)).toBe('ENTRYPOINT ["/s/srv"]');
  });

  it("turns a shell-form ENTRYPOINT into exec form and drops the CMD it ignored", async () => {
    const result = await applicable({
      Dockerfile: "FROM golang:1.19\nCOPY hash.go /w/\nWORKDIR /w\nENTRYPOINT exec go run hash.go -v\nCMD [\"ignored\"]\n",
      "hash.go": HASH_GO,
    });
    expect(finalStage(result.dockerfile).at(-1)).toBe('ENTRYPOINT ["/hash", "-v"]');
    expect(result.dockerfile).not.toContain("ignored");
    expect(result.notes.some((n) => n.includes("CMD dropped"))).toBe(true);
  });

  it("keeps directives, comments and earlier stages, and avoids a taken stage name", async () => {
    const result = await applicable({
      Dockerfile: [
        "# escape=`",
        "# version of Go",
        "ARG GO=1.19",
        "FROM debian:bookworm AS build",
        "RUN echo assets > /assets.txt",
        "# the app",
        "FROM golang:${GO}",
        "COPY hash.go /w/",
        "WORKDIR /w",
        "RUN echo one `",
        "    two",
        "# start it",
        "CMD go run hash.go",
        "",
      ].join("\n"),
      "hash.go": HASH_GO,
    });
    const text = result.dockerfile;
    expect(text.startsWith("# escape=`\n# version of Go\nARG GO=1.19\n\nFROM debian:bookworm AS build\nRUN echo assets > /assets.txt\n")).toBe(true);
    expect(text).toContain("# the app\n# why: build stage");
    expect(text).toContain("FROM golang:${GO} AS imgdiet-build\n");
    expect(text).toContain("RUN echo one `\n    two\n");
    expect(text).toContain('# start it\n# why: CMD as in the original');
    expect(text).toContain("COPY --from=imgdiet-build /out/hash /hash");
    expect(parseDockerfile(text).escape).toBe("`");
  });

  it("never turns a user comment into a parser directive", async () => {
    const result = await applicable({
      Dockerfile: "# build notes\n# escape=` was tried once\nFROM golang:1.19\nCOPY hash.go /w/\nWORKDIR /w\nCMD go run hash.go\n",
      "hash.go": HASH_GO,
    });
    expect(parseDockerfile(result.dockerfile).directives).toEqual([]);
    const moved = await applicable({
      Dockerfile: "\n# escape=`\nFROM golang:1.19\nCOPY hash.go /w/\nWORKDIR /w\nCMD go run hash.go\n",
      "hash.go": HASH_GO,
    });
    expect(moved.dockerfile).toMatch(/^# why: multi-stage rewrite by imgdiet[^\n]*\n# escape=`\n/);
    expect(parseDockerfile(moved.dockerfile).escape).toBe("\\");
  });

  it("keeps the original RUN when the build is chained with later commands", async () => {
    const result = await applicable({
      Dockerfile: "FROM golang:1.19\nCOPY . /s\nWORKDIR /s\nRUN go build -o /usr/bin/tool . && tool --selftest\nCMD [\"tool\"]\n",
      "go.mod": "module tool\n\ngo 1.19\n",
      "main.go": "package main\nfunc main() {}\n",
    });
    expect(result.dockerfile).toContain("RUN go build -o /usr/bin/tool . && tool --selftest\n# why: compile");
    expect(result.dockerfile).toContain('RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /usr/bin/tool .\n');
  });

  it("every generated instruction is explained by a `# why` comment", async () => {
    const dir = await context({});
    await cp(path.join(ROOT, "test/fixtures/go-http-server"), dir, { recursive: true });
    const { readFile } = await import("node:fs/promises");
    const original = parseDockerfile(await readFile(path.join(dir, "Dockerfile"), "utf8"));
    const result = await rewriteMultiStage({ dockerfileText: await readFile(path.join(dir, "Dockerfile"), "utf8"), contextDir: dir });
    if (!result.applicable) throw new Error(result.reason);
    const originals = new Set(original.instructions.map((i) => i.raw));
    let explained = false;
    for (const instruction of parseDockerfile(result.dockerfile).instructions) {
      if (instruction.keyword === "FROM") explained = false;
      if (instruction.comments.some((c) => c.startsWith("why: "))) explained = true;
      else if (!originals.has(instruction.raw) || instruction.stage === 1) expect(explained, instruction.raw).toBe(true);
    }
  });
});

describe("rewriteMultiStage — not applicable", () => {
  it("node: judged from the base image, but no start command the node rewriter knows", async () => {
    const result = await rewrite({ Dockerfile: "FROM node:20\nCOPY . .\nCMD [\"server.js\"]\n", "package.json": "{}" });
    expect(result.applicable).toBe(false);
    if (!result.applicable) expect(result.reason).toBe("node: base image node:20, but the node rewriter does not recognise the final stage's build or start command");
  });

  it("no language at all", async () => {
    const result = await rewrite({ Dockerfile: "FROM debian:bookworm\nRUN echo hi\nCMD [\"cat\", \"/etc/os-release\"]\n" });
    expect(result.applicable).toBe(false);
    if (!result.applicable) expect(result.reason).toMatch(/^no program this rewrite can rebuild: none of the rewriters \(go\b.*\) recognised .*base image debian:bookworm/);
  });

  it("Go whose start command needs a shell", async () => {
    const result = await rewrite({ Dockerfile: "FROM golang:1.19\nCOPY . /w\nWORKDIR /w\nCMD go run main.go --port $PORT\n", "main.go": "package main\n" });
    expect(result).toEqual({ applicable: false, reason: "go: CMD needs a shell, which scratch does not have: it relies on shell expansion ($PORT)" });
  });

  it("Go whose start command runs something no build produced", async () => {
    const result = await rewrite({
      Dockerfile: "FROM golang:1.19\nCOPY . /w\nWORKDIR /w\nRUN go build -o /usr/bin/a .\nCMD [\"/usr/bin/b\"]\n",
      "go.mod": "module a\n",
      "main.go": "package main\n",
    });
    expect(result).toEqual({ applicable: false, reason: "go: CMD runs /usr/bin/b, which none of the go build/go install lines produces" });
  });

  it("an image that is already FROM scratch", async () => {
    const result = await rewrite({ Dockerfile: "FROM golang:1.19 AS b\nRUN go build -o /x .\nFROM scratch\nCOPY --from=b /x /x\nCMD [\"/x\"]\n" });
    expect(result.applicable).toBe(false);
  });

  it("a Dockerfile that does not parse is an InputError", async () => {
    await expect(rewrite({ Dockerfile: "FROM golang:1.19\nFOO bar\n" })).rejects.toThrow(InputError);
    await expect(rewriteMultiStage({ dockerfileText: "FROM x\n", contextDir: "/nonexistent/imgdiet" })).rejects.toThrow(/not a directory/);
  });
});
