import { classRule } from "./class-rule.js";

export const toolchainInImage = classRule({
  id: "toolchain-in-image",
  title: "A compiler toolchain ships in the final image",
  doc: "Compilers, headers and SDKs are needed to build the program, not to run it. A multi-stage build compiles in a builder stage and copies only the result into a small final stage; the saving is the bytes of the toolchain files.",
  severity: "warning",
  classId: "toolchain",
  fix: "Build in a builder stage and copy only the binary into the final stage (imgdiet diet).",
});
