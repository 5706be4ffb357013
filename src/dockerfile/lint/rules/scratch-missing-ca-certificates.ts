import type { LintRule } from "../rule.js";
import { commandsOf } from "../commands.js";
import { packageCommand } from "../packages.js";
import { whitespaceWords } from "../../instruction-text.js";

const CERT_PATHS = /(\/etc\/ssl|ca-certificates|ca-bundle|\/etc\/pki)/;

export const scratchMissingCaCertificates: LintRule = {
  id: "scratch-missing-ca-certificates",
  title: "A scratch image whose program speaks TLS has no CA certificates",
  severity: "warning",
  doc:
    "scratch is empty: a program that calls an https:// service finds no root certificates and every TLS " +
    "handshake fails with \"x509: certificate signed by unknown authority\". Copy the bundle from the build stage " +
    "(`COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/`) or use distroless/static, which " +
    "has it. A Dockerfile does not say whether the program speaks TLS, so the rule fires only on a sign of it: " +
    "a stage the final image copies from installs ca-certificates, or an ENV, ARG, CMD or ENTRYPOINT of the " +
    "final stage names an https:// URL.",
  example: {
    bad:
      "FROM golang:1.22-alpine AS build\nRUN apk add --no-cache ca-certificates\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nENV API_URL=https://api.example.com\nENTRYPOINT [\"/app\"]\n",
    good:
      "FROM golang:1.22-alpine AS build\nRUN apk add --no-cache ca-certificates\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /app .\n\nFROM scratch\nCOPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\nCOPY --from=build /app /app\nENV API_URL=https://api.example.com\nENTRYPOINT [\"/app\"]\n",
  },
  check(ctx) {
    const final = ctx.walked.final;
    if (final.rootImage.toLowerCase() !== "scratch") return [];
    const chain = ctx.walked.stages.filter((s) => s.reachesFinal).flatMap((s) => s.steps.map((st) => st.instruction));
    const copiesCerts = chain.some((i) => (i.keyword === "COPY" || i.keyword === "ADD") && (i.json ?? whitespaceWords(i.body)).some((w) => CERT_PATHS.test(w)));
    if (copiesCerts) return [];
    const sources = new Set(chain.length ? ctx.walked.stages.filter((s) => s.reachesFinal).flatMap((s) => s.readsFrom) : []);
    const installer = ctx.walked.stages
      .filter((s) => sources.has(s.stage.index))
      .flatMap((s) => s.steps.map((st) => st.instruction))
      .find((i) => i.keyword === "RUN" && commandsOf(i).some((c) => packageCommand(c)?.packages.includes("ca-certificates")));
    const url = chain.find((i) => ["ENV", "ARG", "CMD", "ENTRYPOINT"].includes(i.keyword) && /https:\/\//.test(i.args));
    const sign = url
      ? `line ${url.range.start.line} names an https:// URL`
      : installer
        ? `line ${installer.range.start.line} installs ca-certificates in a stage the final image copies from`
        : null;
    if (!sign) return [];
    return [{ range: final.stage.from.range, message: `${sign}, but nothing puts CA certificates into the scratch image`, fix: "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/" }];
  },
};
