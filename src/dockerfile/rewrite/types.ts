/** The outcome of rewriting a Dockerfile into a multi-stage build. */
export type RewriteResult =
  | {
      applicable: true;
      /** The rewritten Dockerfile text. */
      dockerfile: string;
      /** The language whose build was rewritten, e.g. "go". */
      language: string;
      /** The base of the final stage, e.g. "scratch". */
      finalBase: string;
      /** What was done and why, and what the user should check; one sentence each. */
      notes: string[];
    }
  | {
      applicable: false;
      /** Why this strategy does not apply, specific enough to act on. */
      reason: string;
    };

export interface RewriteInput {
  dockerfileText: string;
  /** The build context the Dockerfile is built with (sources are read from it, never written). */
  contextDir: string;
}
