import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root: the children run from it, and bench/results lies below it. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const RESULTS_DIR = path.join(ROOT, "bench", "results");
