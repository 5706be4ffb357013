/**
 * Where a stage's pip installs put the packages' files: the system prefix (/usr/local on Debian's
 * Python), `--user`'s ~/.local, `--target`/`--prefix`/`--root` directories, or a virtualenv (created
 * with `python3 -m venv DIR` or `virtualenv DIR`, or whose own bin/pip runs). The Python rewriter copies
 * exactly these from the build stage.
 */
import path from "node:path";
import { splitCommands, tokenizeShell } from "../shell-words.js";
import { expandVariables, type Step } from "../stages.js";

export interface PythonSteps {
  /** The step runs pip install, creates a virtualenv, or runs setup.py install. */
  installs: boolean;
  /** Absolute directories holding what it installed. */
  dirs: string[];
}

const PYTHON = /^python[\d.]*$/;
const PIP = /^pip[\d.]*$/;
const SYSTEM_BIN = /^\/usr(\/local)?\/bin\//;
/** pip options naming where the packages go. */
const TARGET_OPTIONS = new Set(["--target", "-t", "--prefix", "--root"]);

function userHome(user: string | null): string {
  const name = user?.split(":")[0] ?? "root";
  return name === "root" || name === "0" ? "/root" : `/home/${name}`;
}

/** Reads one RUN step's pip, venv and setup.py commands. */
export function pythonSteps(step: Step): PythonSteps {
  const { instruction } = step;
  const script = instruction.command?.form === "shell" ? instruction.command.shell : instruction.command?.exec?.join(" ");
  const result: PythonSteps = { installs: false, dirs: [] };
  if (instruction.keyword !== "RUN" || !script) return result;
  let cwd = step.cwd;
  const abs = (dir: string) => path.posix.resolve(cwd, expandVariables(dir, step.vars));
  for (const command of splitCommands(tokenizeShell(script))) {
    let words = command.words.map((w) => w.value);
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) words = words.slice(1);
    if (words.length === 0) continue;
    const program = words[0];
    const name = path.posix.basename(program);
    if (name === "cd" && words[1]) cwd = abs(words[1]);
    let args: string[] | null = null;
    if (PIP.test(name)) args = words.slice(1);
    else if (PYTHON.test(name) && words[1] === "-m" && PIP.test(words[2] ?? "")) args = words.slice(3);
    else if (PYTHON.test(name) && words[1] === "-m" && (words[2] === "venv" || words[2] === "virtualenv")) {
      const dir = words.slice(3).filter((w) => !w.startsWith("-")).at(-1);
      if (dir) result.dirs.push(abs(dir));
      result.installs = true;
    } else if (name === "virtualenv") {
      const dir = words.slice(1).filter((w) => !w.startsWith("-")).at(-1);
      if (dir) result.dirs.push(abs(dir));
      result.installs = true;
    } else if (PYTHON.test(name) && words[1] === "setup.py" && words.includes("install")) {
      result.installs = true;
      result.dirs.push("/usr/local");
    }
    if (args === null || args[0] !== "install") continue;
    result.installs = true;
    const before = result.dirs.length;
    for (let i = 1; i < args.length; i++) {
      const [option, inline] = args[i].split("=", 2) as [string, string | undefined];
      if (TARGET_OPTIONS.has(option)) {
        const value = inline ?? args[++i];
        if (value) result.dirs.push(abs(value));
      } else if (option === "--user") result.dirs.push(`${userHome(step.user)}/.local`);
    }
    if (result.dirs.length > before) continue;
    // A virtualenv's own pip (/opt/venv/bin/pip) installs into the virtualenv; any other into the system prefix.
    if (program.includes("/") && !SYSTEM_BIN.test(program)) result.dirs.push(path.posix.dirname(path.posix.dirname(abs(program))));
    else result.dirs.push("/usr/local");
  }
  result.dirs = [...new Set(result.dirs)];
  return result;
}
