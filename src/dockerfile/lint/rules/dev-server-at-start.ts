import type { LintRule } from "../rule.js";
import { seenAt, wordRange } from "../rule.js";
import { commandsOf, type SimpleCommand } from "../commands.js";
import type { Instruction } from "../../parse.js";

/** What a command starts, when it is a development tool rather than the program: null otherwise. */
export function devServer(c: SimpleCommand): string | null {
  const [a0 = "", a1 = ""] = c.args;
  if (c.program === "npx" || c.program === "pnpx" || c.program === "bunx") return devServer({ program: a0, args: c.args.slice(1), env: c.env });
  if (c.program === "go" && a0 === "run") return "go run (compiles at every start)";
  if (["ts-node", "ts-node-dev", "nodemon", "webpack-dev-server", "react-scripts"].includes(c.program)) return c.program === "react-scripts" && a0 !== "start" ? null : c.program;
  if (c.program === "tsx" || c.program === "node") return c.args.includes("watch") || c.args.includes("--watch") ? `${c.program} watch` : null;
  if (c.program === "next" && a0 === "dev") return "next dev";
  if (c.program === "vite" && (a0 === "" || a0 === "dev" || a0 === "serve" || a0.startsWith("-"))) return "vite (dev server)";
  if (c.program === "ng" && a0 === "serve") return "ng serve";
  if (c.program === "webpack" && a0 === "serve") return "webpack serve";
  if (["npm", "yarn", "pnpm", "bun"].includes(c.program)) {
    const script = a0 === "run" ? a1 : a0;
    if (/^(dev|develop|start:dev|serve:dev|watch)$/.test(script)) return `${c.program} ${a0 === "run" ? "run " : ""}${script}`;
  }
  if (c.program === "flask" && a0 === "run") return "flask run (Werkzeug's development server)";
  if (/^python[\d.]*$/.test(c.program) && /manage\.py$/.test(a0) && a1 === "runserver") return "manage.py runserver (Django's development server)";
  if ((c.program === "uvicorn" || c.program === "gunicorn") && c.args.includes("--reload")) return `${c.program} --reload`;
  return null;
}

/** The CMD and ENTRYPOINT the final image starts with (the last of each along its FROM chain). */
export function startInstructions(ctx: Parameters<LintRule["check"]>[0]): Instruction[] {
  const chain = ctx.walked.stages.filter((s) => s.reachesFinal).flatMap((s) => s.steps.map((st) => st.instruction));
  const last = (k: string) => chain.filter((i) => i.keyword === k).at(-1);
  return [last("ENTRYPOINT"), last("CMD")].filter((i): i is Instruction => i !== undefined);
}

export const devServerAtStart: LintRule = {
  id: "dev-server-at-start",
  title: "The image starts a development tool: go run, ts-node, nodemon or a dev server",
  severity: "warning",
  doc:
    "`go run` compiles the program at every start and keeps the whole Go toolchain in the image; `ts-node` compiles " +
    "TypeScript at start; `nodemon`, `vite`, `next dev`, `ng serve`, `flask run`, `manage.py runserver` and " +
    "`--reload` watch files and serve unoptimised code. They need development dependencies in the image and start " +
    "slowly. The rule reads the CMD and ENTRYPOINT the final image starts with. Build once in a build stage and " +
    "start the built program.",
  example: {
    bad: "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"npx\", \"ts-node\", \"src/server.ts\"]\n",
    good:
      "FROM node:20-slim AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npx tsc\n\nFROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY --from=build /app/dist ./dist\nCMD [\"node\", \"dist/server.js\"]\n",
  },
  check(ctx) {
    return startInstructions(ctx).flatMap((instruction) => {
      const found = commandsOf(instruction)
        .map((c) => [c, devServer(c)] as const)
        .find(([, d]) => d !== null);
      if (!found) return [];
      return [{
        range: wordRange(instruction, found[0].program),
        message: `starts ${found[1]}\n${seenAt(instruction)}`,
        fix: "build the program in a build stage and start the built artefact (a binary, dist/*.js, a WSGI/ASGI server without --reload)",
      }];
    });
  },
};
