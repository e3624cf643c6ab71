/**
 * `drill`: steady writes (each confirmed with WAIT 1) and replica reads while a fault is
 * injected, then what clients saw: how long writes and reads failed, with which errors, the
 * latency before/during/after, and whether any WAIT-acknowledged write was lost.
 *
 * The fault is injected only once `verify` passes: a fault on a topology whose replicas are
 * still syncing measures the start-up, not the failover.
 */
import { randomBytes } from "node:crypto";
import Redis, { RedisOptions } from "ioredis";
import { RedisTuning } from "../tuning";
import { errorMessage, parseInfo, withConnection } from "./clients";
import {
  ErrorKind,
  Interval,
  LatencySummary,
  Sample,
  Span,
  classifyError,
  errorCounts,
  latencyIn,
  spans,
  totalMs,
  unavailableWindows,
} from "./metrics";
import { ConnectionSettings, Endpoint, endpointKey, reachable, sleep } from "./types";
import { VerifyOptions, VerifyReport, waitUntilVerified } from "./verify";

/** The scenarios, in the order a full drill runs them. */
export const SCENARIOS = [
  "master-crash",
  "graceful-failover",
  "replica-crash",
  "master-stall",
  "all-down",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

/** Parses scenario names; throws one line listing the unknown ones and the allowed names. */
export function parseScenarios(names: readonly string[]): ScenarioName[] {
  const unknown = names.filter((n) => !isScenarioName(n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario(s) ${unknown.join(", ")}; use one of ${SCENARIOS.join(", ")}`,
    );
  }
  return names.filter(isScenarioName);
}

/** How faults reach the topology: processes locally, pods on a cluster. */
export interface FaultInjector {
  /** Kills the Redis node announced at `node` without warning. */
  crash(node: Endpoint): Promise<void>;
  /** Brings a crashed node back (locally a restart; on a cluster the StatefulSet does it). */
  restore(node: Endpoint): Promise<void>;
  /** Freezes the node for `ms` and lets it go on. Absent where it cannot be done. */
  stall?(node: Endpoint, ms: number): Promise<void>;
  /** Takes every Redis node and sentinel down. */
  stopAll(): Promise<void>;
  /** Brings every Redis node and sentinel back. */
  startAll(): Promise<void>;
  /** Announced addresses of every Redis node (for the one-master check). */
  nodes(): Endpoint[];
}

export interface DrillOptions {
  readonly settings: ConnectionSettings;
  readonly injector: FaultInjector;
  /** The tuning the topology runs: sets the stall length and the recovery deadline. */
  readonly tuning: RedisTuning;
  /** Scenarios to run, in order. Defaults to all of `SCENARIOS`. */
  readonly scenarios?: readonly ScenarioName[];
  /** Options of the verify run that gates each fault and detects recovery. */
  readonly verify?: VerifyOptions;
  /** How long to wait for a healthy topology before a fault. Defaults to 60000. */
  readonly readyTimeoutMs?: number;
  /**
   * How long recovery may take after a fault. Defaults to 3 × down-after + failover-timeout +
   * 30 s, so the chart's 60 s down-after still fits.
   */
  readonly recoveryTimeoutMs?: number;
  /** Steady load before the fault and after recovery. Defaults to 2000. */
  readonly steadyMs?: number;
  /** Pause between two requests of one client. Defaults to 20. */
  readonly requestIntervalMs?: number;
  /** How long all nodes stay down in `all-down`. Defaults to 2000. */
  readonly allDownMs?: number;
  /** Progress lines (e.g. to stderr). Defaults to none. */
  readonly log?: (line: string) => void;
}

export interface PhaseLatency {
  readonly before: LatencySummary;
  readonly during: LatencySummary;
  readonly after: LatencySummary;
}

export interface TrafficResult {
  readonly attempts: number;
  readonly succeeded: number;
  /** Sum of the unavailable windows. */
  readonly unavailableMs: number;
  readonly windows: readonly Interval[];
  readonly errors: Record<ErrorKind, number>;
  readonly latency: PhaseLatency;
  /** Runs of equal outcome, for the timeline. */
  readonly spans: readonly Span[];
}

export interface DrillEvent {
  /** Milliseconds since the scenario's load started. */
  readonly at: number;
  readonly text: string;
}

export interface ScenarioResult {
  readonly scenario: ScenarioName;
  /** The scenario ran and every expectation held. */
  readonly ok: boolean;
  /** Why the scenario did not run (e.g. stall cannot be injected on a cluster). */
  readonly skipped?: string;
  /** One line per expectation that did not hold. */
  readonly problems: readonly string[];
  readonly masterBefore?: string;
  readonly masterAfter?: string;
  /** Distinct `+switch-master` announcements seen from the sentinels. */
  readonly failovers: number;
  readonly faultAt?: number;
  readonly recoveredAt?: number;
  readonly endAt?: number;
  readonly writes?: TrafficResult;
  readonly reads?: TrafficResult;
  /** WAIT-acknowledged writes checked on the master after recovery. */
  readonly acknowledgedWrites: number;
  /** Acknowledged writes missing or changed on the master after recovery. */
  readonly lostAcknowledgedWrites: number;
  /** The first lost writes: sequence number and when the write was acknowledged. */
  readonly lostWrites: readonly { readonly seq: number; readonly ackedAt: number }[];
  readonly events: readonly DrillEvent[];
}

export interface DrillReport {
  readonly ok: boolean;
  readonly masterSet: string;
  readonly tuning: RedisTuning;
  readonly startedAt: string;
  readonly scenarios: readonly ScenarioResult[];
}

/** Runs the scenarios in order; each waits for a healthy topology first. Never throws for a failed scenario. */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const startedAt = new Date().toISOString();
  const results: ScenarioResult[] = [];
  for (const scenario of options.scenarios ?? SCENARIOS) {
    options.log?.(`drill: ${scenario}: waiting for verify to pass`);
    try {
      results.push(await runScenario(scenario, options));
    } catch (error) {
      results.push(failedScenario(scenario, `scenario aborted: ${errorMessage(error)}`));
    }
    const last = results[results.length - 1];
    options.log?.(
      `drill: ${scenario}: ${last.skipped ? `skipped (${last.skipped})` : last.ok ? "ok" : `FAILED: ${last.problems.join("; ")}`}`,
    );
  }
  return {
    ok: results.every((r) => r.ok || r.skipped !== undefined),
    masterSet: options.settings.masterSet,
    tuning: options.tuning,
    startedAt,
    scenarios: results,
  };
}

function failedScenario(scenario: ScenarioName, problem: string): ScenarioResult {
  return {
    scenario,
    ok: false,
    problems: [problem],
    failovers: 0,
    acknowledgedWrites: 0,
    lostAcknowledgedWrites: 0,
    lostWrites: [],
    events: [],
  };
}

/** Default recovery deadline for a tuning (see `DrillOptions.recoveryTimeoutMs`). */
export function recoveryTimeoutFor(tuning: RedisTuning): number {
  return 3 * tuning.downAfterMs + tuning.failoverTimeoutMs + 30000;
}

/** Stall length: half of down-after, well inside it, so no sentinel may fail the master over. */
export function stallMsFor(tuning: RedisTuning): number {
  return Math.floor(tuning.downAfterMs / 2);
}

async function runScenario(scenario: ScenarioName, options: DrillOptions): Promise<ScenarioResult> {
  const { settings, injector, tuning } = options;
  if (scenario === "master-stall" && !injector.stall) {
    return {
      ...failedScenario(scenario, ""),
      problems: [],
      skipped: "this target cannot freeze a node (SIGSTOP)",
    };
  }
  const verifyOptions: VerifyOptions = { ...options.verify, nodes: injector.nodes() };
  const ready = await waitUntilVerified(settings, verifyOptions, options.readyTimeoutMs ?? 60000);
  if (!ready.ok || !ready.master) {
    // Never inject a fault into a topology that is not healthy: the numbers would be meaningless.
    return failedScenario(
      scenario,
      `fault not injected: topology not healthy: ${ready.failures.join("; ")}`,
    );
  }
  const steadyMs = options.steadyMs ?? 2000;
  const load = await Load.start(settings, options.requestIntervalMs ?? 20, scenario);
  let faultAt: number | undefined;
  let recovered: VerifyReport | undefined;
  let recoveredAt: number | undefined;
  const problems: string[] = [];
  try {
    await sleep(steadyMs);
    faultAt = load.now();
    load.event(`fault: ${scenario}`);
    await inject(scenario, ready, options, load);
    recovered = await waitUntilVerified(
      settings,
      verifyOptions,
      options.recoveryTimeoutMs ?? recoveryTimeoutFor(tuning),
    );
    recoveredAt = load.now();
    load.event(recovered.ok ? "recovered: verify passes" : "not recovered");
    if (!recovered.ok) {
      problems.push(`did not recover: ${recovered.failures.join("; ")}`);
    } else {
      await sleep(steadyMs);
    }
  } finally {
    await load.stop();
  }
  const endAt = load.now();
  const masterBefore = endpointKey(ready.master);
  const masterAfter = recovered?.master ? endpointKey(recovered.master) : undefined;
  const failovers = load.failovers();

  // Acknowledged writes must all be on the master once it is healthy again.
  let lostSeqs: number[] = [];
  if (recovered?.ok && recovered.master) {
    lostSeqs = await findLostWrites(
      settings,
      recovered.master,
      load.acknowledged(),
      load.keyPrefix,
    );
  }
  const lost = lostSeqs.length;
  const expectFailover = scenario === "master-crash" || scenario === "graceful-failover";
  if (expectFailover && (failovers < 1 || masterAfter === masterBefore)) {
    problems.push(
      `no failover observed (master before ${masterBefore}, after ${masterAfter ?? "unknown"})`,
    );
  }
  if (
    !expectFailover &&
    scenario !== "all-down" &&
    (failovers > 0 || (masterAfter !== undefined && masterAfter !== masterBefore))
  ) {
    problems.push(
      `unexpected failover (${failovers} switch-master, master ${masterBefore} -> ${masterAfter ?? "unknown"})`,
    );
  }
  if (lost > 0) {
    problems.push(`${lost} WAIT-acknowledged writes lost`);
  }
  const phases = {
    before: { from: 0, to: faultAt ?? endAt },
    during: { from: faultAt ?? endAt, to: recoveredAt ?? endAt },
    after: { from: recoveredAt ?? endAt, to: endAt },
  };
  return {
    scenario,
    ok: problems.length === 0,
    problems,
    masterBefore,
    masterAfter,
    failovers,
    faultAt,
    recoveredAt,
    endAt,
    writes: traffic(load.writes, phases),
    reads: traffic(load.reads, phases),
    acknowledgedWrites: load.acknowledged().length,
    lostAcknowledgedWrites: lost,
    lostWrites: lostSeqs
      .slice(0, 20)
      .map((seq) => ({ seq, ackedAt: Math.round(load.ackedAt(seq)) })),
    events: load.events(),
  };
}

function traffic(
  samples: readonly Sample[],
  phases: Record<keyof PhaseLatency, Interval>,
): TrafficResult {
  const windows = unavailableWindows(samples);
  return {
    attempts: samples.length,
    succeeded: samples.filter((s) => s.ok).length,
    unavailableMs: Math.round(totalMs(windows)),
    windows,
    errors: errorCounts(samples),
    latency: {
      before: latencyIn(samples, phases.before),
      during: latencyIn(samples, phases.during),
      after: latencyIn(samples, phases.after),
    },
    spans: spans(samples),
  };
}

async function inject(
  scenario: ScenarioName,
  ready: VerifyReport,
  options: DrillOptions,
  load: Load,
): Promise<void> {
  const { settings, injector, tuning } = options;
  const master = ready.master as Endpoint;
  const masterChanged = (): Promise<boolean> =>
    waitForMasterChange(settings, master, options.recoveryTimeoutMs ?? recoveryTimeoutFor(tuning));
  switch (scenario) {
    case "master-crash": {
      await injector.crash(master);
      load.event(`killed master ${endpointKey(master)}`);
      if (await masterChanged()) {
        load.event("sentinels report a new master");
      }
      // The old master comes back as it would after a pod restart; Sentinel must demote it.
      await injector.restore(master);
      load.event(`restarted ${endpointKey(master)}`);
      return;
    }
    case "graceful-failover": {
      await sentinelFailover(settings);
      load.event("SENTINEL FAILOVER sent");
      await masterChanged();
      return;
    }
    case "replica-crash": {
      const replica = await replicaOfReader(settings, ready.replicas, load);
      await injector.crash(replica);
      load.event(`killed replica ${endpointKey(replica)}`);
      // Long enough for Sentinel to mark it down, so the drill sees the real effect.
      await sleep(tuning.downAfterMs + 1000);
      await injector.restore(replica);
      load.event(`restarted ${endpointKey(replica)}`);
      return;
    }
    case "master-stall": {
      const ms = stallMsFor(tuning);
      load.event(`SIGSTOP master ${endpointKey(master)} for ${ms} ms`);
      await (injector.stall as (node: Endpoint, ms: number) => Promise<void>)(master, ms);
      load.event("SIGCONT");
      // Let the sentinels look once more before recovery is judged.
      await sleep(Math.min(tuning.downAfterMs, 2000));
      return;
    }
    case "all-down": {
      await injector.stopAll();
      load.event("every node and sentinel down");
      await sleep(options.allDownMs ?? 2000);
      await injector.startAll();
      load.event("every node and sentinel started");
      return;
    }
  }
}

/** Asks the first sentinel that answers to fail the master over (no agreement needed). */
async function sentinelFailover(settings: ConnectionSettings): Promise<void> {
  const errors: string[] = [];
  for (const sentinel of settings.sentinels) {
    try {
      await withConnection(sentinel, settings.password, (c) =>
        c.call("SENTINEL", "FAILOVER", settings.masterSet),
      );
      return;
    } catch (error) {
      errors.push(`${endpointKey(sentinel)}: ${errorMessage(error)}`);
    }
  }
  throw new Error(`SENTINEL FAILOVER refused by every sentinel: ${errors.join("; ")}`);
}

/** Polls the sentinels until one reports a master other than `old`. */
async function waitForMasterChange(
  settings: ConnectionSettings,
  old: Endpoint,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const sentinel of settings.sentinels) {
      try {
        const address = (await withConnection(sentinel, settings.password, (c) =>
          c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", settings.masterSet),
        )) as [string, string] | null;
        if (address && `${address[0]}:${address[1]}` !== endpointKey(old)) {
          return true;
        }
      } catch {
        // That sentinel is down or busy: ask the next one.
      }
    }
    await sleep(200);
  }
  return false;
}

/**
 * The replica the reader is connected to, so that crashing it shows the read impact; found by
 * run_id because a forwarded port hides the address. Falls back to the first replica.
 */
async function replicaOfReader(
  settings: ConnectionSettings,
  replicas: readonly Endpoint[],
  load: Load,
): Promise<Endpoint> {
  const readerRunId = await load.readerRunId();
  for (const replica of replicas) {
    try {
      const info = parseInfo(
        await withConnection(reachable(settings, replica), settings.password, (c) =>
          c.info("server"),
        ),
      );
      if (info.run_id === readerRunId) {
        return replica;
      }
    } catch {
      // Not reachable: cannot be the one the reader uses.
    }
  }
  return replicas[0];
}

/** The acknowledged sequence numbers whose key is missing or wrong on the master. */
async function findLostWrites(
  settings: ConnectionSettings,
  master: Endpoint,
  acknowledged: readonly number[],
  keyPrefix: string,
): Promise<number[]> {
  if (acknowledged.length === 0) {
    return [];
  }
  return withConnection(
    reachable(settings, master),
    settings.password,
    async (client) => {
      const lost: number[] = [];
      for (let i = 0; i < acknowledged.length; i += 500) {
        const chunk = acknowledged.slice(i, i + 500);
        const values = await client.mget(...chunk.map((seq) => `${keyPrefix}${seq}`));
        values.forEach((value, j) => {
          if (value !== String(chunk[j])) {
            lost.push(chunk[j]);
          }
        });
      }
      return lost;
    },
    10000,
  );
}

/** Options shared by the load clients: fail fast, reconnect fast, follow Sentinel. */
function sentinelClientOptions(
  settings: ConnectionSettings,
  role: "master" | "slave",
): RedisOptions {
  return {
    sentinels: settings.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: settings.masterSet,
    role,
    password: settings.password,
    sentinelPassword: settings.password,
    natMap: settings.natMap,
    // Fail instead of queueing, so every request is a sample with a time and an outcome.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1500,
    connectTimeout: 1000,
    sentinelCommandTimeout: 1000,
    retryStrategy: () => 100,
    sentinelRetryStrategy: () => 100,
    // A node demoted under us answers READONLY: reconnect, and Sentinel names the new master.
    reconnectOnError: (error: Error) => error.message.startsWith("READONLY"),
    // Not ioredis' failoverDetector: seen here (ioredis 6.0.0) to end the client for good when
    // +switch-master arrives while it is reconnecting. READONLY and connection errors suffice.
    disableClientInfo: true,
  };
}

/** The steady load of one scenario: a writer, a replica reader and sentinel event listeners. */
class Load {
  readonly keyPrefix: string;
  readonly writes: Sample[] = [];
  readonly reads: Sample[] = [];
  private readonly startedAt = performance.now();
  private readonly acked: number[] = [];
  private readonly ackTimes = new Map<number, number>();
  private readonly eventLog: DrillEvent[] = [];
  private readonly switchMessages = new Set<string>();
  private running = true;
  private loops: Promise<void>[] = [];
  private constructor(
    private readonly settings: ConnectionSettings,
    private writer: Redis,
    private reader: Redis,
    private readonly listeners: Redis[],
    private readonly intervalMs: number,
    scenario: string,
  ) {
    this.keyPrefix = `andyredis:drill:${randomBytes(4).toString("hex")}:${scenario}:`;
  }

  static async start(
    settings: ConnectionSettings,
    intervalMs: number,
    scenario: string,
  ): Promise<Load> {
    const writer = new Redis(sentinelClientOptions(settings, "master"));
    const reader = new Redis(sentinelClientOptions(settings, "slave"));
    const listeners = settings.sentinels.map(
      (s) =>
        new Redis({
          host: s.host,
          port: s.port,
          password: settings.password,
          retryStrategy: () => 200,
          maxRetriesPerRequest: null,
          disableClientInfo: true,
        }),
    );
    for (const client of [writer, reader, ...listeners]) {
      client.on("error", () => undefined);
    }
    const load = new Load(settings, writer, reader, listeners, intervalMs, scenario);
    for (const listener of listeners) {
      listener.on("message", (channel: string, message: string) =>
        load.onSentinelEvent(channel, message),
      );
      // Subscribed again after every reconnect (autoResubscribe), so all-down is covered.
      listener.subscribe("+switch-master", "+odown", "+sdown").catch(() => undefined);
    }
    try {
      await Promise.all([waitReady(writer), waitReady(reader)]);
    } catch (error) {
      for (const client of [writer, reader, ...listeners]) {
        client.disconnect();
      }
      throw error;
    }
    load.loops = [load.writeLoop(), load.readLoop()];
    return load;
  }

  now(): number {
    return performance.now() - this.startedAt;
  }

  event(text: string): void {
    this.eventLog.push({ at: Math.round(this.now()), text });
  }

  events(): DrillEvent[] {
    return [...this.eventLog].sort((a, b) => a.at - b.at);
  }

  failovers(): number {
    return this.switchMessages.size;
  }

  ackedAt(seq: number): number {
    return this.ackTimes.get(seq) ?? -1;
  }

  acknowledged(): number[] {
    return [...this.acked];
  }

  async readerRunId(): Promise<string | undefined> {
    try {
      return parseInfo(await this.reader.info("server")).run_id;
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const client of [this.writer, this.reader, ...this.listeners]) {
      client.disconnect();
    }
  }

  private onSentinelEvent(channel: string, message: string): void {
    if (channel === "+switch-master") {
      // Every sentinel announces the same switch: count it once.
      if (!this.switchMessages.has(message)) {
        this.switchMessages.add(message);
        this.event(`+switch-master ${message}`);
        // Follow the switch at once, as a Sentinel-aware client should: a demoted master keeps
        // its clients until Sentinel converts it (seconds later) and meanwhile answers
        // NOREPLICAS, not READONLY, so nothing else would make the writer move.
        // Only when connected: during a reconnect the next attempt asks Sentinel anyway, and
        // disconnect(true) then was seen to end the client for good (ioredis 6.0.0).
        if (this.writer.status === "ready") {
          this.writer.disconnect(true);
        }
      }
    } else if (channel === "+odown" && message.startsWith("master")) {
      this.event(`+odown ${message}`);
    }
  }

  /**
   * A load client that ended (status "end") stops reconnecting for good; a real application
   * would make a new one, and so does the drill, noting it in the timeline.
   */
  private revive(role: "master" | "slave"): void {
    const current = role === "master" ? this.writer : this.reader;
    if (current.status !== "end") {
      return;
    }
    const client = new Redis(sentinelClientOptions(this.settings, role));
    client.on("error", () => undefined);
    if (role === "master") {
      this.writer = client;
    } else {
      this.reader = client;
    }
    this.event(`${role === "master" ? "writer" : "reader"} client had ended; made a new one`);
  }

  private async writeLoop(): Promise<void> {
    let seq = 0;
    while (this.running) {
      this.revive("master");
      seq += 1;
      const start = this.now();
      let ok = false;
      let error: ErrorKind | undefined;
      try {
        // SET and WAIT in one pipeline, so both travel on one connection: WAIT counts this write.
        const replies = await this.writer
          .pipeline()
          .set(`${this.keyPrefix}${seq}`, String(seq), "PX", 3600000)
          .wait(1, 500)
          .exec();
        const failure = replies?.find(([err]) => err)?.[0];
        if (failure) {
          error = classifyError(failure.message);
        } else if (Number(replies?.[1]?.[1]) >= 1) {
          ok = true;
          this.acked.push(seq);
          this.ackTimes.set(seq, this.now());
        } else {
          error = "WAIT";
        }
      } catch (caught) {
        error = classifyError(errorMessage(caught));
      }
      this.writes.push({ start, end: this.now(), ok, error });
      await sleep(ok ? this.intervalMs : Math.max(this.intervalMs, 50));
    }
  }

  private async readLoop(): Promise<void> {
    while (this.running) {
      this.revive("slave");
      const start = this.now();
      let ok = false;
      let error: ErrorKind | undefined;
      try {
        const latest = this.acked[this.acked.length - 1] ?? 0;
        await this.reader.get(`${this.keyPrefix}${latest}`);
        ok = true;
      } catch (caught) {
        error = classifyError(errorMessage(caught));
      }
      this.reads.push({ start, end: this.now(), ok, error });
      await sleep(ok ? this.intervalMs : Math.max(this.intervalMs, 50));
    }
  }
}

/** Waits for a load client's first connection, so the steady phase really is steady. */
function waitReady(client: Redis): Promise<void> {
  if (client.status === "ready") {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("load client did not connect within 15 s")),
      15000,
    );
    client.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
