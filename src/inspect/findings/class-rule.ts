import type { Severity } from "../../finding/finding.js";
import { findingOf, pathLocation, WHOLE_IMAGE, type FindingRule } from "./context.js";

/** A finding that fires when a content class holds bytes: the saving is that class's bytes. */
export function classRule(r: { id: string; title: string; doc: string; severity: Severity; classId: string; fix: string; minBytes?: number }): FindingRule {
  return {
    id: r.id,
    title: r.title,
    doc: r.doc,
    severity: r.severity,
    check(ctx) {
      const c = ctx.classes.get(r.classId);
      if (!c || c.bytes === 0 || c.bytes < (r.minBytes ?? 0)) return undefined;
      const largest = c.examples[0];
      return findingOf(this, {
        evidence: c.examples.map((p) => `/${p}`),
        location: largest !== undefined ? pathLocation(ctx, largest) : WHOLE_IMAGE,
        saving: c.bytes,
        fix: r.fix,
      });
    },
  };
}
