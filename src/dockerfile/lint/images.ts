/** Base image names as lint compares them: the short repository (`node`, `gcr.io/distroless/static`) and the tag. */
import { familiarRepository, splitImageName } from "../../image/reference.js";

export interface ImageName {
  repository: string;
  /** The tag as written; `latest` when none (and no digest). */
  tag: string;
}

export function imageName(ref: string): ImageName {
  const { name, tag, digest } = splitImageName(ref.trim());
  return { repository: familiarRepository(name.toLowerCase()), tag: tag ?? (digest ? "" : "latest") };
}

/** Compiler and SDK images: what a program is built with, not what it runs on. */
export function isToolchainImage(ref: string): boolean {
  const { repository, tag } = imageName(ref);
  if (["golang", "rust", "gcc", "maven", "gradle", "buildpack-deps", "swift"].includes(repository)) return true;
  if (/(^|\/)dotnet\/sdk$/.test(repository)) return true;
  if (["eclipse-temurin", "openjdk", "amazoncorretto"].includes(repository)) return !/jre/.test(tag);
  return false;
}
