/**
 * The drill's steady load: a writer (SET + WAIT 1, sequence numbers) and a replica reader, both
 * Sentinel-aware ioredis clients that fail fast so every request is a sample with a time and an
 * outcome, plus listeners for the sentinels' announcements.
 */
import { randomBytes } from "node:crypto";
import Redis, { RedisOptions } from "ioredis";
import { errorMessage, parseInfo } from "../../sentinel/io/clients";
import { ErrorKind, Sample, classifyError } from "../metrics";
import { ConnectionSettings, sleep } from "../../sentinel/ports";
import type { DrillEvent } from "../results";

/** Options shared by the load clients: fail fast, reconnect fast, follow Sentinel. */
export function sentinelClientOptions(
  settings: ConnectionSettings,
  role: "master" | "slave",
): RedisOptions {
  return {
    sentinels: settings.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: settings.masterSet,
    role,
    username: settings.username,
    password: settings.password,
    sentinelUsername: settings.username,
    sentinelPassword: settings.password,
    ...(settings.tls === undefined
      ? {}
      : {
          tls: { ca: settings.tls.ca },
          sentinelTLS: { ca: settings.tls.ca },
          enableTLSForSentinelMode: true,
        }),
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
export class Load {
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
          username: settings.username,
          password: settings.password,
          ...(settings.tls === undefined ? {} : { tls: { ca: settings.tls.ca } }),
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
