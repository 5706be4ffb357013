import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../errors.js";
import { BuildFailed, buildImage, parseBuildLine } from "./build.js";
import { inspectImage, removeImage } from "./client.js";
import { listContainers } from "./container.js";
import { runProbe } from "../probe/run.js";

vi.setConfig({ testTimeout: 120_000 });

const LONG = `${"deep/".repeat(25)}${"n".repeat(60)}.txt`; // > 100 bytes: needs a PAX header
let root: string;
const tags: string[] = [];

async function write(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "imgdiet-build-"));
  const ctx = join(root, "ctx");
  await write(join(ctx, "keep.txt"), "keep\n");
  await write(join(ctx, "secret.txt"), "secret\n");
  await write(join(ctx, "logs/app.log"), "log\n");
  await write(join(ctx, "x.tmp"), "tmp\n");
  await write(join(ctx, "y.tmp"), "tmp but wanted\n");
  await write(join(ctx, "sub/é.txt"), "unicode\n");
  await write(join(ctx, LONG), "long\n");
  await symlink("keep.txt", join(ctx, "link.txt"));
  await write(join(ctx, ".dockerignore"), "secret.txt\nlogs\n*.tmp\n!y.tmp\nDockerfile\n");
  await write(
    join(ctx, "Dockerfile"),
    ["FROM debian:bookworm", "ARG FLAVOUR=plain", "COPY . /ctx", 'RUN echo "$FLAVOUR" > /flavour', 'CMD ["sh","-c","cd /ctx && find . ! -type d | sort; cat /flavour; readlink link.txt"]'].join("\n"),
  );
  await write(join(root, "elsewhere/Other.dockerfile"), ['FROM debian:bookworm', 'CMD ["echo","from outside"]'].join("\n"));
}, 30_000);

afterAll(async () => {
  for (const tag of tags) await removeImage(tag, { force: true });
  await rm(root, { recursive: true, force: true });
}, 60_000);

describe("buildImage", () => {
  it("sends the context minus .dockerignore, with long names, symlinks and build args", async () => {
    const tag = "imgdiet-test/build-ctx:latest";
    tags.push(tag);
    const lines: string[] = [];
    const { imageId } = await buildImage({ contextDir: join(root, "ctx"), tag, buildArgs: { FLAVOUR: "spicy" }, onLog: (l) => lines.push(l) });
    expect(imageId).toBe((await inspectImage(tag)).id);
    expect(lines.some((l) => /^Step 1\/5 : FROM debian:bookworm/.test(l))).toBe(true);
    const r = await runProbe(tag, { kind: "command", name: "list" });
    expect(r.stdout.split("\n")).toEqual([
      "./.dockerignore",
      // Dockerfile is sent (the build could not start without it) but, named in .dockerignore,
      // the engine hides it from COPY, as with the docker CLI.
      `./${LONG}`,
      "./keep.txt",
      "./link.txt",
      "./sub/é.txt",
      "./y.tmp",
      "spicy",
      "keep.txt",
      "",
    ]);
  });

  it("builds from a Dockerfile outside the context", async () => {
    const tag = "imgdiet-test/build-outside:latest";
    tags.push(tag);
    await buildImage({ contextDir: join(root, "ctx"), dockerfile: join(root, "elsewhere/Other.dockerfile"), tag });
    expect((await runProbe(tag, { kind: "command", name: "x" })).stdout).toBe("from outside\n");
  });

  it("reports the failing step and the last lines, and leaves no intermediate container", async () => {
    const marker = `imgdiet-fail-${Date.now()}`;
    const ctx = join(root, "failing");
    await write(join(ctx, "Dockerfile"), ["FROM debian:bookworm", `RUN echo ${marker}-ok`, `RUN echo ${marker}-about-to-fail && exit 3`, "CMD true"].join("\n"));
    let err: unknown;
    try {
      await buildImage({ contextDir: ctx, tag: "imgdiet-test/build-fail:latest" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BuildFailed);
    expect(err).toBeInstanceOf(InputError);
    const bf = err as BuildFailed;
    expect(bf.message).toMatch(/^build failed at step 3\/4 \(RUN echo imgdiet-fail-\d+-about-to-fail && exit 3\): .*returned a non-zero code: 3$/);
    expect(bf.message).not.toContain("\n");
    expect(bf.step).toBe("3/4");
    expect(bf.logTail).toContain(`${marker}-about-to-fail`);
    const all = await listContainers();
    expect(all.filter((c) => c.command.includes(marker))).toEqual([]);
  });

  it("rejects a missing Dockerfile or context", async () => {
    await expect(buildImage({ contextDir: join(root, "ctx"), dockerfile: "Nope", tag: "imgdiet-test/x" })).rejects.toThrow(/Dockerfile not found/);
    await expect(buildImage({ contextDir: join(root, "absent"), tag: "imgdiet-test/x" })).rejects.toThrow(InputError);
  });
});

describe("build log lines of either builder", () => {
  it("reads dockerd's legacy builder and podman's buildah alike", () => {
    expect(parseBuildLine("Step 2/5 : RUN go build -o /hash")).toEqual({ kind: "step", step: "2/5", instruction: "RUN go build -o /hash" });
    expect(parseBuildLine("[1/2] STEP 2/5: RUN go build -o /hash")).toEqual({ kind: "step", step: "2/5", instruction: "RUN go build -o /hash" });
    expect(parseBuildLine("STEP 1/3: FROM debian:bookworm")).toEqual({ kind: "step", step: "1/3", instruction: "FROM debian:bookworm" });
    expect(parseBuildLine(" ---> de1028e89dcb")).toEqual({ kind: "image", id: "de1028e89dcb" });
    expect(parseBuildLine("--> c841a48ec56")).toEqual({ kind: "image", id: "c841a48ec56" });
    expect(parseBuildLine(" ---> Using cache")).toEqual({ kind: "cache" });
    expect(parseBuildLine(`--> Using cache ${"a".repeat(64)}`)).toEqual({ kind: "cache" });
    for (const other of [" ---> Running in 85d315729e49", "[2/2] COMMIT docker.io/x:1", "two", "Successfully built de1028e89dcb"]) expect(parseBuildLine(other), other).toBeUndefined();
  });
});
