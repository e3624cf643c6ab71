/**
 * Turns the engine's events into one terminal line per resource step, with the time elapsed
 * since the operation started: an EKS cluster takes 10-15 minutes, and a CI log that shows
 * which resource is still pending (and since when) is what makes a slow run debuggable.
 */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";

/** Whether the operation changes anything (`update`: up or destroy) or only plans (`preview`). */
export type OperationKind = "preview" | "update";

const VERBS: Partial<Record<OpType, readonly [string, string]>> = {
  create: ["creating", "created"],
  update: ["updating", "updated"],
  delete: ["deleting", "deleted"],
  replace: ["replacing", "replaced"],
  "create-replacement": ["creating replacement", "created replacement"],
  "delete-replaced": ["deleting replaced", "deleted replaced"],
  read: ["reading", "read"],
  refresh: ["refreshing", "refreshed"],
  import: ["importing", "imported"],
};

/** `1m05s`, `12.3s`: short enough for a prefix on every line. */
export function formatElapsed(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.floor(seconds - minutes * 60);
  return `${minutes}m${rest.toString().padStart(2, "0")}s`;
}

/** The resource name at the end of a URN (`urn:pulumi:stack::project::type::name`). */
export function urnName(urn: string): string {
  const at = urn.lastIndexOf("::");
  return at >= 0 ? urn.slice(at + 2) : urn;
}

/**
 * The line to print for an engine event, or undefined for events that say nothing new
 * (unchanged resources, the prelude, ephemeral diagnostics).
 */
export function formatEngineEvent(
  event: EngineEvent,
  elapsedSeconds: number,
  kind: OperationKind,
): string | undefined {
  const prefix = `[${formatElapsed(elapsedSeconds).padStart(7)}]`;
  const pre = event.resourcePreEvent;
  if (pre !== undefined) {
    const { op, type, urn } = pre.metadata;
    const verbs = VERBS[op];
    if (op === "same" || verbs === undefined) return undefined;
    // In a preview the engine only plans, so the first verb reads as "would ...".
    const verb = kind === "preview" ? `would ${op}` : verbs[0];
    return `${prefix} ${verb} ${type} ${urnName(urn)}`;
  }
  const done = event.resOutputsEvent;
  if (done !== undefined) {
    const { op, type, urn } = done.metadata;
    const verbs = VERBS[op];
    if (op === "same" || verbs === undefined || kind === "preview") return undefined;
    return `${prefix} ${verbs[1]} ${type} ${urnName(urn)}`;
  }
  const failed = event.resOpFailedEvent;
  if (failed !== undefined) {
    const { op, type, urn } = failed.metadata;
    return `${prefix} FAILED to ${op} ${type} ${urnName(urn)}`;
  }
  const diagnostic = event.diagnosticEvent;
  if (diagnostic !== undefined) {
    // Debug diagnostics carry resource inputs and outputs in plain text, secrets included. The
    // SDK's type leaves "debug" out, but the engine sends it.
    const severity: string = diagnostic.severity;
    if (diagnostic.ephemeral === true || severity === "debug") return undefined;
    const message = diagnostic.message.trim();
    if (message === "") return undefined;
    const where = diagnostic.urn !== undefined ? ` ${urnName(diagnostic.urn)}:` : "";
    return `${prefix} ${severity === "info#err" ? "info" : severity}${where} ${message}`;
  }
  const summary = event.summaryEvent;
  if (summary !== undefined) {
    const changes = Object.entries(summary.resourceChanges)
      .filter(([op, count]) => op !== "same" && (count ?? 0) > 0)
      .map(([op, count]) => `${count} ${op}`)
      .join(", ");
    const unchanged = summary.resourceChanges.same ?? 0;
    return (
      `${prefix} done: ${changes === "" ? "no changes" : changes}` +
      `${unchanged > 0 ? `, ${unchanged} unchanged` : ""} in ${formatElapsed(summary.durationSeconds)}`
    );
  }
  // The engine ends every event stream with a cancelEvent, successful runs included: it says
  // nothing. An interruption is reported by the driver itself.
  return undefined;
}
