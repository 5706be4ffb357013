/**
 * What every `--json` document shares: a `schemaVersion` beside the result it carries, and a
 * compile-time check that a zod schema and the interface it describes have the same fields.
 */
import { z } from "zod";

/** The document schema for a result schema: the result's fields plus `schemaVersion`, nothing else. */
export function versionedDocument<T extends z.ZodRawShape, V extends number>(result: z.ZodObject<T>, version: V, description: string) {
  return result.extend({ schemaVersion: z.literal(version) }).strict().describe(description);
}

/** `true` when A and B are the same type; used as `Assert<Same<Interface, z.infer<typeof schema>>>`. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Assert<T extends true> = T;
