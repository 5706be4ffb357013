import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { walkStages } from "../stages.js";
import { rewriteMultiStage, type RewriteResult } from "./index.js";
import { pythonSteps } from "./python-pip.js";
import { pythonRewriter } from "./python.js";
import type { RewriteContext, RuntimeEvidence } from "./registry.js";

let contextDir: string;
beforeAll(async () => {
  contextDir = await mkdtemp(path.join(tmpdir(), "imgdiet-python-"));
});
afterAll(async () => {
  await rm(contextDir, { recursive: true, force: true });
});

const FAT = `FROM debian:bookworm
RUN apt-get update && apt-get install -y python3 python3-pip python3-venv python3-dev python3-flask build-essential libpq-dev
COPY . /app
WORKDIR /app
# the C extension is why the compiler is here
RUN pip3 install --no-index --break-system-packages ./wordstat
EXPOSE 8000
CMD ["python3", "server.py"]
`;

function context(text: string, runtime?: RuntimeEvidence): RewriteContext {
  const dockerfile = parseDockerfile(text);
  return { text, dockerfile, walked: walkStages(dockerfile), finalStage: dockerfile.stages.at(-1)!, contextDir, ...(runtime ? { runtime } : {}) };
}

async function applicable(text: string, runtime?: RuntimeEvidence): Promise<Extract<RewriteResult, { applicable: true }>> {
  const result = await pythonRewriter.rewrite(context(text, runtime));
  if (!result.applicable) throw new Error(`not applicable: ${result.reason}`);
  parseDockerfile(result.dockerfile);
  return result;
}

const stageLines = (dockerfile: string, index = -1) => parseDockerfile(dockerfile).stages.at(index)!.instructions.map((i) => i.raw);

describe("where pip installs", () => {
  const dirs = (run: string, prefix = "") => {
    const walked = walkStages(parseDockerfile(`FROM debian\n${prefix}RUN ${run}\n`));
    return pythonSteps(walked.final.steps.at(-1)!);
  };
  it("system pip → /usr/local; --user, --target, --prefix, --root → their directories", () => {
    expect(dirs("pip install -r requirements.txt")).toEqual({ installs: true, dirs: ["/usr/local"] });
    expect(dirs("python3 -m pip install --user flask")).toEqual({ installs: true, dirs: ["/root/.local"] });
    expect(dirs("pip3 install --target=deps .", "WORKDIR /app\n")).toEqual({ installs: true, dirs: ["/app/deps"] });
    expect(dirs("pip install --prefix /install -r req.txt && pip install --root /r x")).toEqual({ installs: true, dirs: ["/install", "/r"] });
    expect(dirs("pip install --user x", "USER app\n")).toEqual({ installs: true, dirs: ["/home/app/.local"] });
  });
  it("a virtualenv, created or used through its own pip", () => {
    expect(dirs("python3 -m venv /opt/venv && /opt/venv/bin/pip install -r r.txt")).toEqual({ installs: true, dirs: ["/opt/venv"] });
    expect(dirs("virtualenv --system-site-packages .venv && .venv/bin/pip install .", "WORKDIR /srv\n")).toEqual({ installs: true, dirs: ["/srv/.venv"] });
  });
  it("other commands install nothing", () => {
    expect(dirs("python3 manage.py collectstatic")).toEqual({ installs: false, dirs: [] });
    expect(dirs("pip freeze > /tmp/x")).toEqual({ installs: false, dirs: [] });
  });
});

describe("python rewriter", () => {
  it("detects pip installs and python commands", async () => {
    expect(await pythonRewriter.detect(context(FAT))).toBe("line 6: RUN pip3 install --no-index --break-system-packages ./wordstat");
    expect(await pythonRewriter.detect(context('FROM debian\nRUN apt-get install -y python3\nCMD ["python3", "-m", "http.server"]\n'))).toBe('line 3: CMD ["python3", "-m", "http.server"]');
    expect(await pythonRewriter.detect(context("FROM debian\nCMD [\"/app\"]\n"))).toBeUndefined();
  });

  it("builds with pip in a build stage and keeps only the interpreter and Python libraries in the final stage", async () => {
    const result = await applicable(FAT);
    expect(result.language).toBe("python");
    expect(result.finalBase).toBe("debian:bookworm");
    const stages = parseDockerfile(result.dockerfile).stages;
    expect(stages.map((s) => s.name)).toEqual(["build", null]);
    expect(stageLines(result.dockerfile, 0)).toEqual(FAT.split("\n").filter((l) => /^(RUN|COPY|WORKDIR)/.test(l)));
    const final = stageLines(result.dockerfile);
    expect(final[0]).toContain('wanted="python3 python3-flask"');
    expect(final[0]).not.toMatch(/pip|venv|python3-dev|build-essential|libpq-dev/);
    expect(final.slice(1)).toEqual([
      "COPY --from=build /app /app",
      "WORKDIR /app",
      "COPY --from=build /usr/local /usr/local",
      "EXPOSE 8000",
      'CMD ["python3", "server.py"]',
    ]);
    expect(result.notes[1]).toBe("Dropped from the final stage: python3-pip, python3-venv, python3-dev, build-essential, libpq-dev (compilers, headers, installers and tools the program does not run).");
  });

  it("every added line says why, the user's comments stay", async () => {
    const { dockerfile } = await applicable(FAT);
    const lines = dockerfile.split("\n");
    for (const [i, line] of lines.entries())
      if (/^(FROM|COPY --from|RUN printf)/.test(line)) expect(lines[i - 1], line).toMatch(/^# why: /);
    expect(dockerfile).toContain("# the C extension is why the compiler is here\nRUN pip3 install");
  });

  it("adds the packages the trace saw (a C extension's libpq5, even a compiler the program runs), never pip or headers", async () => {
    const { dockerfile } = await applicable(FAT, {
      packages: ["python3.11-minimal", "libpq5:amd64", "libc6:amd64", "python3-pip", "gcc-12"],
      touched: [],
      unowned: ["/app/server.py", "/opt/data/model.bin", "/usr/lib/python3.11/__pycache__/os.cpython-311.pyc", "/etc/ld.so.cache"],
    });
    const final = stageLines(dockerfile);
    expect(final[0]).toContain('wanted="gcc-12 libc6 libpq5 python3 python3-flask python3.11-minimal"');
    expect(final[0]).not.toContain("python3-pip");
    // A file the program read that no COPY destination brings is copied from the builder.
    expect(final).toContain("COPY --from=build /opt/data/model.bin /opt/data/model.bin");
    expect(final).not.toContain("COPY --from=build /app/server.py /app/server.py");
    expect(final.filter((l) => l.startsWith("COPY --from=build")).length).toBe(3);
  });

  it("copies a virtualenv and keeps COPY flags", async () => {
    const { dockerfile } = await applicable(`FROM ubuntu:22.04
RUN apt-get update && apt-get install -y python3 python3-venv gcc
RUN python3 -m venv /opt/venv
COPY --chown=app:app requirements.txt /srv/
RUN /opt/venv/bin/pip install -r /srv/requirements.txt
ENV PATH=/opt/venv/bin:$PATH
CMD ["python3", "/srv/app.py"]
`);
    expect(stageLines(dockerfile).slice(1)).toEqual([
      "COPY --from=build --chown=app:app /srv /srv",
      "COPY --from=build /opt/venv /opt/venv",
      "ENV PATH=/opt/venv/bin:$PATH",
      'CMD ["python3", "/srv/app.py"]',
    ]);
  });

  it("on an official python:X.Y image: copies site-packages and /usr/local/bin, keeps only run-time libraries", async () => {
    const text = `FROM python:3.12-slim
RUN apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /app/
RUN pip install -r /app/requirements.txt
COPY app.py /app/
CMD ["gunicorn", "app:app"]
`;
    const { dockerfile, finalBase } = await applicable(text, { packages: ["libpq5:amd64", "libc6:amd64", "gcc-12"], touched: [] });
    expect(finalBase).toBe("python:3.12-slim");
    const final = stageLines(dockerfile);
    expect(final[0]).toContain('wanted="gcc-12 libc6 libpq5"');
    expect(final.slice(1)).toEqual([
      "COPY --from=build /app /app",
      "COPY --from=build /usr/local/lib/python3.12/site-packages /usr/local/lib/python3.12/site-packages",
      "COPY --from=build /usr/local/bin /usr/local/bin",
      'CMD ["gunicorn", "app:app"]',
    ]);
    // Without evidence nothing declared is a run-time package: no install line at all.
    const bare = stageLines((await applicable(text)).dockerfile);
    expect(bare.some((l) => l.includes("apt-get"))).toBe(false);
  });

  it("is not applicable when the base image's Python version is unknown, or apk installs it", async () => {
    expect(await rewriteMultiStage({ dockerfileText: 'FROM python:3\nRUN pip install flask\nCMD ["python", "app.py"]\n', contextDir })).toEqual({
      applicable: false,
      reason: "python: the interpreter comes from the base image python:3, whose tag names no Python version; this rewrite rebuilds images that install python3 with apt-get, or official python:X.Y images (the slim strategy covers the others)",
    });
    const apk = await pythonRewriter.rewrite(context('FROM alpine:3.19\nRUN apk add python3 py3-pip\nRUN pip install --break-system-packages flask\nCMD ["python3", "app.py"]\n'));
    expect(apk.applicable === false && apk.reason).toMatch(/^python: the interpreter is installed with apk; /);
  });
});
