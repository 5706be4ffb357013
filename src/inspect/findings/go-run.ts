import { commandLine, findingOf, WHOLE_IMAGE, type FindingRule } from "./context.js";

export const goRunAtStartup: FindingRule = {
  id: "go-run-at-startup",
  title: "`go run` compiles the program at every start",
  doc: "`go run` needs the whole Go toolchain in the image and recompiles on every container start. Build once with `go build` (CGO_ENABLED=0, -trimpath, -ldflags=\"-s -w\") and run the binary; the saving is everything but that binary.",
  severity: "warning",
  check(ctx) {
    const cmd = commandLine(ctx.config);
    if (!/\bgo\s+run\b/.test(cmd)) return undefined;
    return findingOf(this, {
      evidence: [`command: ${cmd}`],
      // The command is in the image config, not in a file of the image.
      location: WHOLE_IMAGE,
      saving: ctx.classes.get("toolchain")?.bytes ?? 0,
      fix: "Compile in a builder stage; ENTRYPOINT [\"/app\"] in a scratch final stage.",
    });
  },
};
