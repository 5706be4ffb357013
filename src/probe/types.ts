/**
 * Probes: the questions we ask an image to prove it still behaves. Shared by slim (trace),
 * diet (verify) and the probes file parser.
 */

/** Run the image like `docker run IMG [args]`, feed `stdin` (then close it). */
export interface CommandProbe {
  kind: "command";
  name: string;
  /** Replace the image's Cmd (the Entrypoint stays), like `docker run IMG args…`. */
  args?: string[];
  /** Written to the program's stdin, which is then closed. Absent means empty stdin. */
  stdin?: string;
}

/** Start the image detached with `port` published and send one HTTP request to it. */
export interface HttpProbe {
  kind: "http";
  name: string;
  method: string;
  port: number;
  path: string;
  body?: string;
  headers?: Record<string, string>;
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
  http?: { status: number; body: string };
  timedOut: boolean;
  /** Why the probe could not produce a result (cannot start, port never answered, …). */
  error?: string;
}

export interface ProbeRunOptions {
  /** Command probes: kill after this long. HTTP probes: the request's own timeout. Default 30 s. */
  timeoutMs?: number;
  /** HTTP probes: how long to wait for the port to answer. Default 30 s. */
  readyTimeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
