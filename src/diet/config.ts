/**
 * Diet configuration: the base-swap table and the user's `.imgdiet.json`.
 *
 * The file is looked up as `.imgdiet.json` in the build context (or given with `--config FILE`):
 *
 *   {
 *     "baseSwap": {
 *       "golang": ["{tag}-alpine"],              // golang:1.19 → golang:1.19-alpine
 *       "mycorp/base": ["mycorp/base-slim:{tag}"] // a whole reference: another repository
 *     },
 *     "upx": "/opt/upx/upx",                     // the upx binary (else --upx, IMGDIET_UPX, PATH)
 *     "strategies": ["slim", "multi-stage"]      // which strategies run (default: all)
 *   }
 *
 * `baseSwap` maps a repository (as in FROM, without `docker.io/` or `library/`) to the variants to try,
 * smallest first. A variant without `:` is a tag template; with `:` it is a whole reference template.
 * `{tag}` is the original tag (`latest` when none) and `{repo}` the repository. For `latest`, a
 * template `{tag}-alpine` gives `alpine` (the tag Docker Hub uses). The user's entries come first and
 * replace the built-in list for the same repository.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { InputError } from "../errors.js";
import { familiarRepository, splitImageName } from "../image/reference.js";

/**
 * The built-in table: official images whose smaller variants are published under the same repository.
 * Not listed, on purpose: `ubuntu` (no slim variant exists; swapping to Debian changes the distribution
 * and its package names), `alpine` and `busybox` (already minimal), Java images (the JRE vs JDK choice
 * is the user's). Add them in `.imgdiet.json` when that fits your image.
 */
export const DEFAULT_BASE_SWAP: Readonly<Record<string, readonly string[]>> = {
  golang: ["{tag}-alpine"],
  node: ["{tag}-slim", "{tag}-alpine"],
  python: ["{tag}-slim", "{tag}-alpine"],
  ruby: ["{tag}-slim", "{tag}-alpine"],
  rust: ["{tag}-slim", "{tag}-alpine"],
  php: ["{tag}-alpine"],
  perl: ["{tag}-slim"],
  debian: ["{tag}-slim"],
  httpd: ["{tag}-alpine"],
  nginx: ["{tag}-alpine"],
  postgres: ["{tag}-alpine"],
  redis: ["{tag}-alpine"],
};

export const STRATEGY_NAMES = ["base-swap", "slim", "multi-stage", "jre-trim", "strip-upx"] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

const configSchema = z
  .object({
    baseSwap: z.record(z.array(z.string().min(1)).min(1)).optional(),
    upx: z.string().min(1).optional(),
    strategies: z.array(z.enum(STRATEGY_NAMES)).min(1).optional(),
  })
  .strict();

export interface DietConfig {
  /** Repository → variant templates, the user's entries merged over the built-in table. */
  baseSwap: Record<string, string[]>;
  upx?: string;
  strategies?: StrategyName[];
  /** The file it came from, when there was one. */
  source?: string;
}

export const CONFIG_FILE = ".imgdiet.json";

/** Reads `--config FILE`, else `.imgdiet.json` in the context (when there is one), else the defaults. */
export async function loadDietConfig(opts: { file?: string; contextDir?: string }): Promise<DietConfig> {
  const path = opts.file ?? (opts.contextDir ? join(opts.contextDir, CONFIG_FILE) : undefined);
  let text: string | undefined;
  if (path) {
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (opts.file || code !== "ENOENT") throw new InputError(`cannot read diet config ${path}: ${code ?? (e as Error).message}`);
    }
  }
  const baseSwap: Record<string, string[]> = Object.fromEntries(Object.entries(DEFAULT_BASE_SWAP).map(([k, v]) => [k, [...v]]));
  if (text === undefined || !path) return { baseSwap };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const parsed = configSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${path}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  for (const [repo, variants] of Object.entries(parsed.data.baseSwap ?? {})) baseSwap[normaliseRepo(repo)] = variants;
  return {
    baseSwap,
    ...(parsed.data.upx ? { upx: parsed.data.upx } : {}),
    ...(parsed.data.strategies ? { strategies: parsed.data.strategies } : {}),
    source: path,
  };
}

/** `docker.io/library/golang` → `golang`: how FROM lines and the table name the same repository. */
export function normaliseRepo(repo: string): string {
  return familiarRepository(repo);
}

/** Split a FROM reference into repository, tag and digest (no defaults applied). */
export function splitBase(ref: string): { repo: string; tag?: string; digest?: string } {
  const { name, ...rest } = splitImageName(ref);
  return { repo: name, ...rest };
}

/** The variants of `base` the table lists, as full references, in the order to try them. */
export function swapVariants(base: string, table: Record<string, string[]>): string[] {
  const { repo, tag } = splitBase(base);
  const key = normaliseRepo(repo);
  const templates = table[key];
  if (!templates) return [];
  const t = tag ?? "latest";
  const out: string[] = [];
  for (const tpl of templates) {
    let v = tpl.replaceAll("{tag}", t).replaceAll("{repo}", repo);
    if (!v.includes(":")) {
      if (t === "latest" && v.startsWith("latest-")) v = v.slice("latest-".length);
      v = `${repo}:${v}`;
    }
    if (v !== base && v !== `${repo}:${t}` && !out.includes(v)) out.push(v);
  }
  return out;
}
