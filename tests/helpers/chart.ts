/** Reads files of the pinned chart archive (tests/helpers/paths.ts `REFERENCE_CHART`) in place. */
import * as fs from "node:fs";

import * as tar from "tar";

import { REFERENCE_CHART } from "./paths";

/**
 * The text of one file of the reference chart, by its path inside the chart (`values.yaml`,
 * `templates/scripts-configmap.yaml`). Throws, naming the archive, when it is missing.
 */
export function referenceChartFile(pathInChart: string): string {
  if (!fs.existsSync(REFERENCE_CHART)) {
    throw new Error(`the reference chart is missing: expected ${REFERENCE_CHART}`);
  }
  let text: string | undefined;
  // tar's synchronous listing streams each entry's data before it returns.
  tar.t({
    file: REFERENCE_CHART,
    sync: true,
    onReadEntry: (entry) => {
      if (text === undefined && entry.path === `redis/${pathInChart}`) {
        const chunks: Buffer[] = [];
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        entry.on("end", () => {
          text = Buffer.concat(chunks).toString("utf8");
        });
      } else {
        entry.resume();
      }
    },
  });
  if (text === undefined) throw new Error(`${REFERENCE_CHART} has no redis/${pathInChart}`);
  return text;
}
