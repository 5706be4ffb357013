import { commandLine, type FindingRule } from "./context.js";

export const goRunAtStartup: FindingRule = {
  id: "go-run-at-startup",
  title: "`go run` compiles the program at every start",
  doc: "`go run` needs the whole Go toolchain in the image and recompiles on every container start. Build once with `go build` (CGO_ENABLED=0, -trimpath, -ldflags=\"-s -w\") and run the binary; the saving is everything but that binary.",
  check(ctx) {
    const cmd = commandLine(ctx.config);
    if (!/\bgo\s+run\b/.test(cmd)) return undefined;
    const toolchain = ctx.classes.get("toolchain")?.bytes ?? 0;
    return {
      id: this.id,
      title: this.title,
      evidence: [`command: ${cmd}`],
      saving: toolchain,
      fix: "Compile in a builder stage; ENTRYPOINT [\"/app\"] in a scratch final stage.",
    };
  },
};
