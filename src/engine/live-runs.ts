/**
 * What imgdiet has running or staged right now (probe containers, staged tracers), so that an
 * interrupted run leaves nothing behind: on SIGINT, SIGTERM or SIGHUP each is cleaned up, then the
 * signal is raised again with its default action (unless someone else listens for it). The handlers
 * are installed only while something is live, so a library user's own handling is left alone the
 * rest of the time. A second signal during the cleanup exits at once.
 *
 * Once interrupted, engine calls stall (stallIfInterrupted) instead of returning or failing: the
 * caller must not see a removed container as a result, nor exit the process with an error before the
 * cleanup is done. The process ends when the signal is raised again.
 */
import { constants } from "node:os";

type Cleanup = () => Promise<unknown>;

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type Signal = (typeof SIGNALS)[number];

/** How long the cleanup may take before the signal is delivered anyway. */
const CLEANUP_BUDGET_MS = 15_000;

const live = new Map<symbol, Cleanup>();
let interrupted: Signal | undefined;
const handlers = new Map<Signal, () => void>();

/** The signal that interrupted this process, if one did: nothing new may start then. */
export function interruptedBy(): Signal | undefined {
  return interrupted;
}

const never = new Promise<never>(() => {});

/** Never settles once the process has been interrupted; resolves at once otherwise. */
export async function stallIfInterrupted(): Promise<void> {
  if (interrupted) await never;
}

/** Remember `cleanup` until the returned release function is called; run it if the process is interrupted first. */
export function holdLive(cleanup: Cleanup): () => void {
  const key = Symbol("live");
  live.set(key, cleanup);
  install();
  return () => {
    live.delete(key);
    if (live.size === 0 && !interrupted) uninstall();
  };
}

function install(): void {
  if (handlers.size > 0) return;
  for (const signal of SIGNALS) {
    const handler = () => void onSignal(signal);
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function uninstall(): void {
  for (const [signal, handler] of handlers) process.off(signal, handler);
  handlers.clear();
}

async function onSignal(signal: Signal): Promise<void> {
  if (interrupted) process.exit(128 + constants.signals[signal]);
  interrupted = signal;
  const cleanups = [...live.values()];
  live.clear();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(cleanups.map((c) => c())),
    new Promise((r) => (timer = setTimeout(r, CLEANUP_BUDGET_MS))),
  ]);
  clearTimeout(timer);
  uninstall();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
