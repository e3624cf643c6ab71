/**
 * The drill report as a plain-text table, one row per scenario, and the problem lines below it.
 * Pure: report in, text out.
 */
import type { DrillReport, ScenarioResult } from "./results";
import { ErrorKind, LatencySummary } from "./metrics";

/** Renders rows as left-aligned, space-padded columns under a header and a rule. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** "connection:12 NOREPLICAS:3", or "-" when nothing failed. */
export function formatErrors(errors: Record<ErrorKind, number> | undefined): string {
  const parts = Object.entries(errors ?? {})
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind}:${n}`);
  return parts.length > 0 ? parts.join(" ") : "-";
}

/** "0.6/12.1" (p50/p99 in ms), or "-" without samples. */
export function formatLatency(latency: LatencySummary | undefined): string {
  if (!latency || latency.p50Ms === undefined || latency.p99Ms === undefined) {
    return "-";
  }
  return `${latency.p50Ms}/${latency.p99Ms}`;
}

function row(s: ScenarioResult): string[] {
  const result =
    s.skipped !== undefined ? "skipped" : s.ok ? "ok" : s.decidesExit ? "FAILED" : "failed*";
  return [
    s.scenario,
    result,
    String(s.failovers),
    s.writes ? String(s.writes.unavailableMs) : "-",
    s.reads ? String(s.reads.unavailableMs) : "-",
    formatErrors(s.writes?.errors),
    formatErrors(s.reads?.errors),
    formatLatency(s.writes?.latency.before),
    formatLatency(s.writes?.latency.during),
    formatLatency(s.writes?.latency.after),
    `${s.lostAcknowledgedWrites}/${s.acknowledgedWrites}`,
  ];
}

export const DRILL_TABLE_HEADER = [
  "scenario",
  "result",
  "failovers",
  "write-unavail-ms",
  "read-unavail-ms",
  "write-errors",
  "read-errors",
  "write-p50/p99-before",
  "during",
  "after",
  "lost/acked",
];

/** The table plus one line per problem or skip reason, and a verdict line. */
export function formatDrillReport(report: DrillReport): string {
  const lines = [formatTable(DRILL_TABLE_HEADER, report.scenarios.map(row)), ""];
  for (const s of report.scenarios) {
    for (const problem of s.problems) {
      lines.push(
        s.decidesExit
          ? `FAIL ${s.scenario}: ${problem}`
          : `note ${s.scenario} (reported only, does not decide the exit code): ${problem}`,
      );
    }
    for (const warning of s.warnings) {
      lines.push(`warn ${s.scenario}: ${warning}`);
    }
    if (s.skipped !== undefined) {
      lines.push(`skip ${s.scenario}: ${s.skipped}`);
    }
  }
  if (report.scenarios.some((s) => !s.decidesExit)) {
    lines.push("failed* = failed, but reported only: it does not decide the exit code");
  }
  lines.push(
    `drill: ${report.ok ? "every promise held" : "some scenarios failed"} ` +
      `(master set ${report.masterSet}, down-after ${report.tuning.downAfterMs} ms; latencies are ms of SET+WAIT 1)`,
  );
  return lines.join("\n");
}

/** The report for `--json`: spans stay (the timeline needs them), nothing is dropped. */
export function drillReportJson(report: DrillReport): string {
  return JSON.stringify(report, null, 2);
}
