import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostFileView } from "../elf/file-view.js";
import { evidenceFor, packageOwners } from "./runtime-evidence.js";

/**
 * A small merged-/usr Debian root on disk: /bin → usr/bin, dpkg lists naming files by their
 * pre-merge paths (as bookworm's packages do), a library reached through a symlink chain.
 */
let root: string;

async function put(rel: string, content = ""): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), content);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "imgdiet-dpkg-"));
  await mkdir(path.join(root, "usr/bin"), { recursive: true });
  await mkdir(path.join(root, "usr/lib/x86_64-linux-gnu"), { recursive: true });
  await symlink("usr/bin", path.join(root, "bin"));
  await symlink("usr/lib", path.join(root, "lib"));
  await put("usr/bin/jq", "ELF");
  await put("usr/bin/sed", "ELF");
  await put("usr/bin/gcc-12", "ELF");
  await symlink("gcc-12", path.join(root, "usr/bin/gcc"));
  await put("usr/lib/x86_64-linux-gnu/libjq.so.1.0.4", "ELF");
  await symlink("libjq.so.1.0.4", path.join(root, "usr/lib/x86_64-linux-gnu/libjq.so.1"));
  await put("usr/lib/x86_64-linux-gnu/libonig.so.5.3.0", "ELF");
  await symlink("libonig.so.5.3.0", path.join(root, "usr/lib/x86_64-linux-gnu/libonig.so.5"));
  await put("usr/local/bin/summarize.sh", "#!/bin/sh");
  await put("etc/ld.so.cache", "cache");
  await put("var/lib/dpkg/info/jq.list", "/.\n/usr\n/usr/bin\n/usr/bin/jq\n");
  await put("var/lib/dpkg/info/sed.list", "/.\n/bin\n/bin/sed\n");
  // Every package lists /bin as a directory; on merged /usr it is a link, and reaching /bin/jq through it says nothing of these.
  await put("var/lib/dpkg/info/e2fsprogs.list", "/.\n/bin\n/lib\n/sbin\n");
  await put("var/lib/dpkg/info/libjq1:amd64.list", "/.\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libjq.so.1\n/usr/lib/x86_64-linux-gnu/libjq.so.1.0.4\n");
  await put("var/lib/dpkg/info/libonig5:amd64.list", "/usr/lib/x86_64-linux-gnu/libonig.so.5\n/usr/lib/x86_64-linux-gnu/libonig.so.5.3.0\n");
  await put("var/lib/dpkg/info/gcc-12.list", "/usr/bin/gcc-12\n/usr/share/doc/gcc-12/copyright\n");
  await put("var/lib/dpkg/info/gcc.list", "/usr/bin/gcc\n");
  await put("var/lib/dpkg/info/jq.md5sums", "not a list\n");
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("dpkg path → package mapping", () => {
  it("maps touched files through merged-/usr links and library symlink chains", async () => {
    const view = hostFileView(root);
    const owners = await packageOwners(view);
    const evidence = evidenceFor(view, owners, [
      "/usr/bin/jq",
      "/bin/sed", // listed as /bin/sed, reached as /bin/sed: same file after /bin → /usr/bin
      "/lib/x86_64-linux-gnu/libjq.so.1", // through /lib → usr/lib, then the .so.1 link
      "/usr/lib/x86_64-linux-gnu/libonig.so.5",
      "/usr/bin", // a directory: says nothing about a package
      "/usr/local/bin/summarize.sh",
      "/etc/ld.so.cache",
      "/proc/self/maps",
      "/nonexistent/file",
    ]);
    expect(evidence.packages).toEqual(["jq", "libjq1:amd64", "libonig5:amd64", "sed"]);
    expect(evidence.unowned).toEqual(["/etc/ld.so.cache", "/usr/local/bin/summarize.sh"]);
  });

  it("owns /usr/bin/sed by the package listing /bin/sed, and a link's target by its own package", async () => {
    const view = hostFileView(root);
    const owners = await packageOwners(view);
    expect(evidenceFor(view, owners, ["/usr/bin/sed"]).packages).toEqual(["sed"]);
    // gcc is a link owned by "gcc" to gcc-12 owned by "gcc-12": running gcc needs both.
    expect(evidenceFor(view, owners, ["/usr/bin/gcc"]).packages).toEqual(["gcc", "gcc-12"]);
    expect(evidenceFor(view, owners, ["/usr/bin/jq"]).packages).not.toContain("gcc-12");
  });

  it("reads apk's installed database when there is no dpkg database", async () => {
    const alpine = await mkdtemp(path.join(tmpdir(), "imgdiet-apk-"));
    try {
      await mkdir(path.join(alpine, "usr/bin"), { recursive: true });
      await mkdir(path.join(alpine, "lib/apk/db"), { recursive: true });
      await writeFile(path.join(alpine, "usr/bin/jq"), "ELF");
      await writeFile(path.join(alpine, "usr/bin/vim"), "ELF");
      await writeFile(path.join(alpine, "lib/apk/db/installed"), "C:Q1abc=\nP:jq\nV:1.7\nF:usr/bin\nR:jq\n\nP:vim\nF:usr/bin\nR:vim\n\n");
      const view = hostFileView(alpine);
      const evidence = evidenceFor(view, await packageOwners(view), ["/usr/bin/jq"]);
      expect(evidence.packages).toEqual(["jq"]);
      expect(evidence.unowned).toEqual([]);
    } finally {
      await rm(alpine, { recursive: true, force: true });
    }
  });
});
