import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { InputError } from "../../errors.js";

/**
 * A YAML config file's top-level mapping. A file that is not there is undefined unless `required`
 * (given by a flag); one that cannot be read, or is not YAML, or not a mapping, is an InputError
 * naming the file. An empty file is an empty mapping.
 */
export async function readYamlMapping(path: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !required) return undefined;
    throw new InputError(`cannot read ${path}: ${code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid YAML: ${String((e as Error).message).split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new InputError(`${path}: expected a mapping of keys to values`);
  return doc as Record<string, unknown>;
}
