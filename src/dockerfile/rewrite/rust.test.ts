import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { walkStages } from "../stages.js";
import { rewriteMultiStage, type RewriteResult } from "./index.js";
import { rustRewriter } from "./rust.js";
import { defaultBinary, parseCargo, readCargoCrate, selectionOptions, tlsCrate } from "./rust-cargo.js";

const made: string[] = [];
const CARGO_TOML = '[package]\nname = "wordstat"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n';
const LOCK = 'version = 3\n\n[[package]]\nname = "wordstat"\nversion = "0.1.0"\n';
const MAIN = "fn main() { println!(\"hi\"); }\n";

async function context(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "imgdiet-rust-rewrite-"));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

async function rewrite(dockerfile: string, files: Record<string, string> = { "Cargo.toml": CARGO_TOML, "src/main.rs": MAIN }): Promise<RewriteResult> {
  return rewriteMultiStage({ dockerfileText: dockerfile, contextDir: await context(files) });
}

async function applicable(dockerfile: string, files?: Record<string, string>): Promise<Extract<RewriteResult, { applicable: true }>> {
  const result = await rewrite(dockerfile, files);
  if (!result.applicable) throw new Error(`not applicable: ${result.reason}`);
  expect(result.language).toBe("rust");
  parseDockerfile(result.dockerfile);
  return result;
}

/** The instructions of the rewritten final stage. */
function finalStage(dockerfile: string): string[] {
  const df = parseDockerfile(dockerfile);
  return df.stages[df.stages.length - 1].instructions.map((i) => i.raw);
}

afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("rust rewriter", () => {
  it("turns the single-stage cargo build into a builder and a scratch stage with the binary and its closure", async () => {
    const original = [
      "# wordstat, one stage",
      "FROM debian:bookworm",
      "RUN apt-get update && apt-get install -y --no-install-recommends rustc cargo",
      "WORKDIR /src",
      "COPY . .",
      "# Release build",
      "RUN cargo build --release",
      "EXPOSE 8080",
      'CMD ["./target/release/wordstat", "--verbose"]',
      "",
    ].join("\n");
    const result = await applicable(original, { "Cargo.toml": CARGO_TOML, "Cargo.lock": LOCK, "src/main.rs": MAIN });
    expect(result.finalBase).toBe("scratch");
    expect(result.dockerfile).toBe(
      [
        "# wordstat, one stage",
        "# why: build stage: the original base image and steps, used only to build the rust program",
        "FROM debian:bookworm AS build",
        "RUN apt-get update && apt-get install -y --no-install-recommends rustc cargo",
        "WORKDIR /src",
        "COPY . .",
        "# Release build",
        "# why: --locked: exactly the dependency versions of Cargo.lock",
        "RUN cargo build --locked --release",
        "# why: gather the program for the final stage; strip drops its symbols and debug sections (the program never reads them)",
        "RUN mkdir -p /out/rootfs/src/target/release \\",
        "    && cp -L /src/target/release/wordstat /out/rootfs/src/target/release/wordstat \\",
        "    && if command -v strip >/dev/null; then strip /out/rootfs/src/target/release/wordstat; fi",
        "# why: its ELF interpreter and the shared libraries it loads, as ldd resolves them (nothing for a static binary)",
        "RUN mkdir -p /out/rootfs \\",
        "    && for lib in $(ldd /out/rootfs/src/target/release/wordstat | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\\//) print $i }' | sort -u); do \\",
        '    mkdir -p "/out/rootfs$(dirname "$lib")" && cp -L "$lib" "/out/rootfs$lib" || exit 1; \\',
        "    done",
        "",
        "# why: final stage: scratch is empty, so the image holds only what is copied below",
        "FROM scratch",
        "# why: the program (/src/target/release/wordstat) with its interpreter and libraries, gathered in the build stage",
        "COPY --from=build /out/rootfs/ /",
        "# why: kept from the original: runtime settings of the image",
        "WORKDIR /src",
        "EXPOSE 8080",
        "# why: CMD as in the original, so `docker run IMAGE args` still replaces it",
        'CMD ["/src/target/release/wordstat", "--verbose"]',
        "",
      ].join("\n"),
    );
    expect(result.notes[0]).toMatch(/^rust: line 7's cargo build gained --locked; the final stage is FROM scratch/);
  });

  it("makes a debug build a release build and points the command at the release binary", async () => {
    const result = await applicable("FROM debian:bookworm\nWORKDIR /src\nCOPY . .\nRUN apt-get update && apt-get install -y cargo && cargo build\nCMD target/debug/wordstat\n");
    expect(result.dockerfile).toContain("RUN apt-get update && apt-get install -y cargo && cargo build --release\n");
    expect(result.dockerfile).toContain("# why: --release: an optimised build\n");
    expect(result.dockerfile).not.toContain("--locked");
    expect(finalStage(result.dockerfile)).toContain('CMD ["/src/target/release/wordstat"]');
    expect(result.notes.join("\n")).toContain("it now runs the release build at target/release/wordstat");
  });

  it("replaces cargo run at start-up by a release build of the binary Cargo.toml names, keeping features and program arguments", async () => {
    const toml = `${CARGO_TOML}\n[[bin]]\nname = "serve"\npath = "src/main.rs"\n`;
    const result = await applicable(
      'FROM rust:1.75\nWORKDIR /app\nCOPY . .\nENV CARGO_HOME=/usr/local/cargo APP_MODE=prod\nCMD ["cargo", "run", "--release", "--features", "fast", "--", "--port", "8080"]\n',
      { "Cargo.toml": toml, "Cargo.lock": LOCK },
    );
    expect(result.dockerfile).toContain("# why: build once at build time instead of compiling at every start (cargo run); release: optimised\nRUN cargo build --features fast --release --locked\n");
    expect(result.dockerfile).toContain("cp -L /app/target/release/serve /out/rootfs/app/target/release/serve");
    const final = finalStage(result.dockerfile);
    expect(final).toContain("ENV APP_MODE=prod");
    expect(final.join("\n")).not.toContain("CARGO_HOME");
    expect(final).toContain('CMD ["/app/target/release/serve", "--port", "8080"]');
  });

  it("finds a cargo install'd binary on the builder's PATH and keeps it under /usr/local/bin", async () => {
    const result = await applicable('FROM rust:1.75\nCOPY . /src\nRUN cargo install --path /src\nENTRYPOINT ["wordstat"]\nCMD ["--help"]\n');
    expect(result.dockerfile).toContain('cp -L "$(command -v wordstat)" /out/rootfs/usr/local/bin/wordstat');
    const final = finalStage(result.dockerfile);
    expect(final).toContain('ENTRYPOINT ["/usr/local/bin/wordstat"]');
    expect(final).toContain('CMD ["--help"]');
    expect(result.notes.join("\n")).toContain("runs wordstat from PATH");
  });

  it("edits an exec-form build in exec form and copies the CA bundle when a TLS crate is in Cargo.lock", async () => {
    const lock = `${LOCK}\n[[package]]\nname = "rustls"\nversion = "0.21.0"\n`;
    const result = await applicable('FROM rust:1.75\nWORKDIR /w\nCOPY . .\nRUN ["cargo", "build"]\nCMD ["/w/target/release/wordstat"]\n', { "Cargo.toml": CARGO_TOML, "Cargo.lock": lock });
    expect(result.dockerfile).toContain('RUN ["cargo", "build", "--release", "--locked"]');
    expect(finalStage(result.dockerfile)).toContain("COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt");
    expect(result.dockerfile).toContain("# why: the crate depends on rustls; TLS needs the CA bundle, which scratch lacks");
  });

  it("runs the gathering steps as root and ships the named user's passwd entry", async () => {
    const result = await applicable("FROM debian:bookworm\nRUN useradd app\nUSER app\nWORKDIR /home/app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/wordstat\"]\n");
    const builder = result.dockerfile.split("FROM scratch")[0];
    expect(builder).toMatch(/USER app\n(.*\n)*# why: the original switched to USER app; .*\nUSER root\n/);
    const final = finalStage(result.dockerfile);
    expect(final).toContain("COPY --from=build /out/etc/passwd /out/etc/group /etc/");
    expect(final).toContain("USER app");
  });

  it("notes a musl build as static", async () => {
    const result = await applicable('FROM rust:1.75\nWORKDIR /w\nCOPY . .\nRUN cargo build --release --target x86_64-unknown-linux-musl\nCMD ["./target/x86_64-unknown-linux-musl/release/wordstat"]\n');
    expect(result.notes[0]).toContain("(static: musl target)");
    expect(result.dockerfile).toContain("# why: the build links statically (--target x86_64-unknown-linux-musl, as the original asked)");
    expect(result.dockerfile).not.toContain("--release --release");
  });

  it("keeps a plain rustc build as written", async () => {
    const result = await applicable('FROM debian:bookworm\nRUN apt-get update && apt-get install -y rustc\nCOPY main.rs /src/\nRUN rustc -O -o /usr/local/bin/hello /src/main.rs\nCMD ["hello"]\n', { "main.rs": MAIN });
    expect(result.dockerfile).toContain("RUN rustc -O -o /usr/local/bin/hello /src/main.rs\n");
    expect(result.dockerfile).toContain('cp -L "$(command -v hello)" /out/rootfs/usr/local/bin/hello');
    expect(finalStage(result.dockerfile)).toContain('CMD ["/usr/local/bin/hello"]');
  });

  it("keeps every original instruction and comment of earlier stages, and leaves the sources alone", async () => {
    const files = { "Cargo.toml": CARGO_TOML, "src/main.rs": MAIN };
    const dir = await context(files);
    const original = "ARG VERSION=1\n# assets\nFROM debian:bookworm AS assets\nRUN echo $VERSION > /v\n\nFROM debian:bookworm\n# toolchain\nRUN apt-get update && apt-get install -y cargo\nCOPY --from=assets /v /v\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nLABEL org.example=1\nCMD [\"./target/release/wordstat\"]\n# the end\n";
    const result = await rewriteMultiStage({ dockerfileText: original, contextDir: dir });
    if (!result.applicable) throw new Error(result.reason);
    for (const line of ["ARG VERSION=1", "# assets", "FROM debian:bookworm AS assets", "RUN echo $VERSION > /v", "# toolchain", "COPY --from=assets /v /v", "# the end"])
      expect(result.dockerfile).toContain(`${line}\n`);
    expect(finalStage(result.dockerfile)).toContain("LABEL org.example=1");
    for (const [name, content] of Object.entries(files)) expect(await readFile(path.join(dir, name), "utf8")).toBe(content);
  });

  it("says why it cannot rewrite a command that needs a shell, cargo test, or a missing build", async () => {
    const shell = await rewrite("FROM rust:1.75\nCOPY . .\nRUN cargo build --release\nCMD ./target/release/wordstat && echo done\n");
    expect(shell).toEqual({ applicable: false, reason: 'rust: CMD needs a shell, which scratch does not have: it uses the shell operator "&&"' });
    const test = await rewrite("FROM rust:1.75\nCOPY . .\nCMD cargo test\n");
    expect(test).toEqual({ applicable: false, reason: "rust: CMD runs cargo test, not a program" });
    const none = await rewrite('FROM rust:1.75\nCOPY . .\nCMD ["./wordstat"]\n');
    expect(none.applicable).toBe(false);
    if (!none.applicable) expect(none.reason).toMatch(/^rust: the final stage has no cargo build/);
  });

  it("detects cargo in a RUN, a rust base image, or Cargo.toml in the context", async () => {
    const detect = async (text: string, files: Record<string, string>) => {
      const dockerfile = parseDockerfile(text);
      return rustRewriter.detect({ text, dockerfile, walked: walkStages(dockerfile), finalStage: dockerfile.stages.at(-1)!, contextDir: await context(files) });
    };
    expect(await detect("FROM debian:bookworm\nRUN cargo build\n", {})).toBe("line 2: RUN cargo build");
    expect(await detect("FROM rust:1.75-slim\nCOPY . .\n", {})).toBe("base image rust:1.75-slim");
    expect(await detect("FROM debian:bookworm\nCOPY . .\n", { "Cargo.toml": CARGO_TOML })).toBe("Cargo.toml in the build context");
    expect(await detect("FROM debian:bookworm\nRUN make\n", { Makefile: "all:\n" })).toBeUndefined();
  });
});

describe("reading a crate and cargo command lines", () => {
  it("finds the package and [[bin]] names and every dependency, in tables, dotted headers and Cargo.lock", async () => {
    const toml = [
      "[package]",
      'name = "api" # the service',
      "",
      "[[bin]]",
      'name = "api-server"',
      "",
      "[dependencies]",
      'serde = { version = "1" }',
      "",
      "[dependencies.hyper-rustls]",
      'version = "0.24"',
      "",
      "[dev-dependencies]",
      'proptest = "1"',
    ].join("\n");
    const dir = await context({ "Cargo.toml": toml, "Cargo.lock": 'version = 3\n\n[[package]]\nname = "ring"\n' });
    const crate = await readCargoCrate(dir);
    expect(crate).toEqual({ packageName: "api", bins: ["api-server"], crates: ["serde", "hyper-rustls", "proptest", "ring"], locked: true });
    expect(defaultBinary(crate!)).toBe("api-server");
    expect(tlsCrate(crate)).toBe("hyper-rustls");
    expect(await readCargoCrate(await context({}))).toBeNull();
  });

  it("reads the subcommand after toolchain and global flags, and keeps only the options that choose what is built", () => {
    expect(parseCargo(["cargo", "+nightly", "--quiet", "run", "--release", "-F", "x", "--", "--port", "1"])).toEqual({
      subcommand: "run",
      at: 3,
      options: ["--release", "-F", "x"],
      programArgs: ["--port", "1"],
    });
    expect(parseCargo(["cargo", "--version"])).toBeNull();
    expect(parseCargo(["make"])).toBeNull();
    expect(selectionOptions(["--release", "-q", "--features=a,b", "-p", "core", "--no-default-features", "--jobs", "2"])).toEqual(["--features=a,b", "-p", "core", "--no-default-features"]);
  });

  it("keeps RUN flags such as a cache mount when it edits the build", async () => {
    const result = await applicable('FROM rust:1.75\nWORKDIR /w\nCOPY . .\nRUN --mount=type=cache,target=/usr/local/cargo/registry ["cargo", "build"]\nCMD ["/w/target/release/wordstat"]\n');
    expect(result.dockerfile).toContain('RUN --mount=type=cache,target=/usr/local/cargo/registry ["cargo", "build", "--release"]\n');
  });
});
