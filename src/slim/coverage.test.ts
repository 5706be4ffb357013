/**
 * The application's own files: what ADD/COPY layers put outside package and system directories,
 * plus the source modules of the application's directory; the unreached ones are named and kept.
 */
import { describe, expect, it } from "vitest";
import { FileTree } from "../fs/file-tree.js";
import type { TarHeader } from "../io/tar-header.js";
import type { ImageConfig } from "../image/types.js";
import { addAppFiles, appOwnFiles, APP_FILE_REASON } from "./coverage.js";
import { runCommand } from "./command.js";
import { Selection } from "./selection.js";
import { treeFileView } from "./tree-view.js";

const file = (path: string, size: number): TarHeader => ({
  path, type: "file", mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", size, mtime: 0, linkname: "", devmajor: 0, devminor: 0, xattrs: {},
});

const config = (createdBy: string[]): ImageConfig => ({
  architecture: "amd64",
  os: "linux",
  rootfs: { type: "layers", diff_ids: createdBy.map((_, i) => `sha256:${String(i).padStart(64, "0")}`) },
  history: createdBy.map((created_by) => ({ created_by })),
});

describe("coverage", () => {
  const tree = new FileTree();
  // Layer 0: the base; 1: RUN pip install (packages); 2: COPY of the app, with a vendored node_modules and a stray /etc file.
  tree.apply(0, file("usr/lib/python3.11/os.py", 1000));
  tree.apply(1, file("usr/local/lib/python3.11/site-packages/flask/app.py", 500));
  tree.apply(1, file("srv/generated.py", 40));
  for (const [p, size] of [["srv/app.py", 100], ["srv/routes/admin.py", 70], ["srv/static/logo.svg", 30], ["srv/node_modules/x/index.js", 9], ["etc/app.conf", 5]] as const) {
    tree.apply(2, file(p, size));
  }
  const cfg = config(["ADD file:abc in / ", "RUN pip install flask", "COPY . /srv # buildkit"]);
  const cmd = runCommand({ Cmd: ["python3", "app.py"], WorkingDir: "/srv" });

  it("lists the COPY layer's files outside package and system directories, and the app directory's modules", () => {
    expect(appOwnFiles(tree, cfg, cmd)).toEqual(["srv/app.py", "srv/generated.py", "srv/routes/admin.py", "srv/static/logo.svg"]);
  });

  it("names the unreached ones with their bytes and keeps them by default, or only names them", () => {
    const files = appOwnFiles(tree, cfg, cmd);
    for (const keep of [true, false]) {
      const sel = new Selection(tree, treeFileView(tree, new Map()));
      sel.add("/srv/app.py", "argument of the command");
      const report = addAppFiles(sel, tree, files, { keep });
      expect(report).toEqual({
        appFiles: 4, appBytes: 240, keptByDefault: keep, unreachedBytes: 140,
        unreached: [{ path: "/srv/generated.py", bytes: 40 }, { path: "/srv/routes/admin.py", bytes: 70 }, { path: "/srv/static/logo.svg", bytes: 30 }],
      });
      expect(sel.has("srv/routes/admin.py")).toBe(keep);
      if (keep) expect([...sel.reasons.get("srv/routes/admin.py")!]).toEqual([APP_FILE_REASON]);
    }
  });
});
