/**
 * What the Node.js rewriter reads from the build context: package.json (scripts, dependencies) and
 * which lockfile says how to install (npm, yarn or pnpm), and from the start command which script
 * node runs (`node [options] dist/server.js`, or `npm start` through package.json's start script).
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { tokenizeShell } from "../shell-words.js";

export type PackageManager = "npm" | "yarn" | "pnpm";

export interface NodePackage {
  scripts: Record<string, string>;
  dependencies: string[];
  /** The lockfile's manager, or null when the context has no lockfile. */
  lockfile: { manager: PackageManager; file: string } | null;
}

const LOCKFILES: Array<{ file: string; manager: PackageManager }> = [
  { file: "package-lock.json", manager: "npm" },
  { file: "npm-shrinkwrap.json", manager: "npm" },
  { file: "yarn.lock", manager: "yarn" },
  { file: "pnpm-lock.yaml", manager: "pnpm" },
];

const exists = (p: string) => stat(p).then(() => true, () => false);

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** package.json at the root of the build context, or why it cannot be used. */
export async function readNodePackage(contextDir: string): Promise<NodePackage | string> {
  const file = path.join(contextDir, "package.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return "the build context has no package.json at its root, so its dependencies and scripts are unknown";
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `package.json is not valid JSON (${(e as Error).message})`;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "package.json is not a JSON object";
  const record = json as Record<string, unknown>;
  let lockfile: NodePackage["lockfile"] = null;
  for (const candidate of LOCKFILES) if (!lockfile && (await exists(path.join(contextDir, candidate.file)))) lockfile = candidate;
  return { scripts: stringRecord(record.scripts), dependencies: Object.keys(stringRecord(record.dependencies)), lockfile };
}

/** The production-only install, run where the builder's full install left node_modules. */
export function productionInstall(pkg: NodePackage): { command: string; how: string } {
  switch (pkg.lockfile?.manager) {
    case "npm":
      return { command: "npm ci --omit=dev --prefer-offline --no-audit --no-fund", how: `npm ci --omit=dev from ${pkg.lockfile.file}` };
    case "yarn":
      return { command: "yarn install --production --frozen-lockfile --prefer-offline", how: "yarn install --production from yarn.lock" };
    case "pnpm":
      return { command: "pnpm install --prod --frozen-lockfile --prefer-offline", how: "pnpm install --prod from pnpm-lock.yaml" };
    default:
      return { command: "npm prune --omit=dev --no-audit --no-fund", how: "npm prune --omit=dev (the context has no lockfile to install from again)" };
  }
}

/** node's options that take the next word as their value. */
const WITH_VALUE = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader", "--env-file", "--title", "--conditions", "-C"]);
/** Options after which node runs no script file. */
const NO_SCRIPT = new Set(["-e", "--eval", "-p", "--print", "-i", "--interactive", "-v", "--version", "-h", "--help", "--test", "-"]);

export interface NodeStart {
  /** node's argv after the program name: options, the script, its arguments. */
  args: string[];
  /** The script node runs, as written. */
  script: string;
  /** How the start command was read, e.g. `npm start runs "node server.js"`. */
  via: string | null;
}

/** The script and arguments of `node [options] SCRIPT args…` (argv without `node`), or why there is none. */
export function nodeScript(args: string[]): string | NodeStart {
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (NO_SCRIPT.has(word)) return `node ${word} runs no script file`;
    if (WITH_VALUE.has(word)) i++;
    else if (!word.startsWith("-")) return { args, script: word, via: null };
  }
  return "node is started without a script";
}

/** The words of a package.json script that runs node, or why it cannot be run without a shell and npm. */
function scriptWords(script: string): string[] | string {
  const tokens = tokenizeShell(script);
  const op = tokens.find((t) => t.kind === "op");
  if (op && op.kind === "op") return `it uses the shell operator ${JSON.stringify(op.op)}`;
  const words = tokens.flatMap((t) => (t.kind === "word" ? [t] : []));
  const dynamic = words.find((w) => w.dynamic);
  if (dynamic) return `it relies on shell expansion (${dynamic.raw})`;
  return words.map((w) => w.value);
}

const RUNNERS = new Set(["npm", "yarn", "pnpm"]);

/** What node runs for a start command (argv as Docker runs it), or why it is not a node start this rewrite can take over. */
export function nodeStart(argv: string[], pkg: NodePackage): NodeStart | string {
  const name = path.posix.basename(argv[0] ?? "");
  if (name === "node" || name === "nodejs") return nodeScript(argv.slice(1));
  if (!RUNNERS.has(name)) return `it starts ${argv[0]}, not node`;
  const rest = argv.slice(1);
  const isStart = (rest[0] === "start" && rest.length === 1) || (["run", "run-script"].includes(rest[0] ?? "") && rest[1] === "start" && rest.length === 2);
  if (!isStart) return `${argv.join(" ")} is not a plain start of the package (only \`${name} start\` is taken over)`;
  const script = pkg.scripts.start;
  if (script === undefined) return `${name} start but package.json has no start script`;
  const words = scriptWords(script);
  if (typeof words === "string") return `package.json's start script "${script}" needs a shell: ${words}`;
  const program = path.posix.basename(words[0] ?? "");
  if (program !== "node" && program !== "nodejs") return `package.json's start script "${script}" does not start node`;
  const found = nodeScript(words.slice(1));
  return typeof found === "string" ? found : { ...found, via: `${name} start runs "${script}"` };
}
