/** The result of `imgdiet analyze`: types inferred from the zod schemas in analysis-schema.ts. */
import type { z } from "zod";
import type { analysisSchema, contentClassSchema, efficiencySchema, layerReportSchema } from "./analysis-schema.js";

export type Analysis = z.infer<typeof analysisSchema>;
export type LayerReport = z.infer<typeof layerReportSchema>;
export type Efficiency = z.infer<typeof efficiencySchema>;
export type ContentClass = z.infer<typeof contentClassSchema>;
export type { Finding } from "../finding/finding.js";
