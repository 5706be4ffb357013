import type { PackageRules } from "../types.js";
import { NodeClosure, usesNode } from "./closure.js";

/** Node.js packages kept whole (see closure.ts); nothing for an image that does not run Node. */
export const NODE_RULES: PackageRules = {
  runtime: "node",
  async apply(ctx) {
    return usesNode(ctx) ? new NodeClosure(ctx).run() : [];
  },
};
