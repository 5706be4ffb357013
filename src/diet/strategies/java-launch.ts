/** Moved to dockerfile/rewrite/java-launch.ts (pure text, shared with the Java rewriter below diet/). */
export { javaLaunch, type JavaLaunch, type LaunchCommand } from "../../dockerfile/rewrite/java-launch.js";
