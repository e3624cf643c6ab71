/**
 * Where the redis chart comes from, and the check of a local copy: for users who cannot reach
 * docker.io, `redisChart` may name a chart archive (`helm package`/`helm pull` output, .tgz) or
 * an unpacked chart directory. Such a copy is checked before anything is created: it exists
 * and its Chart.yaml says `name: redis` at the configured version.
 */
import * as path from "node:path";
import * as YAML from "yaml";
import type { ConfigFiles } from "./configFiles";

/** A remote chart: an OCI reference, a classic repository URL, or a chart archive URL. */
const REMOTE = /^(oci|https?):\/\/[^\s/]+(\/[^\s]*)?$/;

/** Whether `chart` is a remote location (else it is a local path). */
export function isRemoteChart(chart: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(chart);
}

export interface ChartMetadata {
  readonly name: unknown;
  readonly version: unknown;
}

/** Matches `<chart>/Chart.yaml`, the top directory's Chart.yaml in a chart archive. */
const ARCHIVE_CHART_YAML = /^[^/]+\/Chart\.yaml$/;

/**
 * Problems with the chart location, as a message for `redisChart`, or undefined. A local path
 * is resolved by `files` (against the project directory, where `pulumi` runs the program).
 */
export function chartLocationProblem(
  chart: string,
  chartVersion: string,
  files: ConfigFiles,
): string | undefined {
  if (isRemoteChart(chart)) {
    return REMOTE.test(chart)
      ? undefined
      : `"${chart}" is not allowed; use an oci://, https:// or http:// chart location (e.g. "oci://registry-1.docker.io/bitnamicharts/redis"), or the path of a local chart archive or directory`;
  }
  const file = files.resolve(chart);
  const kind = files.kind(file);
  if (kind === undefined) {
    return `"${chart}" is neither an oci:// or https:// location nor an existing file or directory (looked for ${file})`;
  }
  let text: string | undefined;
  try {
    text =
      kind === "directory"
        ? files.readText(path.join(file, "Chart.yaml"))
        : files.readArchiveEntry(file, (entryPath) => ARCHIVE_CHART_YAML.test(entryPath));
  } catch (error) {
    return `"${chart}" is not a chart ${kind === "directory" ? "directory (no Chart.yaml)" : "archive (not a .tgz helm can read)"}: ${(error as Error).message}`;
  }
  if (text === undefined) {
    return `"${chart}" is not a chart archive: it has no <name>/Chart.yaml`;
  }
  let metadata: ChartMetadata;
  try {
    metadata = (YAML.parse(text) ?? {}) as ChartMetadata;
  } catch {
    return `"${chart}" has a Chart.yaml that is not YAML`;
  }
  if (metadata.name !== "redis") {
    return `"${chart}" holds the chart "${String(metadata.name)}"; use the Bitnami "redis" chart`;
  }
  if (String(metadata.version) !== chartVersion) {
    return `"${chart}" holds redis chart ${String(metadata.version)}, not ${chartVersion}; set andyredis:redisChartVersion to ${String(metadata.version)} or use the chart at ${chartVersion}`;
  }
  return undefined;
}
