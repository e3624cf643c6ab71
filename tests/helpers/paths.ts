/** Where the tests find the project and the shared reference files beside the checkout. */
import * as path from "node:path";

/** The repository's root. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** `../shared/reference/` beside the checkout: the chart and its values, as served to us. */
const REFERENCE_DIR = path.resolve(PROJECT_DIR, "..", "shared", "reference");

/** The Bitnami redis chart archive the stack pins (23.1.1). */
export const REFERENCE_CHART = path.join(REFERENCE_DIR, "charts", "redis-23.1.1.tgz");

/** That chart's `values.yaml`. */
export const REFERENCE_VALUES = path.join(REFERENCE_DIR, "bitnami-redis-23.1.1-values.yaml");
