/** The json renderer: one document, two-space indented, one trailing newline (what `--json` prints). */
export function renderJson(doc: unknown): string {
  return JSON.stringify(doc, null, 2) + "\n";
}
