/**
 * The modules a JavaScript file asks for, found with real parsers: es-module-lexer (the lexer Node
 * itself uses) for an ES module's `import`/`export … from`/`import("…")`, acorn for a CommonJS
 * file's `require("…")`, `require.resolve("…")` and `import("…")` calls. Only literal specifiers
 * are followed; computed ones are counted so the report can say the trace alone covers them.
 */
import { parse as parseAcorn, type Node } from "acorn";
import { simple } from "acorn-walk";
import { init as initLexer, parse as lexModule } from "es-module-lexer";
import type { RequestKind } from "./resolve.js";

export type ModuleFormat = "commonjs" | "module";

export interface ModuleRequest {
  specifier: string;
  kind: RequestKind;
}

export interface ModuleRequests {
  requests: ModuleRequest[];
  /** require()/import() calls whose argument is not a literal string. */
  computed: number;
  /** The format the file parsed as (a .js file in a CommonJS scope that only parses as a module is one). */
  format: ModuleFormat;
  /** Why the file could not be parsed (it is kept; what it asks for is not followed). */
  error?: string;
}

let lexerReady: Promise<void> | undefined;

/** es-module-lexer compiles its WebAssembly once per process. */
export function moduleLexerReady(): Promise<void> {
  lexerReady ??= initLexer();
  return lexerReady;
}

interface CallNode extends Node {
  callee: Node & { name?: string; object?: Node & { name?: string }; property?: Node & { name?: string }; computed?: boolean };
  arguments: (Node & { value?: unknown; expressions?: unknown[]; quasis?: { value: { cooked?: string | null } }[] })[];
}

/** A literal string argument: 'x', "x" or `x` without substitutions. */
function literal(arg: CallNode["arguments"][number] | undefined): string | undefined {
  if (!arg) return undefined;
  if (arg.type === "Literal" && typeof arg.value === "string") return arg.value;
  if (arg.type === "TemplateLiteral" && arg.expressions?.length === 0) return arg.quasis?.[0]?.value.cooked ?? undefined;
  return undefined;
}

function commonJsRequests(source: string): ModuleRequests {
  const ast = parseAcorn(source, {
    ecmaVersion: "latest",
    sourceType: "script",
    allowHashBang: true,
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
  });
  const requests: ModuleRequest[] = [];
  let computed = 0;
  simple(ast, {
    CallExpression(n) {
      const call = n as unknown as CallNode;
      const c = call.callee;
      const isRequire = c.type === "Identifier" && c.name === "require";
      const isResolve =
        c.type === "MemberExpression" && !c.computed && c.object?.type === "Identifier" && c.object.name === "require" && c.property?.name === "resolve";
      if (!isRequire && !isResolve) return;
      const s = literal(call.arguments[0]);
      if (s === undefined) computed++;
      else requests.push({ specifier: s, kind: "require" });
    },
    ImportExpression(n) {
      const s = literal((n as unknown as { source: CallNode["arguments"][number] }).source);
      if (s === undefined) computed++;
      else requests.push({ specifier: s, kind: "import" });
    },
  });
  return { requests, computed, format: "commonjs" };
}

function esModuleRequests(source: string): ModuleRequests & { moduleSyntax: boolean } {
  const [imports, , , moduleSyntax] = lexModule(source);
  const requests: ModuleRequest[] = [];
  let computed = 0;
  for (const i of imports) {
    if (i.type === "import-meta" || ("typeOnly" in i && i.typeOnly)) continue;
    if (typeof i.specifier === "string") requests.push({ specifier: i.specifier, kind: "import" });
    else if (i.type === "dynamic") computed++;
  }
  return { requests, computed, format: "module", moduleSyntax };
}

const withoutSyntaxFlag = ({ moduleSyntax: _, ...r }: ReturnType<typeof esModuleRequests>): ModuleRequests => r;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!;

/**
 * What a file asks for. A file expected to be CommonJS that does not parse as a script is tried as
 * an ES module (Node's syntax detection does the same); never throws.
 */
export async function moduleRequests(source: string, format: ModuleFormat): Promise<ModuleRequests> {
  await moduleLexerReady();
  if (format === "commonjs") {
    try {
      return commonJsRequests(source);
    } catch (scriptError) {
      // Only a file with import/export syntax is a module; anything else stays a script that failed.
      let asModule: ReturnType<typeof esModuleRequests> | undefined;
      try {
        asModule = esModuleRequests(source);
      } catch {
        asModule = undefined;
      }
      if (asModule?.moduleSyntax) return withoutSyntaxFlag(asModule);
      return { requests: [], computed: 0, format, error: message(scriptError) };
    }
  }
  try {
    return withoutSyntaxFlag(esModuleRequests(source));
  } catch (e) {
    return { requests: [], computed: 0, format, error: message(e) };
  }
}
