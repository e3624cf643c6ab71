/** Reads files of the pinned chart archive (tests/helpers/paths.ts `REFERENCE_CHART`) in place. */
import * as fs from "node:fs";

import { readArchiveEntry } from "../../lib/config/io/localFiles";
import { REFERENCE_CHART } from "./paths";

/**
 * The text of one file of the reference chart, by its path inside the chart (`values.yaml`,
 * `templates/scripts-configmap.yaml`). Throws, naming the archive, when it is missing.
 */
export function referenceChartFile(pathInChart: string): string {
  if (!fs.existsSync(REFERENCE_CHART)) {
    throw new Error(`the reference chart is missing: expected ${REFERENCE_CHART}`);
  }
  const text = readArchiveEntry(
    REFERENCE_CHART,
    (entryPath) => entryPath === `redis/${pathInChart}`,
  );
  if (text === undefined) throw new Error(`${REFERENCE_CHART} has no redis/${pathInChart}`);
  return text;
}
