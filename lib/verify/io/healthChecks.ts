/**
 * `verify`: is this Sentinel topology healthy enough to survive a failure? Every check gives one
 * line; a failed check's line says what is wrong and where.
 */
import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import {
  errorMessage,
  flaggedDown,
  parseInfo,
  recordsFromReply,
  withConnection,
} from "../../sentinel/io/clients";
import { ConnectionSettings, Endpoint, endpointKey, reachable, sleep } from "../../sentinel/ports";

export interface VerifyOptions {
  /** Replicas every sentinel must see up. Defaults to 2 (the chart's 3 nodes). */
  readonly expectedReplicas?: number;
  /**
   * Sentinels in the topology; each must see the others. Defaults to the number of sentinels in
   * the connection settings.
   */
  readonly expectedSentinels?: number;
  /** Largest replica lag (seconds since its last ACK, as the master reports it). Defaults to 5. */
  readonly maxLagSeconds?: number;
  /** How long the test write may wait for every replica to acknowledge it. Defaults to 2000. */
  readonly waitTimeoutMs?: number;
  /**
   * Announced addresses of every Redis node. When given, verify also checks that exactly one of
   * them reports role master (no split brain). Defaults to none (the check is skipped).
   */
  readonly nodes?: readonly Endpoint[];
}

export interface VerifyCheck {
  /** What was checked, e.g. "sentinel 127.0.0.1:26379 ckquorum". */
  readonly name: string;
  readonly ok: boolean;
  /** One line: what was found (on success) or what is wrong (on failure). */
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly masterSet: string;
  /** The master every sentinel agrees on, as announced; undefined when they do not agree. */
  readonly master: Endpoint | undefined;
  /** Replicas as announced by the sentinels. */
  readonly replicas: readonly Endpoint[];
  readonly checks: readonly VerifyCheck[];
  /** One line per failed check, in check order. */
  readonly failures: readonly string[];
  /** Nodes that report role master; undefined when the node list was not given. */
  readonly masters?: number;
}

interface SentinelView {
  readonly sentinel: Endpoint;
  readonly master: Endpoint | undefined;
  readonly ckquorum: string;
  readonly replicas: Record<string, string>[];
  readonly sentinels: Record<string, string>[];
}

/** Runs every check once and reports; never throws for an unhealthy topology. */
export async function verifyTopology(
  settings: ConnectionSettings,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const expectedReplicas = options.expectedReplicas ?? 2;
  const expectedSentinels = options.expectedSentinels ?? settings.sentinels.length;
  const maxLagSeconds = options.maxLagSeconds ?? 5;
  const waitTimeoutMs = options.waitTimeoutMs ?? 2000;
  const checks: VerifyCheck[] = [];
  const check = (name: string, ok: boolean, detail: string): boolean => {
    checks.push({ name, ok, detail });
    return ok;
  };

  // 1. Every sentinel: reachable, its master, quorum, the replicas and sentinels it sees.
  const views: SentinelView[] = [];
  const results = await Promise.all(
    settings.sentinels.map((sentinel) =>
      querySentinel(sentinel, settings).then(
        (view) => ({ sentinel, view, error: undefined }),
        (error: unknown) => ({ sentinel, view: undefined, error: errorMessage(error) }),
      ),
    ),
  );
  for (const { sentinel, view, error } of results) {
    const where = `sentinel ${endpointKey(sentinel)}`;
    if (
      check(
        `${where} reachable`,
        view !== undefined,
        view ? "answers" : `${where} unreachable: ${error}`,
      ) &&
      view
    ) {
      views.push(view);
    }
  }
  const master = agreedMaster(views, settings.masterSet, check);
  for (const view of views) {
    const where = `sentinel ${endpointKey(view.sentinel)}`;
    check(
      `${where} ckquorum`,
      view.ckquorum.startsWith("OK"),
      view.ckquorum.startsWith("OK")
        ? view.ckquorum
        : `${where}: SENTINEL CKQUORUM ${settings.masterSet} failed: ${view.ckquorum}`,
    );
    const up = view.replicas.filter((r) => !flaggedDown(r.flags));
    const down = view.replicas.filter((r) => flaggedDown(r.flags));
    check(
      `${where} sees replicas`,
      up.length >= expectedReplicas,
      `${where} sees ${up.length} of ${expectedReplicas} expected replicas up` +
        (down.length > 0
          ? ` (down: ${down.map((r) => `${r.ip}:${r.port} ${r.flags}`).join(", ")})`
          : ""),
    );
    const otherUp = view.sentinels.filter((s) => !flaggedDown(s.flags));
    check(
      `${where} sees sentinels`,
      otherUp.length >= expectedSentinels - 1,
      `${where} sees ${otherUp.length} of ${expectedSentinels - 1} other sentinels up`,
    );
  }

  // 2. The master and each replica, reached through the NAT map.
  const replicas = uniqueEndpoints(
    views.flatMap((v) => v.replicas.map((r) => ({ host: r.ip, port: Number(r.port) }))),
  );
  if (master) {
    await checkNodes(settings, master, replicas, maxLagSeconds, check);
    await checkReplicatedWrite(settings, master, replicas, expectedReplicas, waitTimeoutMs, check);
  }
  const masters = options.nodes ? await checkOneMaster(settings, options.nodes, check) : undefined;
  const failures = checks.filter((c) => !c.ok).map((c) => c.detail);
  return {
    ok: failures.length === 0 && checks.length > 0,
    masterSet: settings.masterSet,
    master,
    replicas,
    checks,
    failures,
    masters,
  };
}

/**
 * Runs verify until it passes, or returns the last failing report once `timeoutMs` has passed.
 * Replicas take seconds to sync and sentinels seconds to find each other after a start or a
 * failover, so a drill must wait for this before injecting a fault.
 */
export async function waitUntilVerified(
  settings: ConnectionSettings,
  options: VerifyOptions,
  timeoutMs: number,
  intervalMs = 500,
): Promise<VerifyReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await verifyTopology(settings, options);
    if (report.ok || Date.now() >= deadline) {
      return report;
    }
    await sleep(intervalMs);
  }
}

async function querySentinel(
  sentinel: Endpoint,
  settings: ConnectionSettings,
): Promise<SentinelView> {
  return withConnection(sentinel, settings, async (client) => {
    const set = settings.masterSet;
    const address = (await client.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", set)) as
      [string, string] | null;
    let ckquorum: string;
    try {
      ckquorum = String(await client.call("SENTINEL", "CKQUORUM", set));
    } catch (error) {
      ckquorum = errorMessage(error);
    }
    const replicas = recordsFromReply(
      await client.call("SENTINEL", "REPLICAS", set).catch(() => []),
    );
    const sentinels = recordsFromReply(
      await client.call("SENTINEL", "SENTINELS", set).catch(() => []),
    );
    return {
      sentinel,
      master: address ? { host: String(address[0]), port: Number(address[1]) } : undefined,
      ckquorum,
      replicas,
      sentinels,
    };
  });
}

function agreedMaster(
  views: readonly SentinelView[],
  masterSet: string,
  check: (name: string, ok: boolean, detail: string) => boolean,
): Endpoint | undefined {
  const claims = views.map((v) => ({
    sentinel: endpointKey(v.sentinel),
    master: v.master ? endpointKey(v.master) : "none",
  }));
  const distinct = new Set(claims.map((c) => c.master));
  const agreed = views.length > 0 && distinct.size === 1 && !distinct.has("none");
  check(
    "sentinels agree on master",
    agreed,
    agreed
      ? `${views.length} sentinels say ${masterSet} is ${claims[0].master}`
      : views.length === 0
        ? `no sentinel answered, so no master for ${masterSet}`
        : `sentinels disagree on the master of ${masterSet}: ` +
          claims.map((c) => `${c.sentinel} says ${c.master}`).join(", "),
  );
  return agreed ? views[0].master : undefined;
}

async function checkNodes(
  settings: ConnectionSettings,
  master: Endpoint,
  replicas: readonly Endpoint[],
  maxLagSeconds: number,
  check: (name: string, ok: boolean, detail: string) => boolean,
): Promise<void> {
  const masterKey = endpointKey(master);
  let masterInfo: Record<string, string> | undefined;
  try {
    masterInfo = parseInfo(
      await withConnection(reachable(settings, master), settings, (c) => c.info("replication")),
    );
    check(
      `master ${masterKey} role`,
      masterInfo.role === "master",
      masterInfo.role === "master"
        ? `role master, ${masterInfo.connected_slaves} replicas connected`
        : `master ${masterKey} reports role ${masterInfo.role}`,
    );
  } catch (error) {
    check(
      `master ${masterKey} role`,
      false,
      `master ${masterKey} unreachable: ${errorMessage(error)}`,
    );
  }
  // The master's own view of each replica: "slave0:ip=...,port=...,state=online,offset=..,lag=0".
  const lagByReplica = new Map<string, number>();
  for (const [key, value] of Object.entries(masterInfo ?? {})) {
    if (/^slave\d+$/.test(key)) {
      const fields = Object.fromEntries(
        value.split(",").map((kv) => kv.split("=") as [string, string]),
      );
      lagByReplica.set(`${fields.ip}:${fields.port}`, Number(fields.lag));
    }
  }
  await Promise.all(
    replicas.map(async (replica) => {
      const key = endpointKey(replica);
      try {
        const info = parseInfo(
          await withConnection(reachable(settings, replica), settings, (c) =>
            c.info("replication"),
          ),
        );
        const linked = info.role === "slave" && info.master_link_status === "up";
        check(
          `replica ${key} link`,
          linked,
          linked
            ? "master_link_status:up"
            : `replica ${key} has role ${info.role}, master_link_status:${info.master_link_status ?? "n/a"}`,
        );
        if (linked) {
          const lag = lagByReplica.get(key);
          const behindBytes =
            Number(masterInfo?.master_repl_offset ?? 0) - Number(info.slave_repl_offset);
          check(
            `replica ${key} lag`,
            lag !== undefined && lag <= maxLagSeconds,
            lag === undefined
              ? `replica ${key} is not listed by the master as a connected replica`
              : `replica ${key} lag ${lag} s (limit ${maxLagSeconds} s), ${Math.max(0, behindBytes)} bytes behind`,
          );
        }
      } catch (error) {
        check(`replica ${key} link`, false, `replica ${key} unreachable: ${errorMessage(error)}`);
      }
    }),
  );
}

async function checkReplicatedWrite(
  settings: ConnectionSettings,
  master: Endpoint,
  replicas: readonly Endpoint[],
  expectedReplicas: number,
  waitTimeoutMs: number,
  check: (name: string, ok: boolean, detail: string) => boolean,
): Promise<void> {
  const key = `andyredis:verify:${randomBytes(6).toString("hex")}`;
  const value = String(Date.now());
  try {
    const acknowledged = await withConnection(
      reachable(settings, master),
      settings,
      async (client: Redis) => {
        // One pipeline, one connection: WAIT counts the replicas that have this client's write.
        const replies = await client
          .pipeline()
          .set(key, value, "PX", 60000)
          .wait(expectedReplicas, waitTimeoutMs)
          .exec();
        const [setError] = replies?.[0] ?? [null];
        if (setError) {
          throw setError;
        }
        const [waitError, count] = replies?.[1] ?? [null, 0];
        if (waitError) {
          throw waitError;
        }
        return Number(count);
      },
      waitTimeoutMs + 2000,
    );
    check(
      "write acknowledged by replicas (WAIT)",
      acknowledged >= expectedReplicas,
      `WAIT: ${acknowledged} of ${expectedReplicas} replicas acknowledged a write within ${waitTimeoutMs} ms`,
    );
  } catch (error) {
    check(
      "write acknowledged by replicas (WAIT)",
      false,
      `write on master ${endpointKey(master)} failed: ${errorMessage(error)}`,
    );
    return;
  }
  await Promise.all(
    replicas.map(async (replica) => {
      const where = endpointKey(replica);
      try {
        const read = await withConnection(reachable(settings, replica), settings, (c) =>
          c.get(key),
        );
        check(
          `replica ${where} reads the write`,
          read === value,
          read === value
            ? "reads the write"
            : `replica ${where} returned ${JSON.stringify(read)} for the write just made, expected ${value}`,
        );
      } catch (error) {
        check(
          `replica ${where} reads the write`,
          false,
          `replica ${where} read failed: ${errorMessage(error)}`,
        );
      }
    }),
  );
}

async function checkOneMaster(
  settings: ConnectionSettings,
  nodes: readonly Endpoint[],
  check: (name: string, ok: boolean, detail: string) => boolean,
): Promise<number> {
  const roles = await Promise.all(
    nodes.map(async (node) => {
      try {
        const role = (await withConnection(reachable(settings, node), settings, (c) =>
          c.call("ROLE"),
        )) as unknown[];
        return { node: endpointKey(node), role: String(role[0]) };
      } catch {
        return { node: endpointKey(node), role: "unreachable" };
      }
    }),
  );
  const masters = roles.filter((r) => r.role === "master");
  check(
    "exactly one master",
    masters.length === 1,
    `${masters.length} of ${nodes.length} nodes report role master` +
      (masters.length > 1 ? ` (split brain: ${masters.map((m) => m.node).join(", ")})` : "") +
      (roles.some((r) => r.role === "unreachable")
        ? `; unreachable: ${roles
            .filter((r) => r.role === "unreachable")
            .map((r) => r.node)
            .join(", ")}`
        : ""),
  );
  return masters.length;
}

function uniqueEndpoints(endpoints: readonly Endpoint[]): Endpoint[] {
  const byKey = new Map(endpoints.map((e) => [endpointKey(e), e]));
  return [...byKey.values()].sort((a, b) => endpointKey(a).localeCompare(endpointKey(b)));
}

/** Human-readable report: one line per check, failures marked. */
export function formatVerifyReport(report: VerifyReport): string {
  const lines = report.checks.map(
    (c) => `${c.ok ? "ok  " : "FAIL"} ${c.ok ? `${c.name}: ${c.detail}` : c.detail}`,
  );
  lines.push(
    report.ok
      ? `verify: ${report.masterSet} healthy (master ${report.master ? endpointKey(report.master) : "?"}, ${report.replicas.length} replicas)`
      : `verify: ${report.failures.length} check(s) failed for ${report.masterSet}: ${failedCheckNames(report).join(", ")}`,
  );
  return lines.join("\n");
}

function failedCheckNames(report: VerifyReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

/**
 * The failed checks alone, one line each, for the console when the report itself goes out as
 * JSON; empty when every check passed.
 */
export function formatVerifyFailures(report: VerifyReport): string {
  if (report.ok) {
    return "";
  }
  return [
    `verify: ${report.failures.length} check(s) failed for ${report.masterSet}:`,
    ...report.checks.filter((c) => !c.ok).map((c) => `FAIL ${c.name}: ${c.detail}`),
  ].join("\n");
}
