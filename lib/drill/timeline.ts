/**
 * The drill's timeline as a standalone SVG: one panel per scenario, a row for writes and one for
 * reads, green where requests succeeded and coloured by error kind where they failed, with the
 * fault, failover and recovery marked. Pure: report in, SVG text out.
 */
import type { DrillReport, ScenarioResult } from "./results";
import { ERROR_KINDS, ErrorKind, Span } from "./metrics";

const WIDTH = 1000;
const LEFT = 70;
const RIGHT = 20;
const ROW_HEIGHT = 18;
const PANEL_HEIGHT = 110;
const OK_COLOUR = "#4caf50";

/** Fill per error kind; chosen to be told apart in print too. */
export const ERROR_COLOURS: Record<ErrorKind, string> = {
  NOREPLICAS: "#ff9800",
  READONLY: "#9c27b0",
  WAIT: "#ffc107",
  connection: "#e53935",
  timeout: "#795548",
  LOADING: "#03a9f4",
  MASTERDOWN: "#607d8b",
  other: "#212121",
};

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** Renders the whole drill report as one SVG document. */
export function timelineSvg(report: DrillReport): string {
  const panels = report.scenarios.filter((s) => s.writes && s.reads);
  const legendY = 40 + panels.length * PANEL_HEIGHT;
  const height = legendY + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${escapeXml(
      `Failover drill, master set ${report.masterSet}, down-after ${report.tuning.downAfterMs} ms, ${report.startedAt}`,
    )}</text>`,
  ];
  panels.forEach((scenario, i) => parts.push(panel(scenario, 40 + i * PANEL_HEIGHT)));
  parts.push(legend(legendY));
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function panel(scenario: ScenarioResult, top: number): string {
  const end = Math.max(scenario.endAt ?? 1, 1);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (ms: number): number => LEFT + (Math.min(Math.max(ms, 0), end) / end) * plotWidth;
  const writeUnavailable = scenario.writes?.unavailableMs ?? 0;
  const readUnavailable = scenario.reads?.unavailableMs ?? 0;
  const title =
    `${scenario.scenario}: ${scenario.ok ? "ok" : "FAILED"}; writes unavailable ${writeUnavailable} ms, ` +
    `reads unavailable ${readUnavailable} ms, ${scenario.failovers} failover(s), ` +
    `${scenario.lostAcknowledgedWrites} acknowledged writes lost`;
  const parts = [
    `<g>`,
    `<text x="${LEFT}" y="${top + 12}" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const rows: [string, readonly Span[]][] = [
    ["writes", scenario.writes?.spans ?? []],
    ["reads", scenario.reads?.spans ?? []],
  ];
  rows.forEach(([label, spans], row) => {
    const y = top + 22 + row * (ROW_HEIGHT + 6);
    parts.push(`<text x="${LEFT - 8}" y="${y + 13}" text-anchor="end">${label}</text>`);
    parts.push(
      `<rect x="${LEFT}" y="${y}" width="${plotWidth}" height="${ROW_HEIGHT}" fill="#eeeeee"/>`,
    );
    for (const span of spans) {
      const from = x(span.from);
      // At least one pixel wide, so a single failed request is still visible.
      const width = Math.max(1, x(span.to) - from);
      const fill = span.ok ? OK_COLOUR : ERROR_COLOURS[span.error ?? "other"];
      const tip = `${label} ${span.ok ? "ok" : `failed (${span.error ?? "other"})`} ×${span.count}, ${Math.round(span.from)}–${Math.round(span.to)} ms`;
      parts.push(
        `<rect x="${from.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${ROW_HEIGHT}" fill="${fill}"><title>${escapeXml(tip)}</title></rect>`,
      );
    }
  });
  const axisY = top + 22 + 2 * (ROW_HEIGHT + 6);
  const markers: [number | undefined, string, string][] = [
    [scenario.faultAt, "#d32f2f", "fault"],
    [scenario.recoveredAt, "#1b5e20", "recovered"],
  ];
  for (const event of scenario.events.filter((e) => e.text.startsWith("+switch-master"))) {
    markers.push([event.at, "#1565c0", "switch-master"]);
  }
  for (const [at, colour, label] of markers) {
    if (at !== undefined) {
      parts.push(
        `<line x1="${x(at).toFixed(1)}" y1="${top + 18}" x2="${x(at).toFixed(1)}" y2="${axisY}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="4 2"><title>${escapeXml(`${label} at ${Math.round(at)} ms`)}</title></line>`,
      );
      parts.push(
        `<text x="${(x(at) + 2).toFixed(1)}" y="${axisY + 24}" fill="${colour}" font-size="9">${escapeXml(label)}</text>`,
      );
    }
  }
  const stepMs = tickStep(end);
  for (let t = 0; t <= end; t += stepMs) {
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${axisY}" x2="${x(t).toFixed(1)}" y2="${axisY + 4}" stroke="#555555"/>`,
    );
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${axisY + 14}" text-anchor="middle" font-size="9">${t / 1000}s</text>`,
    );
  }
  parts.push("</g>");
  return parts.join("\n");
}

/** A round tick interval giving at most about 12 ticks. */
export function tickStep(totalMs: number): number {
  for (const step of [500, 1000, 2000, 5000, 10000, 20000, 30000, 60000, 120000, 300000]) {
    if (totalMs / step <= 12) {
      return step;
    }
  }
  return 600000;
}

function legend(y: number): string {
  const items: [string, string][] = [
    ["ok", OK_COLOUR],
    ...ERROR_KINDS.map((kind): [string, string] => [kind, ERROR_COLOURS[kind]]),
  ];
  return items
    .map(
      ([label, colour], i) =>
        `<rect x="${LEFT + i * 100}" y="${y}" width="12" height="12" fill="${colour}"/><text x="${LEFT + i * 100 + 16}" y="${y + 10}">${escapeXml(label)}</text>`,
    )
    .join("\n");
}
