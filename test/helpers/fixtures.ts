import { readFileSync } from "node:fs";
import { dockerBuild, sh } from "./run.js";

/**
 * An image with the hard cases of layer merging: whiteouts, an opaque directory, a file replaced
 * by a directory and back, hardlinks within and across layers, symlinks, a device node, a long
 * path, a file overwritten in a later layer, and a binary xattr (security.capability).
 */
export const TRICKY = "imgdiet-test/tricky:1";
const LONG = "n".repeat(150);

export const TRICKY_DOCKERFILE = `FROM debian:bookworm
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libcap2-bin >/dev/null && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /data/keep /data/gone /data/dir-then-file \\
 && head -c 100000 /dev/urandom > /data/gone/big \\
 && head -c 5000 /dev/urandom > /data/keep/a \\
 && ln /data/keep/a /data/keep/a-hard \\
 && ln -s keep/a /data/link \\
 && mknod /data/null-dev c 1 3 \\
 && printf x > /data/file-then-dir \\
 && head -c 3000 /dev/urandom > /opt/blob \\
 && echo long > /data/${LONG} \\
 && cp /bin/true /usr/local/bin/capped && setcap cap_net_bind_service=+ep /usr/local/bin/capped
RUN rm -rf /data/gone \\
 && head -c 7000 /dev/urandom > /opt/blob \\
 && rm /data/file-then-dir && mkdir /data/file-then-dir && echo y > /data/file-then-dir/inner \\
 && rmdir /data/dir-then-file && echo z > /data/dir-then-file \\
 && ln /data/keep/a /data/cross-hard
RUN rm -rf /data/keep && mkdir /data/keep && echo new > /data/keep/b
`;

export const LONG_NAME = `data/${LONG}`;

export function buildTricky(): void {
  if (sh("docker", ["image", "inspect", TRICKY]).code === 0) return;
  dockerBuild(TRICKY, TRICKY_DOCKERFILE);
}

/**
 * A small image (busybox on scratch, four layers) with whiteouts, an opaque directory, hardlinks
 * and symlinks: cheap enough to copy across every pair of transports.
 */
export const SMALL = "imgdiet-test/small-layers:1";

export function buildSmall(): void {
  if (sh("docker", ["image", "inspect", SMALL]).code === 0) return;
  const run = (script: string) => `RUN ["/bin/busybox", "sh", "-c", ${JSON.stringify(script)}]`;
  dockerBuild(
    SMALL,
    [
      "FROM scratch",
      "COPY busybox /bin/busybox",
      run("mkdir -p /d/keep /d/gone && echo a > /d/keep/a && ln /d/keep/a /d/keep/h && ln -s keep/a /d/s && head -c 5000 /bin/busybox > /d/gone/x"),
      run("rm -rf /d/gone && echo b > /d/keep/a"),
      run("rm -rf /d/keep && mkdir /d/keep && echo c > /d/keep/c"),
    ].join("\n") + "\n",
    { busybox: { content: readFileSync("/bin/busybox"), mode: 0o755 } },
  );
}
