/**
 * `imgdiet slim` on six real stacks built from Debian packages: each slim image must pass
 * verification with the stack's probes, be much smaller than the original, and explain why its
 * files stay. The measured reductions are written to .tmp/slim-results.json
 * (bench/slim-stacks.mjs records them in bench/slim-results.json).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProbesFile } from "../src/probe/probes-file.js";
import { open } from "../src/image/open.js";
import { scan, type ImageScan } from "../src/scan/scan.js";
import { slim, type SlimResult } from "../src/slim/slim.js";
import { engineSize, removeImages } from "./helpers/run.js";
import {
  buildSlimFixture,
  engineImageId,
  probeContainersFor,
  resultRow,
  STACKS,
  stackByName,
  writeSlimResults,
  type SlimResultRow,
} from "./helpers/slim-stacks.js";

const results = new Map<string, SlimResult>();
const rows: SlimResultRow[] = [];
const outputs: string[] = [];

const outputOf = (stack: string) => `imgdiet-test/slim-${stack}:slim`;

async function slimStack(stack: string, output = outputOf(stack)): Promise<SlimResult> {
  const s = stackByName(stack);
  const image = await buildSlimFixture(stack);
  const probes = await loadProbesFile(s.probesFile);
  outputs.push(output);
  return slim(image, { output, probes });
}

/** The slim image as written to the engine, scanned (tree + small /etc files). */
async function scanOutput(ref: string): Promise<ImageScan> {
  const img = await open(`docker-daemon:${ref}`);
  try {
    return await scan(img, { facts: true });
  } finally {
    await img.close();
  }
}

function reasonsOf(r: SlimResult, path: string): string {
  const k = r.kept.find((x) => x.path === path);
  expect(k, `${path} is kept`).toBeDefined();
  return k!.reasons.join("; ");
}

describe("slim on real stacks", () => {
  beforeAll(async () => {
    for (const s of STACKS) await buildSlimFixture(s.stack);
  });

  afterAll(() => {
    // Only a full run records the table: a filtered run must not drop stacks from it.
    if (rows.length === STACKS.length) writeSlimResults(rows);
    removeImages(...outputs);
  });

  for (const s of STACKS) {
    it(`${s.stack}: ${s.title} — verified, ${s.minFactor}× smaller at least`, async () => {
      const t0 = Date.now();
      const r = await slimStack(s.stack);
      const seconds = (Date.now() - t0) / 1000;
      results.set(s.stack, r);
      expect(r.verify?.firstDifference).toBeUndefined();
      expect(r.verify?.passed).toBe(true);
      expect(r.written).toBe(true);
      // Sizes as `docker images` shows them, for the original and the written result.
      const source = await buildSlimFixture(s.stack);
      expect(r.originalSize).toBe(engineSize(source));
      expect(r.size).toBe(engineSize(r.output));
      expect(engineImageId(r.output)).toBe(r.imageId);
      expect(r.size).toBeLessThan(r.originalSize / s.minFactor);
      expect(r.size).toBeLessThan(s.maxSlimBytes);
      // The audit: every kept path has a reason; removed bytes add up by directory and by class.
      for (const k of r.kept) expect(k.reasons.length, k.path).toBeGreaterThan(0);
      expect(r.removed.bytes).toBeGreaterThan(r.originalSize / 2);
      expect(r.removed.byDirectory.reduce((a, d) => a + d.bytes, 0)).toBe(r.removed.bytes);
      expect(r.removed.byClass.reduce((a, c) => a + c.bytes, 0)).toBe(r.removed.bytes);
      expect(r.missingLibraries).toEqual([]);
      expect(probeContainersFor([source, r.output])).toEqual([]);
      rows.push(resultRow(s, r, seconds));
    });
  }

  it("c-zlib: the loader, libc and libz are kept because the program needs them", () => {
    const r = results.get("c-zlib")!;
    expect(reasonsOf(r, "/usr/local/bin/zcrc")).toMatch(/entrypoint/);
    expect(reasonsOf(r, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13")).toMatch(/needed by \/usr\/local\/bin\/zcrc \(libz\.so\.1\)/);
    expect(reasonsOf(r, "/usr/lib/x86_64-linux-gnu/libz.so.1")).toMatch(/symlink on the way to \/usr\/lib\/x86_64-linux-gnu\/libz\.so\.1\.2\.13/);
    expect(reasonsOf(r, "/usr/lib/x86_64-linux-gnu/libc.so.6")).toMatch(/needed by \/usr\/local\/bin\/zcrc \(libc\.so\.6\)/);
    expect(reasonsOf(r, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")).toMatch(/ELF interpreter of \/usr\/local\/bin\/zcrc/);
    // No shell, no package manager.
    const kept = r.kept.map((k) => k.path);
    expect(kept).not.toContain("/usr/bin/dash");
    expect(kept.some((p) => p.startsWith("/var/lib/dpkg"))).toBe(false);
    // A real directory is never described as a symlink.
    expect(r.kept.find((k) => k.path === "/usr/lib")?.reasons.join(";") ?? "").not.toMatch(/symlink/);
  });

  it("shell: the script's interpreter and every tool it ran stay, with their libraries", () => {
    const r = results.get("shell")!;
    expect(reasonsOf(r, "/usr/local/bin/digest.sh")).toMatch(/entrypoint/);
    expect(reasonsOf(r, "/usr/bin/dash")).toMatch(/interpreter of \/usr\/local\/bin\/digest\.sh/);
    for (const tool of ["sed", "sha256sum", "tr", "date", "mawk"]) {
      expect(reasonsOf(r, `/usr/bin/${tool}`)).toMatch(/executed at run time by probe "words"/);
    }
    expect(reasonsOf(r, "/usr/bin/awk")).toMatch(/symlink on the way to \/usr\/bin\/mawk/);
    expect(reasonsOf(r, "/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.11.2")).toMatch(/needed by \/usr\/lib\/x86_64-linux-gnu\/libselinux\.so\.1|needed by \/usr\/bin\/sed/);
    const kept = r.kept.map((k) => k.path);
    expect(kept).not.toContain("/usr/bin/bash");
    expect(kept).not.toContain("/usr/bin/perl");
  });

  it("go-cgo-http: libc for cgo, and passwd/group holding only the USER's entries", async () => {
    const r = results.get("go-cgo-http")!;
    expect(reasonsOf(r, "/usr/local/bin/whoami-server")).toMatch(/entrypoint/);
    expect(reasonsOf(r, "/usr/lib/x86_64-linux-gnu/libc.so.6")).toMatch(/needed by \/usr\/local\/bin\/whoami-server/);
    expect(reasonsOf(r, "/etc/passwd")).toMatch(/passwd entries of USER webuser/);
    expect(reasonsOf(r, "/etc/nsswitch.conf")).toMatch(/name-service configuration/);
    const kept = r.kept.map((k) => k.path);
    expect(kept.some((p) => p.startsWith("/usr/lib/go"))).toBe(false);
    expect(kept).not.toContain("/usr/bin/gcc-12");
    const out = await scanOutput(r.output);
    expect(out.facts.get("etc/passwd")?.content?.toString()).toBe("webuser:x:4321:4321::/home/webuser:/usr/sbin/nologin\n");
    expect(out.facts.get("etc/group")?.content?.toString()).toBe("web:x:4321:\n");
    expect(r.verify!.probes[0]!.original.http?.body).toBe("hello from webuser (uid 4321 via cgo, group web, home /home/webuser)\n");
  });

  it("nginx: the www-data worker's entries and the directories nginx creates files in stay", async () => {
    const r = results.get("nginx")!;
    expect(reasonsOf(r, "/usr/sbin/nginx")).toMatch(/entrypoint/);
    expect(reasonsOf(r, "/etc/passwd")).toMatch(/user www-data \(uid 33\) the program switched to at run time/);
    expect(reasonsOf(r, "/etc/nginx/nginx.conf")).toMatch(/touched at run time by probe "static page"/);
    expect(reasonsOf(r, "/var/www/html/index.html")).toMatch(/touched at run time/);
    expect(reasonsOf(r, "/var/lib/nginx")).toMatch(/directory of \/var\/lib\/nginx\/body, which probe "static page"(, "shadow probes on port 80")? created/);
    const out = await scanOutput(r.output);
    expect(out.facts.get("etc/passwd")?.content?.toString()).toBe(
      "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
    );
    expect(out.facts.get("etc/group")?.content?.toString()).toBe("root:x:0:\nwww-data:x:33:\n");
    expect(r.verify!.probes[0]!.original.http?.body).toContain("served by nginx's www-data workers");
  });

  it("flask: the interpreter, the modules it imported and the template it rendered stay", () => {
    const r = results.get("flask")!;
    expect(reasonsOf(r, "/usr/bin/python3")).toMatch(/symlink on the way to \/usr\/bin\/python3\.11/);
    expect(reasonsOf(r, "/usr/bin/python3.11")).toMatch(/entrypoint/);
    expect(reasonsOf(r, "/app/app.py")).toMatch(/argument of the command|touched at run time/);
    expect(reasonsOf(r, "/app/templates/index.html")).toMatch(/touched at run time by probe "index page"/);
    const kept = r.kept.map((k) => k.path);
    expect(kept.some((p) => p.startsWith("/usr/lib/python3/dist-packages/flask/"))).toBe(true);
    expect(kept.some((p) => p.startsWith("/usr/lib/python3/dist-packages/jinja2/"))).toBe(true);
    expect(kept.some((p) => p.startsWith("/usr/share/doc/"))).toBe(false);
    expect(r.verify!.probes[0]!.original.http?.body).toContain("Hello from imgdiet");
  });

  it("node: node, libnode's closure and the package from node_modules stay", () => {
    const r = results.get("node")!;
    expect(reasonsOf(r, "/usr/bin/node")).toMatch(/entrypoint/);
    expect(reasonsOf(r, "/usr/lib/x86_64-linux-gnu/libnode.so.108")).toMatch(/needed by \/usr\/bin\/node/);
    expect(reasonsOf(r, "/app/node_modules/greeter/lib/greet.js")).toMatch(/touched at run time by probe "greeting"/);
    expect(reasonsOf(r, "/app/node_modules/greeter/package.json")).toMatch(/touched at run time/);
    // Package granularity (the default): the package the program loaded is kept whole.
    expect(reasonsOf(r, "/app/node_modules/greeter/README.md")).toMatch(/Node\.js package greeter, kept whole: /);
    expect(r.packages.find((p) => p.name === "greeter")).toMatchObject({ runtime: "node", path: "/app/node_modules/greeter", addedFiles: 1 });
    expect(r.verify!.probes[0]!.original.http?.body).toMatch(/^hello, slim! sha256\(abc\)=ba7816bf/);
  });

  it("is deterministic: the same image and probes give the same image id", async () => {
    for (const stack of ["c-zlib", "nginx"]) {
      const first = results.get(stack)!;
      const again = await slimStack(stack, `imgdiet-test/slim-${stack}:again`);
      expect(again.verify?.passed).toBe(true);
      expect(again.imageId, stack).toBe(first.imageId);
      expect(engineImageId(again.output)).toBe(engineImageId(first.output));
      expect(again.kept).toEqual(first.kept);
    }
  });
});
