/**
 * Which language the image's program is written in, judged from the final stage first (what it runs and
 * builds, then its base image) and the build context last.
 */
import { readdir } from "node:fs/promises";
import type { Stage } from "../parse.js";

export interface LanguageGuess {
  language: string;
  /** What gave it away, e.g. "CMD runs go run" or "base image python:3.12". */
  evidence: string;
}

interface LanguageSignals {
  language: string;
  command: RegExp;
  base: RegExp;
  files: RegExp;
}

/** Go comes first: a Go build inside an image of another language is still a Go build. */
const SIGNALS: LanguageSignals[] = [
  { language: "go", command: /(^|[\s;&|"'/])go\s+(run|build|install)\b/, base: /(^|\/)(golang|go)(:|@|$)/, files: /^(go\.mod|.+\.go)$/ },
  { language: "python", command: /(^|[\s;&|"'/])(python[\d.]*|pip[\d.]*|gunicorn|uvicorn|pipenv|poetry)(\s|$|")/, base: /(^|\/)(python|pypy)(:|@|$)/, files: /^(requirements.*\.txt|pyproject\.toml|setup\.py|Pipfile|.+\.py)$/ },
  { language: "node", command: /(^|[\s;&|"'/])(node|nodejs|npm|npx|yarn|pnpm|bun|deno)(\s|$|")/, base: /(^|\/)(node|bun|deno)(:|@|$)/, files: /^(package\.json|.+\.(js|mjs|cjs|ts))$/ },
  { language: "ruby", command: /(^|[\s;&|"'/])(ruby|bundle|rails|rackup|puma)(\s|$|")/, base: /(^|\/)(ruby|jruby)(:|@|$)/, files: /^(Gemfile|.+\.rb)$/ },
  { language: "php", command: /(^|[\s;&|"'/])(php|php-fpm|composer)(\s|$|")/, base: /(^|\/)(php|composer)(:|@|$)/, files: /^(composer\.json|.+\.php)$/ },
  { language: "java", command: /(^|[\s;&|"'/])(java|mvn|gradle|gradlew)(\s|$|")/, base: /(^|\/)(openjdk|eclipse-temurin|amazoncorretto|maven|gradle|tomcat)(:|@|$)/, files: /^(pom\.xml|build\.gradle(\.kts)?|.+\.(java|jar))$/ },
  { language: "rust", command: /(^|[\s;&|"'/])(cargo|rustc)(\s|$|")/, base: /(^|\/)rust(:|@|$)/, files: /^Cargo\.toml$/ },
  { language: "dotnet", command: /(^|[\s;&|"'/])dotnet(\s|$|")/, base: /(^|\/)dotnet\//, files: /^.+\.(csproj|fsproj|sln)$/ },
];

/** `contextFiles: false` judges from the Dockerfile alone: a source file in the context says nothing about what the image runs. */
export async function detectLanguage(stage: Stage, contextDir: string, { contextFiles = true } = {}): Promise<LanguageGuess | null> {
  const runs = stage.instructions.filter((i) => ["RUN", "CMD", "ENTRYPOINT"].includes(i.keyword));
  for (const signals of SIGNALS) {
    const hit = runs.find((i) => signals.command.test(i.command?.exec?.join(" ") ?? i.body));
    if (hit) return { language: signals.language, evidence: `line ${hit.range.start.line}: ${hit.keyword} ${hit.body}` };
  }
  const base = stage.base.toLowerCase();
  for (const signals of SIGNALS) if (signals.base.test(base)) return { language: signals.language, evidence: `base image ${stage.base}` };
  if (!contextFiles) return null;
  const names = await readdir(contextDir).catch(() => [] as string[]);
  for (const signals of SIGNALS) {
    const file = names.find((n) => signals.files.test(n));
    if (file) return { language: signals.language, evidence: `${file} in the build context` };
  }
  return null;
}

/** Why the multi-stage rewrite does not apply to a language it does not rebuild; `supported` lists those it does. */
export function unsupportedReason(guess: LanguageGuess, supported: readonly string[] = ["go"]): string {
  const interpreted = (what: string) => `${guess.language}: interpreted (${what}), no binary to build; the slim strategy covers it (${guess.evidence})`;
  switch (guess.language) {
    case "python":
      return interpreted("CPython runs the sources");
    case "node":
      return interpreted("Node.js runs the JavaScript");
    case "ruby":
    case "php":
      return interpreted(`the ${guess.language} interpreter runs the sources`);
    case "java":
      return `java: runs on a JVM, no native binary to build; the slim strategy covers it (${guess.evidence})`;
    case "dotnet":
      return `dotnet: runs on the .NET runtime, no native binary to build here; the slim strategy covers it (${guess.evidence})`;
    default:
      return `${guess.language}: compiled, but the multi-stage rewrite only knows how to rebuild ${supported.join(", ")} so far (${guess.evidence})`;
  }
}
