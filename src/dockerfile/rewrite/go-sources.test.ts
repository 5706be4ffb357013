import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findGoModule, parseGoMod, scanGoProgram, scanGoSource } from "./go-sources.js";

describe("scanGoSource", () => {
  it("reads single, grouped, aliased, dot, blank and raw-string imports", () => {
    const scan = scanGoSource(`package main

import "fmt"
import (
	"net/http" // a comment with import "not/this"
	u "os/user"
	. "strings"
	_ "time/tzdata"
	raw \`crypto/sha256\`
)

/* import "neither/this" */
func main() { fmt.Println("import \\"nor/this\\"") }
`);
    expect(scan.imports.sort()).toEqual(["crypto/sha256", "fmt", "net/http", "os/user", "strings", "time/tzdata"]);
    expect(scan.cgo).toBe(false);
    expect(scan.loadsLocation).toBe(false);
  });

  it("sees cgo behind its preamble, LoadLocation calls and file reads", () => {
    const scan = scanGoSource(`package main

// #include <stdio.h>
import "C"
import ("time"; "os")

func main() {
	loc, _ := time.LoadLocation("Europe/Berlin")
	_, _ = os.ReadFile("config.json")
	s := "time.LoadLocationFromTZData(x) os.Open(y)"
	_, _ = loc, s
}
`);
    expect(scan.cgo).toBe(true);
    expect(scan.imports).toEqual(["C", "time", "os"]);
    expect(scan.loadsLocation).toBe(true);
    expect(scan.readsFiles).toEqual(["os.ReadFile"]);
  });

  it("does not mistake LoadLocationFromTZData or strings for LoadLocation", () => {
    const scan = scanGoSource('package main\nimport "time"\nvar _ = "time.LoadLocation(x)"\nfunc f(b []byte) { time.LoadLocationFromTZData("x", b) }\n');
    expect(scan.loadsLocation).toBe(false);
  });
});

describe("parseGoMod", () => {
  it("reads the module path and every requirement", () => {
    const parsed = parseGoMod(`// comment
module example.com/app

go 1.19

require github.com/single/dep v1.0.0
require (
	github.com/a/b v1.2.3
	golang.org/x/sys v0.1.0 // indirect
)
`);
    expect(parsed.path).toBe("example.com/app");
    expect(parsed.requires.sort()).toEqual(["github.com/a/b", "github.com/single/dep", "golang.org/x/sys"]);
  });

  it("finds no requirements in a bare module", () => {
    expect(parseGoMod("module m\n\ngo 1.19\n")).toEqual({ path: "m", requires: [] });
  });
});

describe("scanGoProgram", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "imgdiet-gosrc-"));
    await mkdir(path.join(dir, "cmd", "server"), { recursive: true });
    await mkdir(path.join(dir, "internal", "tlsclient"), { recursive: true });
    await mkdir(path.join(dir, "vendor", "github.com", "x", "tz"), { recursive: true });
    await writeFile(path.join(dir, "go.mod"), "module example.com/app\n\ngo 1.19\n\nrequire github.com/x/tz v1.0.0\nrequire github.com/y/remote v1.0.0\n");
    await writeFile(path.join(dir, "vendor", "modules.txt"), "# github.com/x/tz v1.0.0\n");
    await writeFile(
      path.join(dir, "cmd", "server", "main.go"),
      'package main\nimport (\n"example.com/app/internal/tlsclient"\n"github.com/x/tz"\n"github.com/y/remote"\n)\nfunc main() { tlsclient.Get(); tz.Load(); remote.X() }\n',
    );
    await writeFile(path.join(dir, "cmd", "server", "main_test.go"), 'package main\nimport "os/user"\n');
    await writeFile(path.join(dir, "internal", "tlsclient", "client.go"), 'package tlsclient\nimport "crypto/tls"\nfunc Get() { _ = tls.Config{} }\n');
    await writeFile(path.join(dir, "vendor", "github.com", "x", "tz", "tz.go"), 'package tz\nimport "time"\nfunc Load() { time.LoadLocation("UTC") }\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("follows local and vendored packages, skips tests, lists what it could not read", async () => {
    const module = await findGoModule(path.join(dir, "cmd", "server"), dir);
    expect(module).toMatchObject({ dir, path: "example.com/app", vendored: true });
    const scan = await scanGoProgram([path.join(dir, "cmd", "server", "main.go")], module);
    expect(scan.imports.has("crypto/tls")).toBe(true);
    expect(scan.imports.has("os/user")).toBe(false);
    expect(scan.loadsLocation).toBe(true);
    expect(scan.unscanned).toEqual(["github.com/y/remote"]);
    expect(scan.files.map((f) => path.relative(dir, f)).sort()).toEqual([
      "cmd/server/main.go",
      "internal/tlsclient/client.go",
      "vendor/github.com/x/tz/tz.go",
    ]);
  });
});
