/**
 * The layer order of src/ (bottom first), enforced by test/architecture.test.ts.
 * A module may import only from its own layer or a lower one; docs/ARCHITECTURE.md explains each.
 */
const LAYERS = [
  ["errors.ts", "units.ts", "document.ts", "finding"],
  ["io"],
  ["daemon"],
  ["image"],
  ["fs"],
  ["elf"],
  ["scan"],
  ["dockerfile"],
  ["inspect"],
  ["engine"],
  ["probe"],
  ["slim"],
  ["diet"],
  ["report"],
  ["cli"],
  ["index.ts"],
];

const esc = (s) => s.replace(/[.]/g, "\\.");
const pathOf = (names) => `^src/(${names.map((n) => (n.endsWith(".ts") ? esc(n) + "$" : esc(n) + "/")).join("|")})`;

const layerRules = LAYERS.slice(0, -1).map((names, i) => ({
  name: `layer-${names[0].replace(/\.ts$/, "")}`,
  comment: `${names.join(", ")} may not import from a higher layer (${LAYERS.slice(i + 1).flat().join(", ")})`,
  severity: "error",
  from: { path: pathOf(names), pathNot: "\\.test\\.ts$" },
  to: { path: pathOf(LAYERS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no import cycle between files (and so none between folders)",
      severity: "error",
      from: { path: "^src/", pathNot: "\\.test\\.ts$" },
      to: { circular: true },
    },
    {
      name: "dockerode-only-in-engine",
      comment: "only src/engine/ talks to a container engine through dockerode",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/engine/" },
      to: { path: "node_modules/(@types/)?dockerode/" },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$|^dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".js", ".d.ts"] },
  },
};
// Not part of dependency-cruiser's schema (hence not enumerable): the order, for the architecture test.
Object.defineProperty(module.exports, "layers", { value: LAYERS, enumerable: false });
