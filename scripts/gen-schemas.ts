/**
 * Writes schemas/<command>.schema.json, the JSON Schema of each `--json` document, from the zod schemas
 * listed in src/report/documents.ts. Run `npm run schemas` after changing a document;
 * test/json-schemas.test.ts fails when the committed files differ from what this generates.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { zodToJsonSchema } from "zod-to-json-schema";
import { JSON_DOCUMENTS } from "../src/report/documents.js";

export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");

/** File name → JSON text of every document schema. */
export function generateSchemas(): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of JSON_DOCUMENTS) {
    const json = zodToJsonSchema(d.schema, {
      target: "jsonSchema7",
      $refStrategy: "root",
      definitions: d.definitions ?? {},
      definitionPath: "definitions",
    }) as Record<string, unknown>;
    const { $schema, ...rest } = json;
    const doc = { $schema, title: d.title, ...rest };
    out.set(`${d.command}.schema.json`, JSON.stringify(doc, null, 2) + "\n");
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const [name, text] of generateSchemas()) {
    writeFileSync(join(SCHEMAS_DIR, name), text);
    process.stdout.write(`wrote schemas/${name}\n`);
  }
}
