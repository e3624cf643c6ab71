/**
 * Where the redis chart comes from, and the check of a local copy: for users who cannot reach
 * docker.io, `redisChart` may name a chart archive (`helm package`/`helm pull` output, .tgz) or
 * an unpacked chart directory. Such a copy is checked before anything is created: it exists
 * and its Chart.yaml says `name: redis` at the configured version.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tar from "tar";
import * as YAML from "yaml";

/** A remote chart: an OCI reference, a classic repository URL, or a chart archive URL. */
const REMOTE = /^(oci|https?):\/\/[^\s/]+(\/[^\s]*)?$/;

/** Whether `chart` is a remote location (else it is a local path). */
export function isRemoteChart(chart: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(chart);
}

/** The absolute path of a local chart location (`~/` is the home directory). */
export function localChartPath(chart: string, baseDir: string): string {
  const expanded = chart.startsWith("~/") ? path.join(os.homedir(), chart.slice(2)) : chart;
  return path.resolve(baseDir, expanded);
}

export interface ChartMetadata {
  readonly name: unknown;
  readonly version: unknown;
}

/** The text of the first entry of a .tgz archive whose path `matches`, or undefined. */
export function readArchiveEntry(
  file: string,
  matches: (entryPath: string) => boolean,
): string | undefined {
  let text: string | undefined;
  // tar's synchronous listing streams each entry's data before it returns.
  tar.t({
    file,
    sync: true,
    onReadEntry: (entry) => {
      if (text === undefined && matches(entry.path)) {
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
  return text;
}

/** Reads `<chart>/Chart.yaml` from the top directory of a chart archive. */
function readArchiveMetadata(file: string): string | undefined {
  return readArchiveEntry(file, (entryPath) => /^[^/]+\/Chart\.yaml$/.test(entryPath));
}

/**
 * Problems with the chart location, as a message for `redisChart`, or undefined. A local path
 * is resolved against `baseDir` (the project directory, where `pulumi` runs the program).
 */
export function chartLocationProblem(
  chart: string,
  chartVersion: string,
  baseDir: string,
): string | undefined {
  if (isRemoteChart(chart)) {
    return REMOTE.test(chart)
      ? undefined
      : `"${chart}" is not allowed; use an oci://, https:// or http:// chart location (e.g. "oci://registry-1.docker.io/bitnamicharts/redis"), or the path of a local chart archive or directory`;
  }
  const file = localChartPath(chart, baseDir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return `"${chart}" is neither an oci:// or https:// location nor an existing file or directory (looked for ${file})`;
  }
  let text: string | undefined;
  try {
    text = stat.isDirectory()
      ? fs.readFileSync(path.join(file, "Chart.yaml"), "utf8")
      : readArchiveMetadata(file);
  } catch (error) {
    return `"${chart}" is not a chart ${stat.isDirectory() ? "directory (no Chart.yaml)" : "archive (not a .tgz helm can read)"}: ${(error as Error).message}`;
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
