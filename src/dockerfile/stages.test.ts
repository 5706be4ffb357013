import { describe, expect, it } from "vitest";
import { parseDockerfile } from "./parse.js";
import { expandVariables, walkStages } from "./stages.js";

const walk = (text: string, args?: Record<string, string>) => walkStages(parseDockerfile(text), args);

describe("walkStages", () => {
  const text = [
    "ARG GO=1.22",
    "ARG BASE=debian",
    "FROM golang:${GO} AS build",
    "WORKDIR /src",
    "ENV CGO_ENABLED=0",
    "RUN go build -o /out/app .",
    "FROM ${BASE}:bookworm-slim AS runtime-base",
    "ARG BASE",
    "ENV HOME=/home/app PATH=/home/app/bin:$PATH",
    "WORKDIR $HOME",
    "USER app",
    "FROM alpine AS unused",
    "RUN true",
    "FROM runtime-base",
    "WORKDIR data",
    "COPY --from=build /out/app ./app",
    "RUN --mount=type=bind,from=1,source=/x,target=/x true",
    'CMD ["./app"]',
  ].join("\n");

  it("expands global ARGs in FROM, resolves stage parents and the root image", () => {
    const w = walk(text);
    expect(w.stages.map((s) => [s.base, s.parent, s.rootImage])).toEqual([
      ["golang:1.22", null, "golang:1.22"],
      ["debian:bookworm-slim", null, "debian:bookworm-slim"],
      ["alpine", null, "alpine"],
      ["runtime-base", 1, "debian:bookworm-slim"],
    ]);
    expect(walk(text, { GO: "1.19" }).stages[0]!.base).toBe("golang:1.19");
  });

  it("follows WORKDIR, USER and ENV, inherited through FROM <stage>", () => {
    const final = walk(text).final;
    const [workdir, copy, run] = final.steps;
    expect(workdir!.cwd).toBe("/home/app");
    expect(copy!.cwd).toBe("/home/app/data");
    expect(copy!.user).toBe("app");
    expect(run!.env.get("PATH")).toBe("/home/app/bin:$PATH");
    expect(run!.vars.get("BASE")).toBeUndefined(); // ARGs do not cross FROM
    expect(walk(text).stages[1]!.steps[1]!.vars.get("BASE")).toBe("debian");
  });

  it("knows which stages reach the final image and which the build needs", () => {
    const w = walk(text);
    expect(w.final.readsFrom).toEqual([0, 1]);
    expect(w.stages.map((s) => [s.reachesFinal, s.needed])).toEqual([
      [false, true],
      [true, true],
      [false, false],
      [true, true],
    ]);
  });

  it("knows when a stage has no shell", () => {
    const w = walk("FROM scratch AS a\nFROM gcr.io/distroless/static-debian12\nFROM gcr.io/distroless/base:debug\nFROM a\nCOPY --from=busybox /bin/busybox /bin/sh\n");
    expect(w.stages.map((s) => s.hasShell)).toEqual([false, false, true, true]);
  });
});

describe("expandVariables", () => {
  it("reads $X, ${X}, ${X:-default} and ${X:+alt} and leaves unknown names", () => {
    const vars = new Map([["A", "1"], ["E", ""]]);
    expect(expandVariables("$A ${A} ${B:-b} ${E:-e} ${A:+yes} ${B:+no} $UNKNOWN", vars)).toBe("1 1 b e yes  $UNKNOWN");
  });
});
