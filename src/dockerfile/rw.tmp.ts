import { readFile } from "node:fs/promises";
import { rewriteMultiStage } from "./rewrite/index.js";
const dir = process.argv[2];
const text = await readFile(`${dir}/Dockerfile`, "utf8");
const r = await rewriteMultiStage({ dockerfileText: text, contextDir: dir });
if (r.applicable) { console.log(r.dockerfile); console.log(r.notes.join("\n")); } else console.log(r);
