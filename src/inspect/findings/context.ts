import type { FileTree, Removal } from "../../fs/file-tree.js";
import type { ElfSniff } from "../../elf/sniff.js";
import type { ImageConfig } from "../../image/types.js";
import type { ContentClass, Efficiency, Finding, LayerReport } from "../types.js";

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

/** A finding rule: id, one-line title, documentation paragraph, and a check (hadolint's shape). */
export interface FindingRule {
  id: string;
  title: string;
  doc: string;
  check(ctx: FindingContext): Finding | undefined;
}

export function commandLine(config: ImageConfig): string {
  return [...(config.config?.Entrypoint ?? []), ...(config.config?.Cmd ?? [])].join(" ");
}
