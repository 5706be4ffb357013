/**
 * SARIF 2.1.0 (OASIS) over findings: what code-scanning services read. Image locations become a path
 * under the IMAGE_ROOT base (the image's merged filesystem) plus a logical location for the layer;
 * file locations become a physical location with a region.
 */
import type { Finding, Location, RuleDescriptor, Severity } from "../finding/finding.js";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

/** The base every in-image path is relative to. */
export const IMAGE_ROOT = "IMAGE_ROOT";

type Level = "error" | "warning" | "note";

const LEVEL: Record<Severity, Level> = { error: "error", warning: "warning", info: "note" };

interface SarifText {
  text: string;
}
interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}
interface Region {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}
interface LogicalLocation {
  name: string;
  fullyQualifiedName?: string;
  kind: string;
}
export interface SarifLocation {
  physicalLocation?: { artifactLocation: ArtifactLocation; region?: Region };
  logicalLocations?: LogicalLocation[];
}
export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: Level;
  message: SarifText;
  locations: SarifLocation[];
  properties?: { saving?: number; fix?: string };
}
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifText;
  fullDescription: SarifText;
  defaultConfiguration: { level: Level };
}
export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: {
    tool: { driver: { name: string; version?: string; informationUri?: string; rules: SarifRule[] } };
    originalUriBaseIds?: Record<string, { description: SarifText }>;
    results: SarifResult[];
    properties?: Record<string, unknown>;
  }[];
}

export interface SarifInput {
  findings: readonly Finding[];
  /** Every rule that ran (tool.driver.rules), whether it fired or not. */
  rules: readonly RuleDescriptor[];
  tool: { name: string; version?: string; informationUri?: string };
  /** The image the findings are about, for image locations. */
  image?: string;
}

/** A path as a relative URI reference: each segment percent-encoded, no leading slash. */
function uriOf(path: string): string {
  return path.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
}

function ruleName(id: string): string {
  // SARIF's rule `name` is a PascalCase identifier: toolchain-in-image → ToolchainInImage.
  return id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

function sarifLocation(loc: Location, image: string | undefined): SarifLocation {
  if (loc.kind === "file") {
    const { start, end } = loc.range;
    return {
      physicalLocation: {
        artifactLocation: { uri: uriOf(loc.file) },
        region: { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column },
      },
    };
  }
  const out: SarifLocation = {};
  if (loc.path !== undefined) out.physicalLocation = { artifactLocation: { uri: uriOf(loc.path), uriBaseId: IMAGE_ROOT } };
  const logical: LogicalLocation[] = [];
  if (loc.layer) {
    const name = loc.layer.index !== undefined ? `layer ${loc.layer.index}` : `layer ${loc.layer.diffId}`;
    logical.push({ name, ...(loc.layer.diffId ? { fullyQualifiedName: loc.layer.diffId } : {}), kind: "module" });
  }
  // A finding about the image as a whole (its config, its command) is located at the image.
  if (!out.physicalLocation && logical.length === 0) logical.push({ name: image ?? "image", kind: "resource" });
  if (logical.length) out.logicalLocations = logical;
  return out;
}

export function toSarif(input: SarifInput): SarifLog {
  const index = new Map(input.rules.map((r, i) => [r.id, i]));
  const results = input.findings.map((f): SarifResult => {
    const i = index.get(f.ruleId);
    const properties = { ...(f.saving !== undefined ? { saving: f.saving } : {}), ...(f.fix ? { fix: f.fix } : {}) };
    return {
      ruleId: f.ruleId,
      ...(i !== undefined ? { ruleIndex: i } : {}),
      level: LEVEL[f.severity],
      message: { text: f.message ? `${f.title}\n${f.message}` : f.title },
      locations: [sarifLocation(f.location, input.image)],
      ...(Object.keys(properties).length ? { properties } : {}),
    };
  });
  const imageLocations = input.findings.some((f) => f.location.kind === "image" && f.location.path !== undefined);
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: input.tool.name,
            ...(input.tool.version ? { version: input.tool.version } : {}),
            ...(input.tool.informationUri ? { informationUri: input.tool.informationUri } : {}),
            rules: input.rules.map((r) => ({
              id: r.id,
              name: ruleName(r.id),
              shortDescription: { text: r.title },
              fullDescription: { text: r.doc },
              defaultConfiguration: { level: LEVEL[r.severity] },
            })),
          },
        },
        ...(imageLocations
          ? { originalUriBaseIds: { [IMAGE_ROOT]: { description: { text: `The root of the merged filesystem of ${input.image ?? "the image"}` } } } }
          : {}),
        results,
        ...(input.image ? { properties: { image: input.image } } : {}),
      },
    ],
  };
}
