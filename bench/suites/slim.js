// Issue 3, "Speed and memory": imgdiet slim of the 1.1 GB golang:1.19 stand-in (scan, trace of
// `go version`, assemble, verify, load into the engine) against `docker save` of the same image,
// and its peak RSS.

import { compare, rowFor } from "../lib.js";

export const title = "slim: golang:1.19 (1.1 GB) against docker save";
export const description =
  "`imgdiet slim golang:1.19 --cmd \"go version\" --probe-args \"go version\"` does everything slim does: export from the " +
  "engine, one scan of every layer, the static closure, a traced run, assembly, a verified candidate and the write back " +
  "to the engine. The reference is `docker save` of the same image to /dev/null, run in the same script.";

export default async function slimSuite(ctx) {
  const r = compare({
    what: "slim golang:1.19 (trace + verify): wall time vs docker save",
    measured: {
      cmd: "node",
      args: [ctx.cli, "slim", "golang:1.19", "--cmd", "go version", "--probe-args", "go version", "-o", "docker-daemon:imgdiet-bench/golang:slim", "--json"],
      label: "imgdiet slim golang:1.19 --cmd 'go version' --probe-args 'go version'",
    },
    reference: { shell: "docker save golang:1.19 > /dev/null", label: "docker save golang:1.19 > /dev/null" },
    target: { ratio: 1.5 },
    runs: ctx.runs,
  });
  const rss = rowFor(
    { what: "slim golang:1.19: peak RSS", reference: { label: "docker save" }, target: { rssMB: 200 } },
    r.measured,
    r.reference,
    ctx.runs,
  );
  return [r.row, rss];
}
