import type { FindingRule } from "./context.js";

/** A finding that fires when a content class holds bytes: the saving is that class's bytes. */
export function classRule(r: { id: string; title: string; doc: string; classId: string; fix: string; minBytes?: number }): FindingRule {
  return {
    id: r.id,
    title: r.title,
    doc: r.doc,
    check(ctx) {
      const c = ctx.classes.get(r.classId);
      if (!c || c.bytes === 0 || c.bytes < (r.minBytes ?? 0)) return undefined;
      return { id: r.id, title: r.title, evidence: c.examples.map((p) => `/${p}`), saving: c.bytes, fix: r.fix };
    },
  };
}
