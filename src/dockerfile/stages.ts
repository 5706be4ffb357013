/**
 * The stage walker: what each stage of a parsed Dockerfile starts from and what is in effect at each of its
 * instructions — ARG and ENV values (as Docker expands them in FROM, COPY, WORKDIR, USER, ENV…), the working
 * directory, the user — which stages it reads files from (COPY --from, RUN --mount from=), and which stages
 * end up in the final image. Lint rules use it; it is meant for the rewriters too (see docs/lint.md).
 */
import path from "node:path";
import type { Dockerfile, Instruction, Stage } from "./parse.js";
import { whitespaceWords } from "./instruction-text.js";

export interface Step {
  instruction: Instruction;
  /** Working directory when the instruction runs ("/" unless a WORKDIR set one). */
  cwd: string;
  /** USER in effect (null: the base image's, normally root). */
  user: string | null;
  /** ARG and ENV values visible to the instruction, after expansion. */
  vars: ReadonlyMap<string, string>;
  /** ENV values only: what the commands of RUN, CMD and ENTRYPOINT see in their environment. */
  env: ReadonlyMap<string, string>;
}

export interface StageInfo {
  stage: Stage;
  /** The FROM reference with ARGs expanded. */
  base: string;
  /** Index of the earlier stage this one is built FROM, or null when it starts from an image. */
  parent: number | null;
  /** The image at the bottom of the FROM chain (`scratch`, `node:20-slim`, …). */
  rootImage: string;
  steps: Step[];
  /** Stages whose files this one reads (COPY/ADD --from, RUN --mount from=), by index. */
  readsFrom: number[];
  /** This stage's files are in the final image: it is the final stage or one of its FROM ancestors. */
  reachesFinal: boolean;
  /** The build needs it at all: it reaches the final image or a needed stage reads from it. */
  needed: boolean;
  /** A `/bin/sh` can be expected: not scratch or distroless (and none copied in), or a SHELL set. */
  hasShell: boolean;
  /** What is in effect after the last instruction: what a stage built FROM this one starts with. */
  end: { cwd: string; user: string | null; env: ReadonlyMap<string, string> };
}

export interface WalkedDockerfile {
  dockerfile: Dockerfile;
  stages: StageInfo[];
  /** The last stage: what `docker build` produces without `--target`. */
  final: StageInfo;
}

const SHELLS = new Set(["sh", "bash", "ash", "dash", "busybox"]);

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Docker's variable substitution in instructions: `$X`, `${X}`, `${X:-default}`, `${X:+alternative}`. Unknown names stay as written. */
export function expandVariables(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(VARIABLE, (whole, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    const value = vars.get(name);
    if (op === "-") return value !== undefined && value !== "" ? value : (word ?? "");
    if (op === "+") return value !== undefined && value !== "" ? (word ?? "") : "";
    return value ?? whole;
  });
}

/** Images without a shell: scratch, distroless (except its :debug tags), Chainguard's static. */
export function imageHasShell(image: string): boolean {
  const ref = image.toLowerCase();
  if (ref === "scratch") return false;
  if (/(^|\/)distroless\//.test(ref)) return /:debug/.test(ref);
  if (/^cgr\.dev\/chainguard\/static/.test(ref)) return false;
  return true;
}

/** The key=value pairs of a flag such as `--mount=type=cache,target=/root/.cache`. */
export function flagFields(value: string | null): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of (value ?? "").split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    else if (part.trim()) fields.set(part.trim().toLowerCase(), "");
  }
  return fields;
}

/** The stage a `--from=` value names (stage name or index), or null for an image reference. */
function stageNamed(value: string, stages: readonly StageInfo[], before: number): number | null {
  if (/^\d+$/.test(value)) {
    const i = Number(value);
    return i < before ? i : null;
  }
  const found = stages.slice(0, before).find((s) => s.stage.name === value.toLowerCase());
  return found ? found.stage.index : null;
}

function withProperty(vars: Map<string, string>, name: string, value: string | null, current: ReadonlyMap<string, string>): void {
  if (value !== null) vars.set(name, expandVariables(value, current));
  else if (!vars.has(name)) vars.set(name, "");
}

function walkStage(stage: Stage, globals: ReadonlyMap<string, string>, earlier: StageInfo[], buildArgs: Readonly<Record<string, string>>): StageInfo {
  const base = expandVariables(stage.base, globals);
  const parentIndex = stageNamed(base, earlier, stage.index);
  const parent = parentIndex === null ? null : earlier[parentIndex];
  // A stage built FROM another inherits its ENV, WORKDIR and USER, not its ARGs.
  const env = new Map(parent?.end.env ?? []);
  const args = new Map<string, string>();
  let cwd = parent?.end.cwd ?? "/";
  let user = parent?.end.user ?? null;
  let hasShell = parent ? parent.hasShell : imageHasShell(base);
  const readsFrom = new Set<number>();
  const steps: Step[] = [];
  for (const instruction of stage.instructions) {
    const vars = new Map([...args, ...env]);
    steps.push({ instruction, cwd, user, vars, env: new Map(env) });
    const { keyword } = instruction;
    if (keyword === "ARG") {
      // A bare `ARG NAME` after FROM brings in the global default of that name.
      for (const p of instruction.properties) withProperty(args, p.name, buildArgs[p.name] ?? p.value ?? globals.get(p.name) ?? null, vars);
    } else if (keyword === "ENV") {
      for (const p of instruction.properties) withProperty(env, p.name, p.value ?? "", vars);
    } else if (keyword === "WORKDIR") {
      cwd = path.posix.resolve(cwd, expandVariables(instruction.body, vars));
    } else if (keyword === "USER") {
      user = expandVariables(instruction.body, vars).trim();
    } else if (keyword === "SHELL") {
      hasShell = true;
    } else if (keyword === "COPY" || keyword === "ADD") {
      const from = instruction.flags.find((f) => f.name === "from")?.value;
      if (from) {
        const index = stageNamed(expandVariables(from, vars), earlier, stage.index);
        if (index !== null) readsFrom.add(index);
      }
      // A shell copied in (`COPY --from=busybox /bin/busybox /bin/sh`) makes the shell form work again.
      const words = (instruction.json ?? whitespaceWords(instruction.body)).map((w) => expandVariables(w, vars));
      if (words.some((w) => SHELLS.has(path.posix.basename(w)))) hasShell = true;
    } else if (keyword === "RUN") {
      for (const flag of instruction.flags.filter((f) => f.name === "mount")) {
        const from = flagFields(flag.value).get("from");
        const index = from === undefined ? null : stageNamed(expandVariables(from, vars), earlier, stage.index);
        if (index !== null) readsFrom.add(index);
      }
    }
  }
  return {
    stage,
    base,
    parent: parentIndex,
    rootImage: parent ? parent.rootImage : base,
    steps,
    readsFrom: [...readsFrom].sort((a, b) => a - b),
    reachesFinal: false,
    needed: false,
    hasShell,
    end: { cwd, user, env },
  };
}

/** Walks every stage in order. `buildArgs` stands for `--build-arg` values (they override ARG defaults). */
export function walkStages(dockerfile: Dockerfile, buildArgs: Readonly<Record<string, string>> = {}): WalkedDockerfile {
  const globals = new Map<string, string>();
  for (const arg of dockerfile.globalArgs)
    for (const p of arg.properties) withProperty(globals, p.name, buildArgs[p.name] ?? p.value, globals);
  const stages: StageInfo[] = [];
  for (const stage of dockerfile.stages) stages.push(walkStage(stage, globals, stages, buildArgs));
  const final = stages.at(-1);
  if (!final) throw new Error("walkStages needs a Dockerfile with at least one stage");
  for (let s: StageInfo | undefined = final; s; s = s.parent === null ? undefined : stages[s.parent]) s.reachesFinal = true;
  const pending = [final];
  while (pending.length > 0) {
    const s = pending.pop()!;
    if (s.needed) continue;
    s.needed = true;
    for (const i of [...s.readsFrom, ...(s.parent === null ? [] : [s.parent])]) pending.push(stages[i]);
  }
  return { dockerfile, stages, final };
}
