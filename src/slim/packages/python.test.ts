/**
 * Python's package rules over an in-memory image: what a kept script pulls in with no trace at all
 * (as with --static-only): the interpreter's start-up modules, .pth files and what they add,
 * namespace-package portions, distribution metadata, lazy imports of the app, not type-checking ones.
 */
import { describe, expect, it } from "vitest";
import { packageTree } from "../../../test/helpers/package-tree.js";
import { pythonRules } from "./python.js";

const STD = "usr/lib/python3.11";
const SITE = "usr/local/lib/python3.11/site-packages";

const files: Record<string, string> = {
  "usr/bin/python3.11": "ELF",
  [`${STD}/os.py`]: "import sys",
  [`${STD}/__pycache__/os.cpython-311.pyc`]: "bytecode",
  [`${STD}/site.py`]: "import os\nimport sys\n",
  [`${STD}/codecs.py`]: "",
  [`${STD}/encodings/__init__.py`]: "import codecs\n",
  [`${STD}/encodings/aliases.py`]: "",
  [`${STD}/encodings/utf_8.py`]: "import codecs\n",
  [`${STD}/encodings/cp932.py`]: "import _codecs_jp\n",
  [`${STD}/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so`]: "not ELF",
  [`${STD}/json/__init__.py`]: "from .decoder import JSONDecoder\n",
  [`${STD}/json/decoder.py`]: "import re\n",
  [`${STD}/re/__init__.py`]: "",
  [`${STD}/decimal.py`]: "try:\n    from _decimal import *\nexcept ImportError:\n    from _pydecimal import *\n",
  [`${STD}/lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so`]: "not ELF",
  [`${STD}/_pydecimal.py`]: "",
  [`${STD}/fractions.py`]: "try:\n    import _fractions\nexcept ImportError:\n    import _pyfractions\n",
  [`${STD}/_pyfractions.py`]: "",
  [`${SITE}/requests/__init__.py`]: "from . import api\nimport urllib3\n",
  [`${SITE}/requests/api.py`]: "def get(): pass\n",
  [`${SITE}/requests/__pycache__/api.cpython-311.pyc`]: "bytecode",
  [`${SITE}/requests-2.31.0.dist-info/RECORD`]: "requests/__init__.py,sha256=x,10\nrequests/api.py,sha256=y,5\n",
  [`${SITE}/requests-2.31.0.dist-info/METADATA`]: "Name: requests\n",
  [`${SITE}/urllib3/__init__.py`]: "",
  [`${SITE}/google/protobuf/__init__.py`]: "",
  [`${SITE}/google/protobuf/message.py`]: "",
  [`${SITE}/google/auth/__init__.py`]: "",
  [`${SITE}/six.py`]: "",
  [`${SITE}/extra.pth`]: "# a comment\n/opt/extra\nimport hook\n",
  [`${SITE}/hook.py`]: "",
  "opt/extra/plugin.py": "",
  "app/main.py": [
    "import requests",
    "from google import protobuf",
    "from typing import TYPE_CHECKING",
    "if TYPE_CHECKING:",
    "    import six",
    "def handler():",
    "    import json",
    "    import plugin",
    "    import decimal, fractions",
    "",
  ].join("\n"),
  [`${STD}/typing.py`]: "",
};

describe("Python packages", () => {
  it("closes over a script's imports without a trace: start-up, .pth, namespaces, metadata, lazy imports", async () => {
    const { ctx, kept } = packageTree(files, ["/usr/bin/python3.11", "/app/main.py"], { Cmd: ["python3.11", "main.py"], WorkingDir: "/app" });
    const packages = await pythonRules.apply(ctx);
    const reasons = Object.fromEntries(packages.map((p) => [p.name, p.reason]));
    expect(reasons).toMatchObject({
      encodings: "imported by the Python interpreter at start-up",
      site: "imported by the Python interpreter at start-up",
      os: `imported by /${STD}/site.py`,
      hook: `imported by /${SITE}/extra.pth at start-up`,
      main: "/app/main.py is used",
      requests: "imported by /app/main.py",
      "requests-2.31.0.dist-info": "distribution metadata of requests",
      urllib3: `imported by /${SITE}/requests/__init__.py`,
      "google.protobuf": "imported by /app/main.py",
      json: "imported inside a function by /app/main.py",
      re: `imported by /${STD}/json/decoder.py`,
      plugin: "imported inside a function by /app/main.py",
      typing: "imported by /app/main.py",
    });
    // A fallback is kept only when what its try imports is not in the image.
    expect(reasons).toMatchObject({ _decimal: `imported by /${STD}/decimal.py`, _pyfractions: `imported by /${STD}/fractions.py` });
    expect(Object.keys(reasons)).not.toContain("_pydecimal");
    // Type-checking imports, other namespace portions, codecs nothing used: left out.
    expect(Object.keys(reasons)).not.toContain("six");
    expect(Object.keys(reasons)).not.toContain("google.auth");
    expect(kept()).not.toContain(`/${STD}/encodings/cp932.py`);
    expect(kept()).not.toContain(`/${STD}/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so`);
    expect(kept()).toContain(`/${STD}/encodings/utf_8.py`);
    expect(ctx.notes).toEqual([`Python's /${STD}/encodings: kept the 3 codec modules the program used or start-up needs, not all 4; --include /${STD}/encodings keeps every codec`]);
    // The bytecode cache of modules nothing ran stays out; sources come whole with their package.
    expect(kept()).toContain(`/${SITE}/requests/api.py`);
    expect(kept()).not.toContain(`/${SITE}/requests/__pycache__/api.cpython-311.pyc`);
    expect(kept()).not.toContain(`/${STD}/__pycache__/os.cpython-311.pyc`);
    expect(kept()).toContain(`/${SITE}/extra.pth`);
    expect(kept()).toContain("/opt/extra");
    const requests = packages.find((p) => p.name === "requests")!;
    expect(requests).toMatchObject({ path: `/${SITE}/requests`, addedFiles: 2, addedBytes: files[`${SITE}/requests/__init__.py`]!.length + files[`${SITE}/requests/api.py`]!.length });
  });

  it("keeps the whole package of a file the trace touched, and the bytecode the trace read", async () => {
    const touched = ["/usr/bin/python3.11", `/${SITE}/requests/__init__.py`, `/${SITE}/requests/__pycache__/api.cpython-311.pyc`];
    const { ctx, kept } = packageTree(files, touched, { Cmd: ["python3.11", "-m", "requests"] });
    const packages = await pythonRules.apply(ctx);
    expect(packages.find((p) => p.name === "requests")?.reason).toBe("run with python -m requests");
    expect(kept()).toContain(`/${SITE}/requests/api.py`);
    expect(kept()).toContain(`/${SITE}/requests/__pycache__/api.cpython-311.pyc`);
  });

  it("does nothing for an image without Python", async () => {
    const { ctx, kept } = packageTree({ "app/run.sh": "#!/bin/sh" }, ["/app/run.sh"], { Cmd: ["/app/run.sh"] });
    expect(await pythonRules.apply(ctx)).toEqual([]);
    expect(kept()).toEqual(["/app/run.sh"]);
  });
});
