import { findingOf, layerLocation, type FindingRule } from "./context.js";

export const deletedStillShipped: FindingRule = {
  id: "deleted-still-shipped",
  title: "Files deleted or overwritten in a later layer still ship in an earlier one",
  doc: "Deleting a file in a later RUN only hides it: its bytes stay in the layer that added it and are pulled by every user. Delete in the same instruction that creates the file, or squash with a multi-stage build. The saving is the bytes that are unreachable in the merged image.",
  severity: "warning",
  check(ctx) {
    const bytes = ctx.efficiency.unreachableBytes;
    if (bytes === 0) return undefined;
    const top = [...ctx.removals].sort((a, b) => b.size - a.size).slice(0, 5);
    const largest = top[0];
    return findingOf(this, {
      evidence: top.map((r) => `/${r.path} (${r.size} bytes from layer ${r.fromLayer}, hidden by layer ${r.byLayer})`),
      // The hidden bytes live in the layer that added them, at a path the merged image no longer shows.
      location: largest ? layerLocation(ctx, largest.fromLayer, `/${largest.path}`) : { kind: "image" },
      saving: bytes,
      fix: "Create and delete temporary files in the same RUN instruction.",
    });
  },
};
