import type { FileTree, Removal } from "../../fs/file-tree.js";
import type { ElfSniff } from "../../elf/sniff.js";
import type { ImageConfig } from "../../image/types.js";
import type { Finding, ImageLocation, RuleDescriptor } from "../../finding/finding.js";
import type { ContentClass, Efficiency, LayerReport } from "../types.js";

/** What a finding can look at. */
export interface FindingContext {
  tree: FileTree;
  config: ImageConfig;
  size: number;
  layers: readonly LayerReport[];
  classes: ReadonlyMap<string, ContentClass>;
  efficiency: Efficiency;
  /** ELF sniff of every ELF file in the merged image, by path. */
  elf: ReadonlyMap<string, ElfSniff>;
  removals: readonly Removal[];
  appLayers: ReadonlySet<number>;
}

/** A finding rule: id, one-line title, documentation paragraph, severity, and a check (hadolint's shape). */
export interface FindingRule extends RuleDescriptor {
  check(ctx: FindingContext): Finding | undefined;
}

export function commandLine(config: ImageConfig): string {
  return [...(config.config?.Entrypoint ?? []), ...(config.config?.Cmd ?? [])].join(" ");
}

/** The location of a layer of the image (by index), with its diff_id. */
export function layerLocation(ctx: FindingContext, index: number, path?: string): ImageLocation {
  const diffId = ctx.layers[index]?.diffId;
  return { kind: "image", ...(path !== undefined ? { path } : {}), layer: { index, ...(diffId ? { diffId } : {}) } };
}

/** Where a path of the merged image lives: the path and the layer that provides it. `p` is relative to the root. */
export function pathLocation(ctx: FindingContext, p: string): ImageLocation {
  const node = ctx.tree.get(p);
  return node ? layerLocation(ctx, node.layer, `/${p}`) : { kind: "image", path: `/${p}` };
}

/** A finding about the image as a whole (its config, its command): no path, no layer. */
export const WHOLE_IMAGE: ImageLocation = { kind: "image" };

/** The Finding of `rule`: its id, severity and title, with what was seen. */
export function findingOf(
  rule: RuleDescriptor,
  seen: { evidence: readonly string[]; location: ImageLocation; saving: number; fix: string },
): Finding {
  return {
    ruleId: rule.id,
    severity: rule.severity,
    title: rule.title,
    message: seen.evidence.join("\n"),
    location: seen.location,
    saving: seen.saving,
    fix: seen.fix,
  };
}
