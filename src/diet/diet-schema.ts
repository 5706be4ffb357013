/** The document `imgdiet diet --json` prints, as a zod schema (schemas/diet.schema.json is generated from it). */
import { z } from "zod";
import { versionedDocument, type Assert, type Same } from "../document.js";
import type { DietResult } from "./diet.js";
import type { LeaderboardRow } from "./leaderboard.js";

export const DIET_SCHEMA_VERSION = 1;

/** A fresh schema at each use, so the generated JSON Schema inlines it instead of pointing into a sibling. */
const bytes = (): z.ZodNumber => z.number().int().nonnegative();
const count = bytes;

export const leaderboardRowSchema = z
  .object({
    strategy: z.string().describe("The strategy, or the step of a refining strategy (\"strip\", \"upx --best\")."),
    basedOn: z.string().optional().describe("For refining steps: the candidate they were applied to."),
    status: z.enum(["verified", "differs", "failed", "skipped", "not applicable"]),
    image: z.string().optional().describe("The image in the engine: the result tag for the winner, else the candidate's reference."),
    kept: z.boolean().optional().describe("Whether image is still in the engine after the run."),
    size: bytes().optional().describe("Bytes, exactly as docker images reports them."),
    reduction: z.number().nonnegative().optional().describe("Original size divided by this size."),
    verified: z.boolean(),
    firstDifference: z.string().optional(),
    probes: z.array(z.object({ name: z.string(), passed: z.boolean(), difference: z.string().optional() }).strict()).optional(),
    shadow: z.object({ ran: count(), passed: count() }).strict().optional().describe("Shadow probes run on this candidate and how many it answered as the original does."),
    reason: z.string().optional().describe("Why there is no candidate (skipped, not applicable, failed)."),
    notes: z.array(z.string()),
    seconds: z.number().nonnegative().describe("Wall time of the strategy (building and verifying), seconds."),
    winner: z.boolean(),
  })
  .strict();

export const dietResultSchema = z
  .object({
    target: z.string().describe("The context directory or image reference the diet ran on."),
    mode: z.enum(["dockerfile", "image"]),
    dockerfile: z.string().optional(),
    name: z.string(),
    original: z.object({ image: z.string(), size: bytes() }).strict(),
    probes: z.array(z.string()).describe("Probe names."),
    shadow: z
      .object({ derived: count(), nondeterministic: count(), originalFails: count() })
      .strict()
      .optional()
      .describe("Shadow probes derived from the given ones; dropped because the original answered them differently on two runs, or fails them. Absent with --no-shadow."),
    leaderboard: z.array(leaderboardRowSchema).describe("Ranked: verified smallest first, then the rest."),
    winner: z.object({ strategy: z.string(), image: z.string(), size: bytes(), reduction: z.number().nonnegative() }).strict().optional(),
    dietDockerfile: z.string().optional().describe("The rewritten Dockerfile the multi-stage strategy left next to the original (when it verified)."),
    removed: z.array(z.string()).describe("Candidate images removed at the end."),
    seconds: z.number().nonnegative(),
  })
  .strict();

export const dietDocumentSchema = versionedDocument(dietResultSchema, DIET_SCHEMA_VERSION, "The result of imgdiet diet: every strategy's candidate, verified or not, ranked; the winner");

export type DietDocument = z.infer<typeof dietDocumentSchema>;

export function dietDocument(r: DietResult): DietDocument {
  return { schemaVersion: DIET_SCHEMA_VERSION, ...r };
}

// The schemas describe the interfaces diet produces: a field added to one and not the other fails the type check.
export type DietSchemasInSync = Assert<Same<LeaderboardRow, z.infer<typeof leaderboardRowSchema>> & Same<DietResult, z.infer<typeof dietResultSchema>>>;
