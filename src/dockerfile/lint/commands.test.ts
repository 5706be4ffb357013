import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { cacheMountTargets, commandsOf, commandsOfScript, removesDir } from "./commands.js";

const run = (line: string) => parseDockerfile(`FROM debian\n${line}\n`).stages[0]!.instructions[0]!;
const brief = (line: string) => commandsOf(run(line)).map((c) => [c.program, ...c.args].join(" "));

describe("commandsOf", () => {
  it("splits && ; | chains and takes off prefixes and wrappers", () => {
    expect(brief("RUN set -eux; DEBIAN_FRONTEND=noninteractive sudo -E apt-get install -y curl && exec env FOO=1 /usr/bin/pip3 install x | tee log")).toEqual([
      "set -eux",
      "apt-get install -y curl",
      "pip3 install x",
      "tee log",
    ]);
    expect(commandsOfScript("CGO_ENABLED=0 go build .")[0]!.env.get("CGO_ENABLED")).toBe("0");
  });

  it("looks into sh -c, python -m and the exec form", () => {
    expect(brief('RUN ["/bin/sh", "-c", "npm ci && npm run build"]')).toEqual(["npm ci", "npm run build"]);
    expect(brief('RUN ["npm", "ci"]')).toEqual(["npm ci"]);
    expect(brief("RUN bash -lc 'apk add --no-cache git'")).toEqual(["apk add --no-cache git"]);
    expect(brief("RUN python3 -m pip install --user flask")).toEqual(["pip install --user flask"]);
  });

  it("reads RUN heredoc bodies as the script, unless another interpreter runs them", () => {
    expect(brief("RUN <<EOF\napt-get update\napt-get install -y git\nEOF")).toEqual(["apt-get update", "apt-get install -y git"]);
    expect(brief("RUN <<-'EOT' bash\n\techo hi\n\tEOT")).toEqual(["bash", "echo hi"]);
    expect(brief("RUN <<EOF python3\nimport os\nEOF")).toEqual(["python3"]);
  });

  it("reads cache mounts and rm of a directory or its contents", () => {
    const i = run("RUN --mount=type=cache,target=/root/.cache/pip/ --mount=type=bind,source=x,target=/x --mount=type=tmpfs,dst=/tmp true");
    expect(cacheMountTargets(i)).toEqual(["/root/.cache/pip", "/tmp"]);
    const rm = commandsOfScript("rm -rf /var/lib/apt/lists/* /tmp/x");
    expect(removesDir(rm, "/var/lib/apt/lists")).toBe(true);
    expect(removesDir(rm, "/var/lib/apt")).toBe(false);
    expect(removesDir(commandsOfScript("rm -rf /var/lib/apt"), "/var/lib/apt/lists")).toBe(true);
    expect(removesDir(commandsOfScript("rm -f /var/lib/apt/lists/*_*"), "/var/lib/apt/lists")).toBe(true);
  });
});
