/** Where the tests find the project and the shared reference files beside the checkout. */
import * as path from "node:path";

/** The repository's root. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** `../shared/` beside the checkout: reference files and the e2e toolchain's scripts. */
const SHARED_DIR = path.resolve(PROJECT_DIR, "..", "shared");

/** The e2e toolchain's scripts (install.sh, env.sh, kubernetes/up.sh...). */
export const SHARED_TOOLCHAIN_DIR = path.join(SHARED_DIR, "e2e-toolchain");

/** The chart and its values, as served to us. */
const REFERENCE_DIR = path.join(SHARED_DIR, "reference");

/** The Bitnami redis chart archive the stack pins (23.1.1). */
export const REFERENCE_CHART = path.join(REFERENCE_DIR, "charts", "redis-23.1.1.tgz");

/** That chart's `values.yaml`. */
export const REFERENCE_VALUES = path.join(REFERENCE_DIR, "bitnami-redis-23.1.1-values.yaml");
