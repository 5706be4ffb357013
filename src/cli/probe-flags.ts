/** The probe flags slim, verify and diet share: commander wiring only (parsing is probe/flags.ts). */
import type { Command } from "commander";

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function addProbeOptions(cmd: Command): Command {
  return cmd
    .option("--probe-args <args>", "run the image with these arguments (repeatable)", collect)
    .option("--probe-stdin <text|@file>", "run the default command with this stdin (repeatable)", collect)
    .option("--http-probe <request>", "start the server and send [METHOD] [https://]PORT/PATH [-H 'Name: value']... [BODY] (repeatable)", collect)
    .option("--probes <file>", "probes file (YAML or JSON, see README)")
    .option("--probe-timeout <seconds>", "kill a command probe after this long; HTTP: the request's timeout (default 30)")
    .option("--ready-timeout <seconds>", "how long an HTTP probe waits for the port to answer (default 30)")
    .option("--no-shadow", "no shadow probes (the variants imgdiet derives: unknown path, HEAD, --help, empty stdin, …)");
}
