/**
 * Real artefacts from the container engine: Go binaries built in golang:1.19 (static, stripped static,
 * cgo), and the root filesystem of debian:bookworm, where every ELF file's closure is compared with
 * what ldd reports inside a container of that image.
 * Needs: a Docker engine with the images golang:1.19 and debian:bookworm.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePath } from "../fs/resolve-path.js";
import { openFileAccess } from "./random-access.js";
import { readElf, type ElfInfo } from "./reader.js";
import { hostFileView, resolveElfClosure } from "./resolve.js";

const HASH_GO = `package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
)

func main() {
	fmt.Print("data: ")
	line, _ := bufio.NewReader(os.Stdin).ReadString('\\n')
	fmt.Printf("SHA256: %x\\n", sha256.Sum256([]byte(strings.TrimRight(line, "\\n"))))
}
`;

const USER_GO = `package main

import (
	"fmt"
	"os/user"
)

func main() {
	u, err := user.Current()
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Username)
}
`;

let work: string;

function docker(args: string[], input?: string): string {
  const r = spawnSync("docker", args, { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`docker is not available: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`docker ${args.slice(0, 3).join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

async function elfAt(path: string): Promise<ElfInfo | undefined> {
  const ra = await openFileAccess(path);
  try {
    return await readElf(ra);
  } finally {
    await ra.close();
  }
}

beforeAll(() => {
  work = realpathSync(mkdtempSync(join(tmpdir(), "imgdiet-go-image-")));
}, 10_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("Go binaries built by golang:1.19", () => {
  beforeAll(() => {
    mkdirSync(join(work, "hash"));
    mkdirSync(join(work, "user"));
    writeFileSync(join(work, "hash/hash.go"), HASH_GO);
    writeFileSync(join(work, "user/user.go"), USER_GO);
    docker([
      "run", "--rm", "-v", `${work}:/src`, "-w", "/src", "golang:1.19", "sh", "-c",
      "CGO_ENABLED=0 go build -o out/static hash/hash.go && " +
        "CGO_ENABLED=0 go build -ldflags '-s -w' -o out/static-stripped hash/hash.go && " +
        "CGO_ENABLED=1 go build -o out/cgo user/user.go",
    ]);
  }, 600_000);

  it("a CGO_ENABLED=0 build is static", async () => {
    const bin = join(work, "out/static");
    const out = execFileSync(bin, { input: "abc\n", encoding: "utf8" });
    expect(out).toBe("data: SHA256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
    const info = await elfAt(bin);
    expect(info).toMatchObject({ class: 64, machineName: "x86_64", type: "exec", needed: [], isStatic: true, hasSymtab: true });
    expect(info!.interpreter).toBeUndefined();
    const stripped = await elfAt(join(work, "out/static-stripped"));
    expect(stripped).toMatchObject({ isStatic: true, hasSymtab: false, hasDebugInfo: false });

    const closure = await resolveElfClosure("/out/static", hostFileView(work), {});
    expect(closure).toEqual({ files: new Map([["/out/static", "entrypoint"]]), missing: [] });
  });

  it("a cgo build using os/user is dynamic with libc", async () => {
    const info = await elfAt(join(work, "out/cgo"));
    expect(info).toMatchObject({ interpreter: "/lib64/ld-linux-x86-64.so.2", isStatic: false });
    expect(info!.needed).toContain("libc.so.6");
  });

  it("in debian:bookworm, the cgo binary's closure equals ldd's in a container", async () => {
    const root = join(work, "rootfs");
    mkdirSync(root);
    const id = docker(["create", "debian:bookworm", "true"]).trim();
    try {
      execFileSync("sh", ["-c", `docker export ${id} | tar -x -C '${root}' --exclude='dev/*'`]);
    } finally {
      docker(["rm", id]);
    }
    copyFileSync(join(work, "out/cgo"), join(root, "app"));
    const inContainer = docker([
      "run", "--rm", "-v", `${join(root, "app")}:/app:ro`, "debian:bookworm", "sh", "-c",
      "ldd /app | sed -n 's/.*=> \\(\\/[^ ]*\\) (0x.*/\\1/p; s/^[[:space:]]*\\(\\/[^ ]*\\) (0x.*/\\1/p' | xargs readlink -f",
    ]);
    const expected = new Set(inContainer.trim().split("\n"));
    expected.add("/app");
    const closure = await resolveElfClosure("/app", hostFileView(root), {});
    const loaded = [...closure.files.entries()]
      .filter(([, r]) => !r.startsWith("symlink") && !r.startsWith("read at start-up"))
      .map(([p]) => p);
    expect(loaded.sort()).toEqual([...expected].sort());
    expect(closure.missing).toEqual([]);
    expect(closure.files.get("/lib")).toMatch(/^symlink on the way to \/usr\/lib\//);
  }, 120_000);
});

describe("every ELF file in debian:bookworm", () => {
  it("has the closure ldd reports inside a container of the image", async () => {
    const root = join(work, "bookworm");
    mkdirSync(root);
    const id = docker(["create", "debian:bookworm", "true"]).trim();
    try {
      execFileSync("sh", ["-c", `docker export ${id} | tar -x -C '${root}' --exclude='dev/*'`]);
    } finally {
      docker(["rm", id]);
    }
    const view = hostFileView(root);
    const files = new Set<string>();
    for (const dir of ["/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"]) {
      for (const name of readdirSync(join(root, dir))) {
        if (dir.endsWith("gnu") && !/\.so(\.|$)/.test(name)) continue;
        const r = resolvePath(view, `${dir}/${name}`);
        if (r?.stat.type !== "file") continue;
        if (await view.elf(r.realPath).catch(() => undefined)) files.add(r.realPath);
      }
    }
    expect(files.size).toBeGreaterThan(100);
    writeFileSync(join(work, "list"), [...files].join("\n") + "\n");
    const script =
      "while read -r f; do echo \"== $f\"; out=$(ldd \"$f\" 2>/dev/null); " +
      "echo \"$out\" | sed -n 's/^[[:space:]]*\\([^ ]*\\) => not found.*/! \\1/p'; " +
      "echo \"$out\" | sed -n 's/.*=> \\(\\/[^ ]*\\) (0x.*/\\1/p; s/^[[:space:]]*\\(\\/[^ ]*\\) (0x.*/\\1/p' | xargs -r readlink -f; " +
      "done < /list";
    const out = docker(["run", "--rm", "-v", `${join(work, "list")}:/list:ro`, "debian:bookworm", "sh", "-c", script]);
    const expected = new Map<string, { loaded: Set<string>; notFound: Set<string> }>();
    let current: { loaded: Set<string>; notFound: Set<string> } | undefined;
    for (const line of out.split("\n")) {
      if (line.startsWith("== ")) {
        const file = line.slice(3);
        current = { loaded: new Set([file]), notFound: new Set() };
        expected.set(file, current);
      } else if (line.startsWith("! ")) current!.notFound.add(line.slice(2));
      else if (line.startsWith("/")) current!.loaded.add(line);
    }
    expect(expected.size).toBe(files.size);
    // Most of them load libc and its loader, so the comparison is about something.
    expect([...expected.values()].filter((e) => e.loaded.size > 2).length).toBeGreaterThan(100);

    const mismatches: string[] = [];
    for (const [file, exp] of expected) {
      const closure = await resolveElfClosure(file, view, {});
      const loaded = [...closure.files.entries()]
        .filter(([, r]) => !r.startsWith("symlink") && !r.startsWith("read at start-up"))
        .map(([p]) => p)
        .sort();
      const notFound = [...new Set(closure.missing.map((m) => m.name))].sort();
      const want = { loaded: [...exp.loaded].sort(), notFound: [...exp.notFound].sort() };
      if (JSON.stringify({ loaded, notFound }) !== JSON.stringify(want)) {
        mismatches.push(`${file}: ours ${JSON.stringify({ loaded, notFound })} ldd ${JSON.stringify(want)}`);
      }
    }
    expect(mismatches.slice(0, 5).join("\n")).toBe("");
  }, 300_000);
});
