/** The document `imgdiet analyze --json` prints, as a zod schema: types are inferred, schemas/analyze.schema.json generated. */
import { z } from "zod";
import { findingSchema } from "../finding/finding.js";

/**
 * Version of the analyze document. 2: findings follow the shared Finding model (ruleId, severity,
 * message, location) instead of { id, evidence }.
 */
export const ANALYSIS_SCHEMA_VERSION = 2;

/** A fresh schema at each use, so the generated JSON Schema inlines it instead of pointing into a sibling. */
const bytes = (): z.ZodNumber => z.number().int().nonnegative();

export const layerReportSchema = z
  .object({
    index: z.number().int().nonnegative(),
    digest: z.string(),
    diffId: z.string(),
    createdBy: z.string().describe("The instruction that created it, from the image history."),
    size: bytes().describe("Engine-equivalent size of this layer."),
    storedSize: bytes(),
    entries: z.number().int().nonnegative(),
    added: z.number().int().nonnegative(),
    modified: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
  })
  .strict();

/** Waste and efficiency, with dive's definitions, plus what is really unreachable. */
export const efficiencySchema = z
  .object({
    score: z.number().min(0).max(1).describe("dive: Σ smallest copy per path ÷ Σ all copies, over every path in every layer (1 = no waste)."),
    wastedBytes: bytes().describe("dive: Σ all copies (the surviving one included) of every path present in two or more layers."),
    userWastedPercent: z.number().nonnegative().describe("dive: wastedBytes ÷ bytes of all layers but the first (the base); a ratio, not a percentage."),
    unreachableBytes: bytes().describe("Bytes shipped in layers but invisible in the merged image: overwritten or deleted later."),
    inefficientPaths: z.array(z.object({ path: z.string(), copies: z.number().int().positive(), cumulativeSize: bytes() }).strict()).describe("The paths behind wastedBytes, largest first."),
  })
  .strict();

export const contentClassSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    bytes: bytes(),
    files: z.number().int().nonnegative(),
    examples: z.array(z.string()).describe("Largest files of the class, paths relative to the image root."),
  })
  .strict();

export const analysisSchema = z
  .object({
    schemaVersion: z.literal(ANALYSIS_SCHEMA_VERSION),
    reference: z.string(),
    imageId: z.string().describe("Digest of the image config (what docker images shows as IMAGE ID)."),
    os: z.string(),
    architecture: z.string(),
    size: bytes().describe("Bytes, computed exactly as the engine does (docker image inspect -f {{.Size}})."),
    storedSize: bytes().describe("Bytes of the layer blobs as stored (compressed for registries and OCI layouts)."),
    layers: z.array(layerReportSchema),
    efficiency: efficiencySchema,
    topFiles: z.array(z.object({ path: z.string(), size: bytes(), layer: z.number().int().nonnegative() }).strict()),
    topDirectories: z.array(z.object({ path: z.string(), size: bytes(), files: z.number().int().nonnegative() }).strict()),
    classes: z.array(contentClassSchema),
    findings: z.array(findingSchema).describe("Largest saving first."),
    unsafePaths: z.array(z.object({ layer: z.number().int().nonnegative(), path: z.string() }).strict()).describe("Entries with absolute paths or \"..\" found in layers: reported, never followed."),
    command: z
      .object({ entrypoint: z.array(z.string()).nullable(), cmd: z.array(z.string()).nullable(), user: z.string(), workingDir: z.string() })
      .strict(),
  })
  .strict()
  .describe("The result of imgdiet analyze: sizes, layers, waste, content classes and findings of one image");
