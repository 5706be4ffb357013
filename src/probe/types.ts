/**
 * Probes: the questions we ask an image to prove it still behaves. Shared by slim (trace),
 * diet (verify) and the probes file parser.
 */

/** What a shadow probe was derived from (shadow.ts): the given probe and the variant's name. */
export interface ShadowOrigin {
  /** The given probe's name. */
  of: string;
  /** The variant, e.g. "unknown path", "HEAD", "--help". */
  variant: string;
}

/** Run the image like `docker run IMG [args]`, feed `stdin` (then close it). */
export interface CommandProbe {
  kind: "command";
  name: string;
  /** Set on probes imgdiet derived itself (shadow.ts), absent on the ones the user gave. */
  shadow?: ShadowOrigin;
  /** Replace the image's Cmd (the Entrypoint stays), like `docker run IMG args…`. */
  args?: string[];
  /** Written to the program's stdin, which is then closed. Absent means empty stdin. */
  stdin?: string;
}

/** Start the image detached with `port` published and send one HTTP request to it. */
export interface HttpProbe {
  kind: "http";
  name: string;
  shadow?: ShadowOrigin;
  method: string;
  port: number;
  path: string;
  body?: string;
  /** Sent as given, over the defaults (http.ts: Host, User-Agent, Accept, Accept-Encoding, Content-Type). */
  headers?: Record<string, string>;
  /** "https": TLS (any certificate accepted); "http": plain; absent: plain, or TLS when the port answers only that. */
  scheme?: "http" | "https";
}

export type Probe = CommandProbe | HttpProbe;

export interface ProbeResult {
  /** The probe's name. */
  probe: string;
  /** The program's exit code; null when it was killed on timeout, never started, or (HTTP) was still serving. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** HTTP probes that got an answer. */
  http?: HttpResult;
  timedOut: boolean;
  /** Why the probe could not produce a result (cannot start, port never answered, …). */
  error?: string;
}

/** An HTTP answer as a client sees it: the body decoded (gzip, br, deflate), and the headers that matter to clients. */
export interface HttpResult {
  status: number;
  body: string;
  /** Content-Type, Location (redirects are recorded, not followed), Allow, Content-Encoding as sent; lower-case names. */
  headers?: Record<string, string>;
  /** True when the port spoke TLS. */
  tls?: boolean;
}

export interface ProbeRunOptions {
  /** Command probes: kill after this long. HTTP probes: the request's own timeout. Default 30 s. */
  timeoutMs?: number;
  /** HTTP probes: how long to wait for the port to answer. Default 30 s. */
  readyTimeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
