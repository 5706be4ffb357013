/**
 * The one model for what imgdiet says about an image or a file: analyze's image findings today, the
 * Dockerfile linter's and the CI gate's later. Every output format (text, json, sarif) renders these.
 * Defined as zod schemas so the JSON Schema of documents that carry findings is generated from them.
 */
import { z } from "zod";

export const severitySchema = z.enum(["error", "warning", "info"]).describe("How serious: error, warning or info");

/** A place inside an image: a path of the merged filesystem and/or the layer that holds it. */
export const imageLocationSchema = z
  .object({
    kind: z.literal("image"),
    path: z.string().optional().describe("Absolute path inside the image; absent when the finding is about the image as a whole (e.g. its config)."),
    layer: z
      .object({
        index: z.number().int().nonnegative().optional().describe("Position of the layer, 0 = base."),
        diffId: z.string().optional().describe("The layer's uncompressed digest (rootfs.diff_ids)."),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A fresh schema at each use, so the generated JSON Schema inlines it instead of pointing into a sibling. */
const positionSchema = () =>
  z
    .object({
      line: z.number().int().positive().describe("1-based line."),
      column: z.number().int().positive().describe("1-based column."),
    })
    .strict();

/** A range of a text file, such as a Dockerfile instruction. */
export const fileLocationSchema = z
  .object({
    kind: z.literal("file"),
    file: z.string(),
    range: z.object({ start: positionSchema(), end: positionSchema() }).strict(),
  })
  .strict();

export const locationSchema = z.discriminatedUnion("kind", [imageLocationSchema, fileLocationSchema]);

export const findingSchema = z
  .object({
    ruleId: z.string().describe("The rule that produced it (e.g. toolchain-in-image)."),
    severity: severitySchema,
    title: z.string().describe("The rule's one-line title."),
    message: z.string().describe("What was seen, one item per line (paths, layers, commands)."),
    location: locationSchema,
    saving: z.number().int().nonnegative().optional().describe("Bytes the fix would remove (an estimate where the rule's documentation says so)."),
    fix: z.string().optional().describe("How to fix it, as text."),
  })
  .strict();

export type Severity = z.infer<typeof severitySchema>;
export type ImageLocation = z.infer<typeof imageLocationSchema>;
export type FileLocation = z.infer<typeof fileLocationSchema>;
export type Location = z.infer<typeof locationSchema>;
export type Finding = z.infer<typeof findingSchema>;

/** What a renderer needs to know about a rule (SARIF's reportingDescriptor): hadolint's id, title, documentation. */
export interface RuleDescriptor {
  id: string;
  title: string;
  /** The documentation paragraph: why it matters, how to fix it, what the saving counts. */
  doc: string;
  severity: Severity;
}
