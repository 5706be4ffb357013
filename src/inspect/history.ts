import type { ImageConfig } from "../image/types.js";

/** The instruction that created each layer: non-empty history entries map to layers in order. */
export function layerInstructions(config: ImageConfig): string[] {
  const out: string[] = [];
  for (const h of config.history ?? []) {
    if (h.empty_layer) continue;
    out.push(cleanInstruction(h.created_by ?? h.comment ?? ""));
  }
  while (out.length < config.rootfs.diff_ids.length) out.push("");
  return out.slice(0, config.rootfs.diff_ids.length);
}

/** `/bin/sh -c #(nop) ADD dir:… in /work` → `ADD dir:… in /work`; `/bin/sh -c apt-get …` → `RUN apt-get …`. */
export function cleanInstruction(s: string): string {
  const t = s.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(t);
  if (nop) return t.slice(nop[0].length).trim();
  const run = /^\/bin\/sh -c\s+/.exec(t);
  if (run) return "RUN " + t.slice(run[0].length);
  return t.replace(/\s*# buildkit$/, "");
}

/** Layers that added the app: ADD/COPY instructions after the base (first) layer. */
export function appLayers(instructions: readonly string[]): Set<number> {
  const s = new Set<number>();
  instructions.forEach((ins, i) => {
    if (i > 0 && /^(ADD|COPY)\b/i.test(ins)) s.add(i);
  });
  return s;
}
