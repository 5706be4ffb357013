/** The document `imgdiet diff --json` prints, as a zod schema (schemas/diff.schema.json is generated from it). */
import { z } from "zod";
import { versionedDocument } from "../document.js";

export const DIFF_SCHEMA_VERSION = 1;

const bytes = (): z.ZodNumber => z.number().int().nonnegative();
const count = (): z.ZodNumber => z.number().int().nonnegative();
const delta = (): z.ZodNumber => z.number().int();

export const DIFF_FIELDS = ["type", "size", "mode", "owner", "link", "content", "mtime"] as const;

export const fileStateSchema = z
  .object({
    type: z.enum(["file", "hardlink", "symlink", "char", "block", "dir", "fifo"]),
    size: bytes().describe("Bytes a regular file holds (0 for other types)."),
    mode: z.number().int().nonnegative().describe("Permission bits (with setuid, setgid, sticky), e.g. 493 = 0755."),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
    link: z.string().optional().describe("Target of a symlink or hardlink."),
    digest: z.string().optional().describe("sha256 of a regular file's content."),
    mtime: z.number().int().optional().describe("Modification time, seconds since the epoch (only with --mtime)."),
  })
  .strict();

const pathed = (what: string) => fileStateSchema.extend({ path: z.string().describe(`Absolute path ${what}.`) }).strict();

export const changedFileSchema = z
  .object({
    path: z.string().describe("Absolute path, present in both images."),
    fields: z.array(z.enum(DIFF_FIELDS)).min(1).describe("What differs: type, size, mode, owner (uid/gid), link (target), content (digest); mtime only with --mtime."),
    a: fileStateSchema,
    b: fileStateSchema,
  })
  .strict();

export const sizeGroupSchema = z
  .object({
    sizeDelta: delta().describe("Bytes in B − bytes in A of the paths in this group (files, symlink targets)."),
    added: count(),
    removed: count(),
    changed: count(),
  })
  .strict();

export const imageSideSchema = z
  .object({
    reference: z.string(),
    imageId: z.string().describe("Config digest."),
    size: bytes().describe("Engine size, as `docker images` counts it."),
    layers: count(),
    paths: count().describe("Paths in the merged filesystem."),
  })
  .strict();

const layerRef = () => z.object({ diffId: z.string(), index: count(), size: bytes().describe("The layer's engine size.") }).strict();

export const diffResultSchema = z
  .object({
    a: imageSideSchema,
    b: imageSideSchema,
    sizeDelta: delta().describe("b.size − a.size."),
    summary: z.object({ added: count(), removed: count(), changed: count(), unchanged: count() }).strict(),
    added: z.array(pathed("present only in B")).describe("Sorted by path."),
    removed: z.array(pathed("present only in A")).describe("Sorted by path."),
    changed: z.array(changedFileSchema).describe("Sorted by path."),
    byDirectory: z.array(sizeGroupSchema.extend({ path: z.string() }).strict()).describe("Changes grouped by directory (to --depth levels), largest |sizeDelta| first."),
    byClass: z.array(sizeGroupSchema.extend({ id: z.string(), title: z.string() }).strict()).describe("Changes grouped by content class (as in analyze), largest |sizeDelta| first."),
    layers: z
      .object({
        shared: z.array(z.object({ diffId: z.string(), indexA: count(), indexB: count(), size: bytes() }).strict()).describe("Layers (by diff_id) in both images."),
        onlyA: z.array(layerRef()),
        onlyB: z.array(layerRef()),
      })
      .strict(),
  })
  .strict();

export const diffDocumentSchema = versionedDocument(diffResultSchema, DIFF_SCHEMA_VERSION, "The result of imgdiet diff: files added, removed and changed between two images, size deltas by directory and class, and the layers they share");

export type FileState = z.infer<typeof fileStateSchema>;
export type ChangedFile = z.infer<typeof changedFileSchema>;
export type DiffField = (typeof DIFF_FIELDS)[number];
export type ImageDiff = z.infer<typeof diffDocumentSchema>;
