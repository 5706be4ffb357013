/**
 * The Node.js rewrite as text: the original stage kept as the builder (the user's CA and registry lines
 * included), a production-only install in a stage FROM it, and a scratch final stage with node and its
 * closure, package.json and the build's output (or the sources) and the production node_modules.
 * Built and run for real in test/rewrite-java-node.test.ts.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { rewriteMultiStage, type RewriteResult } from "./index.js";
import { whyBeforeEveryGeneratedLine } from "../../../test/helpers/rewrite-why.js";
import { nodeScript } from "./node-package.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURE = path.join(ROOT, "test/fixtures/rewrite/node");
const made: string[] = [];

async function rewrite(files: Record<string, string>): Promise<RewriteResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "imgdiet-rewrite-node-"));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return rewriteMultiStage({ dockerfileText: files.Dockerfile, contextDir: dir });
}

async function applicable(files: Record<string, string>): Promise<Extract<RewriteResult, { applicable: true }>> {
  const result = await rewrite(files);
  if (!result.applicable) throw new Error(`not applicable: ${result.reason}`);
  parseDockerfile(result.dockerfile);
  return result;
}

function stages(dockerfile: string): string[][] {
  return parseDockerfile(dockerfile).stages.map((s) => [s.from.raw, ...s.instructions.map((i) => i.raw)]);
}

afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

const NODE = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends nodejs npm\nWORKDIR /srv\n";
const pkg = (fields: Record<string, unknown>) => JSON.stringify({ name: "app", version: "1.0.0", dependencies: { ms: "2.1.3" }, ...fields });

describe("node rewrite", () => {
  it("rewrites the fixture: builder as written, production install, dist and node on scratch", async () => {
    const files: Record<string, string> = {};
    for (const name of ["Dockerfile", "package.json", "package-lock.json", "tsconfig.json"]) files[name] = await readFile(path.join(FIXTURE, name), "utf8");
    for (const name of await readdir(path.join(FIXTURE, "src"))) files[`src/${name}`] = await readFile(path.join(FIXTURE, "src", name), "utf8");
    const r = await applicable(files);
    expect(r.language).toBe("node");
    expect(r.finalBase).toBe("scratch");
    const [builder, deps, final] = stages(r.dockerfile);
    // The user's lines stay in the builder as written: the host CA for the registry proxy, the full install and the build.
    const original = files.Dockerfile;
    for (const line of original.split("\n").filter((l) => /^(RUN|COPY|WORKDIR|ENV) /.test(l))) expect(builder).toContain(line);
    expect(r.dockerfile).toContain("# The npm registry is reached through a TLS-intercepting proxy: trust the host's CA bundle too\n");
    expect(builder.some((l) => /^(CMD|EXPOSE)/.test(l))).toBe(false);
    expect(deps[0]).toBe("FROM build AS production-deps");
    expect(deps[1]).toMatch(/^RUN npm ci --omit=dev --prefer-offline/);
    expect(deps.find((l) => l.includes("ldd"))).toContain(`ldd /out/rootfs/usr/local/bin/node $(find node_modules -name '*.node' -type f)`);
    expect(final).toEqual([
      "FROM scratch",
      "COPY --from=production-deps /out/rootfs/ /",
      "COPY --from=build /app/package.json /app/package.json",
      "COPY --from=build /app/dist /app/dist",
      "COPY --from=production-deps /app/node_modules /app/node_modules",
      "ENV PATH=/usr/local/bin",
      "WORKDIR /app",
      "ENV NODE_ENV=production",
      "EXPOSE 3000",
      'CMD ["/usr/local/bin/node", "dist/server.js"]',
    ]);
    expect(whyBeforeEveryGeneratedLine(original, r.dockerfile)).toEqual([]);
  });

  it("takes over `npm start` from package.json and copies the sources when nothing is built", async () => {
    const r = await applicable({
      Dockerfile: `${NODE}COPY . .\nRUN npm install\nCMD npm start\n`,
      "package.json": pkg({ scripts: { start: "node --enable-source-maps server.js --port 80" } }),
      "package-lock.json": "{}",
      "server.js": "",
    });
    const [builder, , final] = stages(r.dockerfile);
    expect(builder.find((l) => l.includes("tar"))).toContain("tar -C /srv --exclude=./node_modules -cf - . | tar -C /out/app -xf -");
    expect(final).toContain("COPY --from=build /out/app/ /srv/");
    expect(final.at(-1)).toBe('CMD ["/usr/local/bin/node", "--enable-source-maps", "server.js", "--port", "80"]');
    expect(r.notes[0]).toContain(`npm start runs "node --enable-source-maps server.js --port 80"`);
  });

  it("installs production dependencies with the lockfile's manager", async () => {
    const files = { Dockerfile: `${NODE}COPY . .\nRUN yarn install\nCMD ["node", "index.js"]\n`, "package.json": pkg({}), "index.js": "" };
    expect(stages((await applicable({ ...files, "yarn.lock": "" })).dockerfile)[1][1]).toMatch(/^RUN yarn install --production --frozen-lockfile/);
    expect(stages((await applicable({ ...files, "pnpm-lock.yaml": "" })).dockerfile)[1][1]).toMatch(/^RUN pnpm install --prod --frozen-lockfile/);
    const none = await applicable(files);
    expect(stages(none.dockerfile)[1][1]).toMatch(/^RUN npm prune --omit=dev/);
    expect(none.notes).toContain("The context has no lockfile: the production install prunes the builder's node_modules instead of installing again.");
  });

  it("switches to root for the generated steps when the original runs as another user", async () => {
    const files = { "package.json": pkg({ scripts: { build: "tsc" } }), "package-lock.json": "{}", "app.js": "" };
    // Nothing built: the builder gathers the sources, as root; the production stage inherits root.
    const sources = await applicable({ ...files, Dockerfile: `${NODE}RUN useradd web\nCOPY . .\nRUN npm ci\nUSER 1000\nCMD ["node", "app.js"]\n` });
    const [builder, deps, final] = stages(sources.dockerfile);
    expect(builder.slice(builder.indexOf("USER 1000") + 1, builder.indexOf("USER 1000") + 2)).toEqual(["USER root"]);
    expect(deps.includes("USER root")).toBe(false);
    expect(final).toContain("USER 1000");
    // Built output: the builder gets nothing added, so the production stage switches to root itself.
    const built = await applicable({ ...files, Dockerfile: `${NODE}COPY . .\nRUN npm ci && npm run build\nUSER 1000\nCMD ["node", "dist/app.js"]\n` });
    expect(stages(built.dockerfile)[1].slice(0, 2)).toEqual(["FROM build AS production-deps", "USER root"]);
    expect(stages(built.dockerfile)[0].includes("USER root")).toBe(false);
  });

  it("says why it cannot rewrite a start that needs npm or a shell, or no package.json", async () => {
    const chained = await rewrite({ Dockerfile: `${NODE}COPY . .\nCMD ["npm", "start"]\n`, "package.json": pkg({ scripts: { start: "npm run migrate && node app.js" } }) });
    expect(chained).toEqual({ applicable: false, reason: expect.stringContaining(`package.json's start script "npm run migrate && node app.js" needs a shell: it uses the shell operator "&&"`) });
    const missing = await rewrite({ Dockerfile: `${NODE}COPY app.js .\nCMD ["node", "app.js"]\n` });
    expect(missing).toEqual({ applicable: false, reason: expect.stringContaining("node: the build context has no package.json") });
    const inRoot = await rewrite({ Dockerfile: "FROM debian:bookworm\nCOPY . /\nCMD [\"node\", \"app.js\"]\n", "package.json": pkg({}) });
    expect(inRoot).toEqual({ applicable: false, reason: expect.stringContaining("node: the application runs in /") });
  });

  it("finds the script among node's options", () => {
    expect(nodeScript(["-r", "dotenv/config", "--max-old-space-size=256", "srv.js", "-x"])).toEqual({ args: ["-r", "dotenv/config", "--max-old-space-size=256", "srv.js", "-x"], script: "srv.js", via: null });
    expect(nodeScript(["-e", "console.log(1)"])).toBe("node -e runs no script file");
    expect(nodeScript(["--inspect"])).toBe("node is started without a script");
  });
});
