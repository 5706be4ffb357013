import type { Command } from "commander";
import { CheckFailed, InputError } from "../errors.js";
import { slim, type Granularity } from "../slim/slim.js";
import { renderSlimText } from "../report/slim-text.js";
import { slimDocument } from "../slim/slim-schema.js";
import { addImageOptions, printJson, toolVersion } from "./common.js";
import { slimReport, writeHtmlReport } from "../report/html/build.js";
import { checkReportPath } from "../report/html/write-report.js";
import { addProbeOptions } from "./probe-flags.js";
import { probesFromFlags, probeTimeoutsFromFlags, type ProbeFlags } from "../probe/flags.js";
import { splitArgs } from "../probe/probes-file.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];

function granularityFlag(v: string | undefined): Granularity | undefined {
  if (v === undefined || v === "package" || v === "file") return v;
  throw new InputError(`--granularity ${v}: expected file or package`);
}

export function registerSlim(program: Command): void {
  const cmd = program
    .command("slim")
    .summary("keep only the files an image's program needs; write, verify and explain the result")
    .argument("<image>", "image reference to slim (never modified)")
    .option("-o, --output <ref>", "where to write the slim image (default: NAME:slim in the engine)")
    .option("--static-only", "no runtime trace and no verification (works without an engine)")
    .option("--no-verify", "do not verify the result against the original")
    .option("--strict", "verification also compares stderr")
    .option("--include <path>", "keep this file or directory as is (repeatable)", collect)
    .option("--exclude <glob>", "drop kept paths matching this glob (repeatable)", collect)
    .option("--keep-shell", "keep /bin/sh and what it needs")
    .option("--cmd <command>", "what to run instead of the image's Entrypoint + Cmd")
    .option("--granularity <file|package>", "package (default): keep whole the packages the program reaches (Node.js, Python, …); file: only the files reached")
    .option("--list", "list every kept path with its reasons")
    .option("--report <file>", "also write an HTML report: before and after, what was removed, why each kept file stays")
    .option("--json", "print one JSON document (schemas/slim.schema.json): kept paths with reasons, removed bytes, verification")
    .addHelpText(
      "after",
      `
Examples:
  imgdiet slim myapp:latest
  imgdiet slim myapp:latest --probe-stdin abc --probe-args "--version"
  imgdiet slim web:1 --http-probe "8080/healthz" --http-probe "POST 8080/api {\\"a\\":1}"
  imgdiet slim oci:./layout:app --static-only -o oci-archive:app-slim.tar
  imgdiet slim app:1 --probes probes.yaml --include /app/templates --json`,
    );
  addProbeOptions(addImageOptions(cmd)).action(
    async (ref: string, o: ProbeFlags & { output?: string; staticOnly?: boolean; verify: boolean; strict?: boolean; include?: string[]; exclude?: string[]; keepShell?: boolean; cmd?: string; list?: boolean; json?: boolean; report?: string; granularity?: string }) => {
      const granularity = granularityFlag(o.granularity);
      if (o.report) await checkReportPath(o.report);
      const { timeoutMs, readyTimeoutMs } = probeTimeoutsFromFlags(o);
      const probes = await probesFromFlags(o);
      const r = await slim(ref, {
        output: o.output, probes, staticOnly: o.staticOnly, verify: o.verify, strict: o.strict, include: o.include,
        exclude: o.exclude, keepShell: o.keepShell, shadow: o.shadow, granularity, cmd: o.cmd ? splitArgs(o.cmd) : undefined, timeoutMs, readyTimeoutMs,
        onLog: o.json ? undefined : (l) => process.stderr.write(`${l}\n`),
      });
      if (o.json) printJson(slimDocument(r));
      else process.stdout.write(renderSlimText(r, { listKept: o.list }));
      if (o.report) await writeHtmlReport(o.report, await slimReport(r, { tool: toolVersion() }));
      if (r.verify && !r.verify.passed) {
        const what = r.verify.originalFailed ? `the original image fails its own probes: ${r.verify.firstDifference}` : `the slim image differs: ${r.verify.firstDifference}`;
        throw new CheckFailed(`${what}; nothing was written to ${r.output}`);
      }
    },
  );
}
