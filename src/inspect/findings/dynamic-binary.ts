import { findingOf, pathLocation, type FindingRule } from "./context.js";

export const dynamicCouldBeStatic: FindingRule = {
  id: "dynamic-app-binary",
  title: "The app's binary is dynamically linked",
  doc: "A dynamically linked binary needs its loader and libraries, so it cannot run on `scratch`. Go builds static with CGO_ENABLED=0; C programs with -static. The saving estimate is the shared libraries the image ships (what a static build on scratch would drop).",
  severity: "info",
  check(ctx) {
    const binaries = [...ctx.elf].filter(([p, e]) => e.linking === "dynamic" && ctx.appLayers.has(ctx.tree.get(p)?.layer ?? -1));
    const first = binaries[0];
    if (!first) return undefined;
    return findingOf(this, {
      evidence: binaries.slice(0, 10).map(([p, e]) => `/${p} (interpreter ${e.interpreter ?? "?"})`),
      location: pathLocation(ctx, first[0]),
      saving: ctx.classes.get("elf-library")?.bytes ?? 0,
      fix: "Link statically (Go: CGO_ENABLED=0) and use a scratch final stage, or let `imgdiet slim` keep only its closure.",
    });
  },
};
