/**
 * The `exports` and `imports` fields of package.json, matched as Node's resolver does
 * (PACKAGE_EXPORTS_RESOLVE / PACKAGE_IMPORTS_RESOLVE): exact keys, then `*` patterns by the longest
 * prefix; targets chosen by condition in the order the object lists them; arrays give their first
 * valid target; `null` excludes. Pure: no file is looked at.
 */

/** What a specifier maps to: a path inside the package ("./…"), a bare specifier (imports only), or nothing. */
export type MapTarget = { kind: "path"; path: string } | { kind: "bare"; specifier: string } | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** An exports value that is not a subpath map (a string, array, or conditions object) means `{ ".": value }`. */
function exportsAsMap(exports: unknown): Record<string, unknown> | undefined {
  if (typeof exports === "string" || Array.isArray(exports)) return { ".": exports };
  if (!isObject(exports)) return undefined;
  const keys = Object.keys(exports);
  const dotted = keys.filter((k) => k.startsWith("."));
  if (dotted.length === 0) return { ".": exports };
  // Mixing subpaths and conditions is invalid: Node refuses the package.json.
  return dotted.length === keys.length ? exports : undefined;
}

/** Node's PATTERN_KEY_COMPARE: the longer prefix before `*` first, then the longer key. */
function patternOrder(a: string, b: string): number {
  const pa = a.indexOf("*");
  const pb = b.indexOf("*");
  const la = pa === -1 ? a.length : pa + 1;
  const lb = pb === -1 ? b.length : pb + 1;
  if (la !== lb) return lb - la;
  return b.length - a.length;
}

function matchKey(map: Record<string, unknown>, key: string): { target: unknown; star?: string } | undefined {
  if (Object.hasOwn(map, key) && !key.includes("*")) return { target: map[key] };
  const patterns = Object.keys(map)
    .filter((k) => k.split("*").length === 2)
    .sort(patternOrder);
  for (const p of patterns) {
    const [prefix, suffix] = p.split("*") as [string, string];
    if (key.startsWith(prefix) && key !== prefix && key.length >= p.length && key.endsWith(suffix)) {
      return { target: map[p], star: key.slice(prefix.length, key.length - suffix.length) };
    }
  }
  return undefined;
}

function resolveTarget(target: unknown, star: string | undefined, conditions: ReadonlySet<string>, imports: boolean): MapTarget | null {
  if (typeof target === "string") {
    const t = star === undefined ? target : target.replaceAll("*", star);
    if (t.startsWith("./")) {
      // A target must stay inside the package.
      if (t.split("/").some((seg) => seg === ".." || seg === "node_modules")) return undefined;
      return { kind: "path", path: t };
    }
    if (imports && !t.startsWith("../") && !t.startsWith("/")) return { kind: "bare", specifier: t };
    return undefined;
  }
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = resolveTarget(t, star, conditions, imports);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (isObject(target)) {
    for (const [cond, t] of Object.entries(target)) {
      if (cond !== "default" && !conditions.has(cond)) continue;
      const r = resolveTarget(t, star, conditions, imports);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  // null (an explicit exclusion) and anything else.
  return null;
}

/** The target of `subpath` ("." or "./x") in a package's `exports`, under `conditions`. */
export function exportsTarget(exports: unknown, subpath: string, conditions: ReadonlySet<string>): MapTarget {
  const map = exportsAsMap(exports);
  const m = map && matchKey(map, subpath);
  return m ? (resolveTarget(m.target, m.star, conditions, false) ?? undefined) : undefined;
}

/** The target of `#name` in a package's `imports`, under `conditions`. */
export function importsTarget(imports: unknown, specifier: string, conditions: ReadonlySet<string>): MapTarget {
  if (!isObject(imports)) return undefined;
  const m = matchKey(imports, specifier);
  return m ? (resolveTarget(m.target, m.star, conditions, true) ?? undefined) : undefined;
}
