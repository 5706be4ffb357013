import type { FindingRule } from "./context.js";

export const toolchainInImage: FindingRule = {
  id: "toolchain-in-image",
  title: "A compiler toolchain ships in the final image",
  doc: "Compilers, headers and SDKs are needed to build the program, not to run it. A multi-stage build compiles in a builder stage and copies only the result into a small final stage; the saving is the bytes of the toolchain files.",
  check(ctx) {
    const c = ctx.classes.get("toolchain");
    if (!c || c.bytes === 0) return undefined;
    return {
      id: this.id,
      title: this.title,
      evidence: c.examples.map((p) => `/${p}`),
      saving: c.bytes,
      fix: "Build in a builder stage and copy only the binary into the final stage (imgdiet rewrite / diet).",
    };
  },
};
