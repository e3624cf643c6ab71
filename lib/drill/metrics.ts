/**
 * Pure arithmetic on the drill's per-request samples: error kinds, unavailable windows,
 * percentiles, and the compact spans the timeline draws.
 */

/** Why a request failed, in the terms an operator acts on. */
export type ErrorKind =
  | "NOREPLICAS" // master refused: fewer than min-replicas-to-write good replicas
  | "READONLY" // the write reached a node that is now a replica
  | "WAIT" // written, but WAIT 1 saw no replica acknowledge it in time: not counted as safe
  | "connection" // refused, reset, closed, no master/replica known, or not yet reconnected
  | "timeout" // no reply within the command timeout (a stalled node)
  | "LOADING" // node still loading its data set after a restart
  | "MASTERDOWN" // replica refuses reads while its link to the master is down
  | "other";

export const ERROR_KINDS: readonly ErrorKind[] = [
  "NOREPLICAS",
  "READONLY",
  "WAIT",
  "connection",
  "timeout",
  "LOADING",
  "MASTERDOWN",
  "other",
];

/** Maps an ioredis/Redis error message to its kind. */
export function classifyError(message: string): ErrorKind {
  for (const prefix of ["NOREPLICAS", "READONLY", "LOADING", "MASTERDOWN"] as const) {
    if (message.startsWith(prefix)) {
      return prefix;
    }
  }
  if (/Command timed out/i.test(message)) {
    return "timeout";
  }
  if (
    /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|Connection is closed|Stream isn't writeable|All sentinels are unreachable|MaxRetriesPerRequest|No (master|slave|replica)|connect|Failed to refresh slots|reconnect/i.test(
      message,
    )
  ) {
    return "connection";
  }
  return "other";
}

/** One request of the load: a write (SET + WAIT 1) or a read from a replica. */
export interface Sample {
  /** Milliseconds since the scenario's load started. */
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
  readonly error?: ErrorKind;
}

/** A time interval in milliseconds since the scenario's load started. */
export interface Interval {
  readonly from: number;
  readonly to: number;
}

/**
 * The intervals during which requests failed: each runs from the start of the first failed
 * request of a run of failures to the end of the first successful request after it (when
 * service was back), or to the end of the last failure if none succeeded afterwards.
 */
export function unavailableWindows(samples: readonly Sample[]): Interval[] {
  const sorted = [...samples].sort((a, b) => a.start - b.start);
  const windows: Interval[] = [];
  let openedAt: number | undefined;
  let lastFailureEnd = 0;
  for (const sample of sorted) {
    if (!sample.ok) {
      openedAt ??= sample.start;
      lastFailureEnd = Math.max(lastFailureEnd, sample.end);
    } else if (openedAt !== undefined) {
      windows.push({ from: openedAt, to: sample.end });
      openedAt = undefined;
    }
  }
  if (openedAt !== undefined) {
    windows.push({ from: openedAt, to: lastFailureEnd });
  }
  return windows;
}

export function totalMs(intervals: readonly Interval[]): number {
  return intervals.reduce((sum, i) => sum + (i.to - i.from), 0);
}

/** Nearest-rank percentile; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface LatencySummary {
  /** Successful requests counted (failures are fast errors, not latency). */
  readonly count: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

/** p50/p99 of the successful requests that started inside `phase`. */
export function latencyIn(samples: readonly Sample[], phase: Interval): LatencySummary {
  const latencies = samples
    .filter((s) => s.ok && s.start >= phase.from && s.start < phase.to)
    .map((s) => s.end - s.start);
  return {
    count: latencies.length,
    p50Ms: roundMs(percentile(latencies, 50)),
    p99Ms: roundMs(percentile(latencies, 99)),
  };
}

export function errorCounts(samples: readonly Sample[]): Record<ErrorKind, number> {
  const counts = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
  for (const sample of samples) {
    if (!sample.ok) {
      counts[sample.error ?? "other"] += 1;
    }
  }
  return counts;
}

/** A run of consecutive samples with the same outcome, for the timeline. */
export interface Span extends Interval {
  readonly ok: boolean;
  /** The most frequent error kind in a failed span. */
  readonly error?: ErrorKind;
  readonly count: number;
}

/** Merges consecutive samples with the same outcome (and error kind) into spans. */
export function spans(samples: readonly Sample[]): Span[] {
  const sorted = [...samples].sort((a, b) => a.start - b.start);
  const result: Span[] = [];
  for (const s of sorted) {
    const last = result[result.length - 1];
    if (last && last.ok === s.ok && last.error === s.error) {
      result[result.length - 1] = { ...last, to: Math.max(last.to, s.end), count: last.count + 1 };
    } else {
      result.push({ from: s.start, to: s.end, ok: s.ok, error: s.error, count: 1 });
    }
  }
  return result;
}

function roundMs(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
