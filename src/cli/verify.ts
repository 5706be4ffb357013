import type { Command } from "commander";
import { CheckFailed, InputError } from "../errors.js";
import { parseReference } from "../image/reference.js";
import { connectEngine } from "../engine/index.js";
import { probesFromFlags, probeTimeoutsFromFlags, type ProbeFlags } from "../probe/flags.js";
import { defaultProbes } from "../probe/probes-file.js";
import { verifyImages } from "../probe/verify.js";
import { shadowLine } from "../report/shadow-text.js";
import { verifyDocument } from "../probe/verify-schema.js";
import { printJson } from "./common.js";
import { addProbeOptions } from "./probe-flags.js";

export function registerVerify(program: Command): void {
  const cmd = program
    .command("verify")
    .summary("run the same probes (and their shadow probes) on two images and compare stdout, exit code and HTTP answers")
    .argument("<original>", "the image that defines right behaviour (in the engine)")
    .argument("<candidate>", "the image to check (in the engine)")
    .option("--strict", "also compare stderr")
    .option("--json", "print the verdicts as one JSON document (schemas/verify.schema.json)")
    .addHelpText(
      "after",
      `
Examples:
  imgdiet verify hash-fat hash-fat:slim --probe-stdin abc --probe-stdin ""
  imgdiet verify web:1 web:slim --http-probe 8080/ --strict`,
    );
  addProbeOptions(cmd).action(async (original: string, candidate: string, o: ProbeFlags & { strict?: boolean; json?: boolean }) => {
    const timeouts = probeTimeoutsFromFlags(o);
    const engine = await connectEngine();
    for (const r of [original, candidate]) {
      const ref = parseReference(r);
      if (ref.transport !== "docker-daemon") throw new InputError(`${r}: verify runs images in the engine; copy it there first (imgdiet copy ${r} docker-daemon:NAME)`);
    }
    // Default probes need only the original's run configuration: the engine's inspect, no export.
    const probes = (await probesFromFlags(o)) ?? defaultProbes(await engine.images.inspect(parseName(original)));
    // An original that fails its own probes, or answers one differently twice, is an InputError (exit 2) from here.
    const report = await verifyImages(parseName(original), parseName(candidate), probes, {
      engine, strict: o.strict, shadow: o.shadow, ...timeouts, onLog: o.json ? undefined : (l) => process.stderr.write(`${l}\n`),
    });
    if (o.json) printJson(verifyDocument(report));
    else {
      for (const p of report.probes) process.stdout.write(`${p.passed ? "✓" : "✗"} ${p.name}${p.difference ? `: ${p.difference}` : ""}\n`);
      if (report.shadow) process.stdout.write(`${shadowLine(report.shadow)}\n`);
      process.stdout.write(report.passed ? "verified: same behaviour\n" : `differs: ${report.firstDifference}\n`);
    }
    if (!report.passed) throw new CheckFailed(`the candidate differs: ${report.firstDifference}`);
  });
}

function parseName(r: string): string {
  const ref = parseReference(r);
  return ref.transport === "docker-daemon" ? ref.name : r;
}
