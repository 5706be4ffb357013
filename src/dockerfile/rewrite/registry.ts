/**
 * The rewriters, one per language: each says whether a Dockerfile builds its kind of program
 * (`detect`) and rewrites it into a multi-stage build whose final stage holds what the program needs
 * and nothing else (`rewrite`). rewriteMultiStage (index.ts) asks them in order; the first that
 * detects its language rewrites. Go comes first (a Go build inside an image of another language is
 * still a Go build); the generic toolchain rewriter, when there is one, comes last.
 */
import type { Dockerfile, Stage } from "../parse.js";
import type { WalkedDockerfile } from "../stages.js";
import type { RewriteResult } from "./types.js";

/** What a rewriter is given: the Dockerfile (text, parse, walk) and the build context (read, never written). */
export interface RewriteContext {
  text: string;
  dockerfile: Dockerfile;
  walked: WalkedDockerfile;
  /** The stage `docker build` produces (the last one). */
  finalStage: Stage;
  /** Absolute path of the build context. */
  contextDir: string;
  /**
   * What the built original image showed at run time, when an engine built and traced it (diet,
   * `rewrite --verify`): the packages owning the files the program touched. Absent for a pure-text
   * rewrite; rewriters that need it say so in their reason.
   */
  runtime?: RuntimeEvidence;
}

export interface RuntimeEvidence {
  /** Distribution packages (dpkg or apk names) that own a file the program touched under its probes. */
  packages: string[];
  /** Absolute paths the program touched. */
  touched: string[];
  /**
   * Touched files (not directories) that no package owns and that are not the kernel's (/proc, /sys,
   * /dev): the application's own files and what its build wrote. Optional: older evidence lacks it.
   */
  unowned?: string[];
}

export interface Rewriter {
  language: string;
  /** The evidence this Dockerfile builds this language's program ("line 4: RUN cargo build"), or undefined. */
  detect(ctx: RewriteContext): Promise<string | undefined>;
  rewrite(ctx: RewriteContext): Promise<RewriteResult>;
  /**
   * The rewrite reads ctx.runtime. Callers with an engine (diet, `rewrite --verify`) then trace the built
   * original before asking it to rewrite; tracing is skipped for rewriters that do not set this.
   */
  needsRuntime?: boolean;
}
