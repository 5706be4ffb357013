/**
 * slim: the slim engine on the original image — keep only the files its program reaches statically
 * and touches under the probes (what docker-slim does).
 */
import { InputError } from "../../errors.js";
import { humanSize } from "../../units.js";
import { slim as slimImage } from "../../slim/slim.js";
import type { DietContext, IndependentStrategy, Outcome } from "../strategy.js";

export const slim: IndependentStrategy = {
  name: "slim",
  summary: "keep only the files the program reaches statically and touches under the probes",
  kind: "independent",
  async run(ctx: DietContext, log): Promise<Outcome> {
    const image = ctx.candidateRef("slim");
    try {
      const r = await slimImage(`docker-daemon:${ctx.original}`, { output: `docker-daemon:${image}`, probes: ctx.probes, shadow: ctx.shadow, ...ctx.probeRun, verify: false, onLog: log });
      ctx.registerCandidate(image);
      const notes = [`kept ${r.kept.length} paths, removed ${r.removed.files} files (${humanSize(r.removed.bytes)})`, ...r.notes];
      return { kind: "candidate", image, notes };
    } catch (e) {
      if (e instanceof InputError) return { kind: "failed", reason: e.message };
      throw e;
    }
  },
};
