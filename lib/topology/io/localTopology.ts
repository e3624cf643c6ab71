/**
 * A Sentinel topology of real `redis-server` / `redis-sentinel` processes on loopback ports:
 * one master, replicas and sentinels, configured from the tuning module so that the drill
 * measures the timings the stack deploys. Every process and the temp directory are removed by
 * `close()`, and by `withLocalTopology` also on failure and on Ctrl-C.
 */
import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { onInterrupt } from "../../cli/interrupts";
import {
  DEFAULT_TUNING,
  POD_SHUTDOWN,
  RedisTuning,
  redisServerDirectives,
  replicaPriorityForOrdinal,
  sentinelMonitorDirectives,
} from "../../tuning";
import {
  APP_USER,
  AclOptions,
  INTERNAL_USER,
  OPERATOR_USER,
  aclHashes,
  redisAclFile,
  sentinelAclFile,
} from "../../redis/acl";
import { sentinelMasterOf } from "../../sentinel/io/admin";
import { CertificateFiles, makeCertificateFiles } from "./certificates";
import { withConnection } from "../../sentinel/io/clients";
import {
  HookIdentity,
  PreStopPlan,
  preStopPlan,
  redisPreStopScript,
  sentinelPreStopScript,
} from "../preStop";
import {
  ConnectionSettings,
  Credentials,
  Endpoint,
  FaultInjector,
  endpointKey,
  sleep,
} from "../../sentinel/ports";

/** A user only the local topology has (every right), for test-only commands. */
const LOCAL_ADMIN_USER = "andyredis-local-admin";

/** Loopback only: the topology must never be reachable from outside this machine. */
export const LOOPBACK = "127.0.0.1";

export interface LocalTopologyOptions {
  /** Timings and master set name. Defaults to `DEFAULT_TUNING` (what the stack deploys). */
  readonly tuning?: RedisTuning;
  /** Number of replicas besides the master. Defaults to 2 (the chart's 3 nodes). */
  readonly replicas?: number;
  /** Number of sentinels. Defaults to 3 (one beside each node, as in the chart). */
  readonly sentinels?: number;
  /**
   * Password of the internal `default` user of every Redis node and sentinel (replication,
   * Sentinel's links), as the chart's `<release>-password`. Defaults to a random one.
   */
  readonly password?: string;
  /** Password of the `app` user. Defaults to a random one. */
  readonly appPassword?: string;
  /** Password of the `operator` user (verify, drill, preStop). Defaults to a random one. */
  readonly operatorPassword?: string;
  /** The ACL options the stack renders (`redisAllowScripting`). Defaults to none. */
  readonly acl?: AclOptions;
  /**
   * For tests only: start redis-server with `enable-debug-command yes`, so that DEBUG reaches
   * the ACL check (without it Redis refuses DEBUG with ERR before looking at the user).
   */
  readonly enableDebugCommand?: boolean;
  /**
   * TLS only, as the stack deploys by default (`redisTls`): plaintext port 0, a TLS port,
   * replication and Sentinel's links over TLS, a CA and a server certificate (127.0.0.1)
   * made with openssl for this topology. Defaults to false.
   */
  readonly tls?: boolean;
  /** Parent of the temp directory. Defaults to the OS temp directory. */
  readonly tempRoot?: string;
  /**
   * The preStop hooks a node "pod" runs in `stop()`. Defaults to the stack's
   * (`preStopPlan(POD_SHUTDOWN)`); `preStopPlan(..., "chart")` gives chart 23.1.1's own.
   */
  readonly preStop?: PreStopPlan;
  /**
   * "by-ordinal": each node gets the replica-priority the stack gives its pod
   * (`replicaPriorityForOrdinal`); "redis-default": every node keeps Redis' 100, as the chart
   * deploys by default. Defaults to "by-ordinal".
   */
  readonly replicaPriority?: "by-ordinal" | "redis-default";
  /**
   * For tests only: shorter internal periods for every sentinel, set whenever one starts.
   * Defaults to Sentinel's own, which the drill CLI and the benchmark keep: they measure what a
   * cluster does.
   */
  readonly sentinelPeriods?: SentinelPeriods;
}

/**
 * Sentinel's hard-coded periods, which `SENTINEL DEBUG` (Redis 7, "for testing") can shorten.
 * They set how long a node that runs as a master where the sentinels expect a replica (the old
 * master after a bare `SENTINEL FAILOVER`, a node that restarts from a stale config after
 * all-down) keeps that role: a sentinel reconfigures it once it has reported the wrong role for
 * 4 × `publishMs` (8 s by default) and a fresh INFO (every `infoMs`, 10 s by default) shows it.
 * What a failover does, and when one starts (down-after, quorum), does not change.
 */
export interface SentinelPeriods {
  /** `info-period`: INFO to each monitored node outside a failover (Sentinel: 10000). */
  readonly infoMs: number;
  /** `publish-period`: hello messages; 4 × this is the wrong-role grace (Sentinel: 2000). */
  readonly publishMs: number;
}

type NodeKind = "redis" | "sentinel";

interface LocalNode {
  readonly kind: NodeKind;
  readonly name: string;
  readonly port: number;
  readonly configPath: string;
  readonly logPath: string;
  /**
   * Arguments after the config file, as the chart's start-node.sh passes `--replica-priority`
   * on the command line: a CONFIG REWRITE (Sentinel sends one when it re-points a replica)
   * cannot carry a temporary priority over a restart.
   */
  readonly startArgs: readonly string[];
  process: ChildProcess | undefined;
  stalled: boolean;
}

/** The binaries the local topology needs, by the name looked up on PATH. */
export const REQUIRED_BINARIES = ["redis-server", "redis-sentinel"] as const;

/** The required binaries that are not on PATH (an empty list means all are there). */
export function missingBinaries(searchPath = process.env.PATH ?? ""): string[] {
  const dirs = searchPath.split(path.delimiter).filter((dir) => dir !== "");
  return REQUIRED_BINARIES.filter(
    (binary) =>
      !dirs.some((dir) => {
        try {
          fs.accessSync(path.join(dir, binary), fs.constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
}

/** One line that says what is missing and how to get it, for CLIs and test skips. */
export function missingBinariesMessage(missing: readonly string[]): string {
  return (
    `${missing.join(" and ")} not found on PATH; the local topology runs real Redis processes: ` +
    `install Redis 7 or newer (e.g. "apt-get install redis-server redis-sentinel") and retry`
  );
}

/** Distinct free loopback ports. All are held open until every one is chosen, so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, LOOPBACK, () => resolve());
      });
      servers.push(server);
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(
      servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }
}

/** The certificate files of a TLS topology. */
export type LocalTls = CertificateFiles;

/** The internal user's password file in the topology's directory (the chart's `redis-password`). */
const INTERNAL_PASSWORD_FILE = "redis-password";

/** A CA and a server certificate for 127.0.0.1, made with openssl in `dir`. */
export function makeLocalCertificates(dir: string): LocalTls {
  return makeCertificateFiles(dir, {
    altNames: ["IP:127.0.0.1", "DNS:localhost"],
    commonName: "127.0.0.1",
    caCommonName: "andyredis-local-ca",
    days: 2,
  });
}

/** `port`, or with TLS what the chart's start scripts pass: port 0 and a TLS port. */
function portLines(port: number, tls: LocalTls | undefined): string[] {
  if (tls === undefined) return [`port ${port}`];
  return [
    "port 0",
    `tls-port ${port}`,
    `tls-cert-file ${JSON.stringify(tls.certFile)}`,
    `tls-key-file ${JSON.stringify(tls.keyFile)}`,
    `tls-ca-cert-file ${JSON.stringify(tls.caFile)}`,
    "tls-auth-clients no",
    "tls-replication yes",
  ];
}

/**
 * The redis.conf of one node: persistence as the chart (AOF on, RDB off), the tuning, and the
 * replica-priority the stack gives the pod with this ordinal.
 */
export function redisNodeConfig(
  tuning: RedisTuning,
  port: number,
  dataDir: string,
  logPath: string,
  password: string,
  masterPort: number | undefined,
  ordinal = 0,
  aclFile?: string,
  enableDebugCommand = false,
  tls?: LocalTls,
): string {
  const lines = [
    ...portLines(port, tls),
    `bind ${LOOPBACK}`,
    "daemonize no",
    `logfile ${JSON.stringify(logPath)}`,
    `dir ${JSON.stringify(dataDir)}`,
    // The chart's commonConfiguration: AOF on, RDB snapshots off.
    "appendonly yes",
    'save ""',
    `requirepass ${password}`,
    `masterauth ${password}`,
    ...redisServerDirectives(tuning),
    `replica-priority ${replicaPriorityForOrdinal(ordinal)}`,
    // The stack's users (lib/redis/acl.ts): as in the pods, the file overrides `requirepass`
    // for `default`, which keeps replication and Sentinel's links.
    ...(aclFile === undefined ? [] : [`aclfile ${JSON.stringify(aclFile)}`]),
    ...(enableDebugCommand ? ["enable-debug-command yes"] : []),
  ];
  if (masterPort !== undefined) {
    lines.push(`replicaof ${LOOPBACK} ${masterPort}`);
  }
  return lines.join("\n") + "\n";
}

/** The sentinel.conf of one sentinel. Sentinel rewrites this file, so each has its own. */
export function sentinelConfig(
  tuning: RedisTuning,
  port: number,
  dataDir: string,
  logPath: string,
  password: string,
  masterPort: number,
  aclFile?: string,
  tls?: LocalTls,
): string {
  const [monitor, ...rest] = sentinelMonitorDirectives(tuning, LOOPBACK, masterPort);
  return (
    [
      ...portLines(port, tls),
      `bind ${LOOPBACK}`,
      "daemonize no",
      `logfile ${JSON.stringify(logPath)}`,
      `dir ${JSON.stringify(dataDir)}`,
      // Clients must authenticate; sentinels use this same password with each other.
      `requirepass ${password}`,
      ...(aclFile === undefined ? [] : [`aclfile ${JSON.stringify(aclFile)}`]),
      monitor,
      // auth-pass refers to the master set, so it must follow `sentinel monitor`.
      `sentinel auth-pass ${tuning.masterSet} ${password}`,
      ...rest,
    ].join("\n") + "\n"
  );
}

/**
 * Node `i` and sentinel `i` form one "pod", as in the chart's StatefulSet: a planned stop runs
 * both preStop hooks and stops both, and a restore starts both.
 */
export class LocalTopology implements FaultInjector {
  readonly tuning: RedisTuning;
  readonly preStop: PreStopPlan;
  /** The internal (`default`) user's password. */
  readonly password: string;
  /** The `app` user, as a client of the stack gets it. */
  readonly app: Credentials;
  /** The `operator` user: verify, drill and the preStop hooks. */
  readonly operator: Credentials;
  /** A local-only user with every right, for the test periods (SENTINEL DEBUG). */
  private readonly admin: Credentials;
  /** The CA file when the topology speaks TLS only. */
  readonly tlsCaFile: string | undefined;
  readonly dir: string;
  private readonly sentinelPeriods: SentinelPeriods | undefined;
  private readonly redisNodes: LocalNode[];
  private readonly sentinelNodes: LocalNode[];
  /** Every PID this topology ever started, so that tests can check they are all gone. */
  private readonly startedPids: number[] = [];
  private closed = false;

  private constructor(
    tuning: RedisTuning,
    preStop: PreStopPlan,
    password: string,
    users: { app: Credentials; operator: Credentials; admin: Credentials },
    tlsCaFile: string | undefined,
    dir: string,
    redisNodes: LocalNode[],
    sentinelNodes: LocalNode[],
    sentinelPeriods: SentinelPeriods | undefined,
  ) {
    this.tuning = tuning;
    this.sentinelPeriods = sentinelPeriods;
    this.preStop = preStop;
    this.password = password;
    this.app = users.app;
    this.operator = users.operator;
    this.admin = users.admin;
    this.tlsCaFile = tlsCaFile;
    this.dir = dir;
    this.redisNodes = redisNodes;
    this.sentinelNodes = sentinelNodes;
  }

  /** Writes the config files and starts every process; the first Redis node is the master. */
  static async start(options: LocalTopologyOptions = {}): Promise<LocalTopology> {
    const missing = missingBinaries();
    if (missing.length > 0) {
      throw new Error(missingBinariesMessage(missing));
    }
    const tuning = options.tuning ?? DEFAULT_TUNING;
    const replicas = options.replicas ?? 2;
    const sentinels = options.sentinels ?? 3;
    const password = options.password ?? randomBytes(12).toString("hex");
    const dir = fs.mkdtempSync(path.join(options.tempRoot ?? os.tmpdir(), "andyredis-drill-"));
    const ports = await freePorts(1 + replicas + sentinels);
    const node = (
      kind: NodeKind,
      name: string,
      port: number,
      startArgs: readonly string[] = [],
    ): LocalNode => {
      fs.mkdirSync(path.join(dir, name));
      return {
        kind,
        name,
        port,
        startArgs,
        configPath: path.join(dir, name, `${kind}.conf`),
        logPath: path.join(dir, name, `${kind}.log`),
        process: undefined,
        stalled: false,
      };
    };
    const redisNodes = ports
      .slice(0, 1 + replicas)
      .map((port, i) =>
        node("redis", `redis-${i}`, port, [
          "--replica-priority",
          String(replicaPriorityForOrdinal(options.replicaPriority === "redis-default" ? 0 : i)),
        ]),
      );
    const sentinelNodes = ports
      .slice(1 + replicas)
      .map((port, i) => node("sentinel", `sentinel-${i}`, port));
    const masterPort = redisNodes[0].port;
    const random = (): string => randomBytes(16).toString("hex");
    const tls = options.tls ? makeLocalCertificates(dir) : undefined;
    const tlsAuth = tls === undefined ? {} : { tls: { ca: fs.readFileSync(tls.caFile, "utf8") } };
    const users = {
      app: { username: APP_USER, password: options.appPassword ?? random(), ...tlsAuth },
      operator: {
        username: OPERATOR_USER,
        password: options.operatorPassword ?? random(),
        ...tlsAuth,
      },
      admin: { username: LOCAL_ADMIN_USER, password: random(), ...tlsAuth },
    };
    const hashes = aclHashes({
      [INTERNAL_USER]: [password],
      [APP_USER]: [users.app.password],
      [OPERATOR_USER]: [users.operator.password],
    });
    // The stack's ACL files, plus a local admin for the test-only SENTINEL DEBUG.
    const adminLine = `user ${LOCAL_ADMIN_USER} on >${users.admin.password} ~* &* +@all\n`;
    const redisAcl = path.join(dir, "users.acl");
    const sentinelAcl = path.join(dir, "sentinel-users.acl");
    fs.writeFileSync(redisAcl, redisAclFile(hashes, options.acl) + adminLine, { mode: 0o600 });
    fs.writeFileSync(sentinelAcl, sentinelAclFile(hashes) + adminLine, { mode: 0o600 });
    // What the pods mount as `operator-password`, for the preStop hooks.
    const operatorPasswordFile = path.join(dir, "operator-password");
    fs.writeFileSync(operatorPasswordFile, users.operator.password, { mode: 0o600 });
    // What the chart mounts as `$REDIS_PASSWORD_FILE`: the internal user's, for the hook's demotion.
    fs.writeFileSync(path.join(dir, INTERNAL_PASSWORD_FILE), password, { mode: 0o600 });
    redisNodes.forEach((n, i) =>
      fs.writeFileSync(
        n.configPath,
        redisNodeConfig(
          tuning,
          n.port,
          path.dirname(n.configPath),
          n.logPath,
          password,
          i === 0 ? undefined : masterPort,
          options.replicaPriority === "redis-default" ? 0 : i,
          redisAcl,
          options.enableDebugCommand ?? false,
          tls,
        ),
      ),
    );
    sentinelNodes.forEach((n) =>
      fs.writeFileSync(
        n.configPath,
        sentinelConfig(
          tuning,
          n.port,
          path.dirname(n.configPath),
          n.logPath,
          password,
          masterPort,
          sentinelAcl,
          tls,
        ),
      ),
    );
    const topology = new LocalTopology(
      tuning,
      options.preStop ?? preStopPlan(POD_SHUTDOWN),
      password,
      users,
      tls?.caFile,
      dir,
      redisNodes,
      sentinelNodes,
      options.sentinelPeriods,
    );
    try {
      await topology.startAll();
    } catch (error) {
      await topology.close();
      throw error;
    }
    return topology;
  }

  /** Connection settings for verify and drill (no NAT: announced addresses are reachable). */
  settings(): ConnectionSettings {
    return {
      sentinels: this.sentinelNodes.map((n) => ({ host: LOOPBACK, port: n.port })),
      masterSet: this.tuning.masterSet,
      ...this.operator,
    };
  }

  /** The same sentinels, as the `app` user (what a client of the stack gets). */
  appSettings(): ConnectionSettings {
    return { ...this.settings(), ...this.app };
  }

  redisEndpoints(): Endpoint[] {
    return this.redisNodes.map((n) => ({ host: LOOPBACK, port: n.port }));
  }

  sentinelEndpoints(): Endpoint[] {
    return this.sentinelNodes.map((n) => ({ host: LOOPBACK, port: n.port }));
  }

  /** Every PID this topology has started, including restarted processes. */
  pids(): number[] {
    return [...this.startedPids];
  }

  /** PIDs of the processes running now. */
  livePids(): number[] {
    return [...this.redisNodes, ...this.sentinelNodes]
      .map((n) => n.process?.pid)
      .filter((pid): pid is number => pid !== undefined);
  }

  /** Kills the Redis node at `node` without warning, as a crash or OOM kill would. */
  async crash(node: Endpoint): Promise<void> {
    await this.kill(this.find(node), "SIGKILL");
  }

  /**
   * Stops a node as Kubernetes stops its pod: the preStop hooks of its Redis and its sentinel
   * (the very scripts the stack deploys, run with redis-cli; on the master: CLIENT PAUSE WRITE,
   * SENTINEL FAILOVER, wait until the failover is done), at once as the kubelet runs them, then
   * SIGTERM to both.
   */
  async stop(node: Endpoint, note?: (text: string) => void): Promise<void> {
    const target = this.find(node);
    const sentinel = this.sentinelOf(target);
    const identity: HookIdentity = {
      masterSet: this.tuning.masterSet,
      selfHostExpression: LOOPBACK,
      operatorPasswordFile: path.join(this.dir, "operator-password"),
    };
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      REDIS_PORT: String(target.port),
      REDIS_SENTINEL_PORT: String(sentinel.port),
      REDIS_PASSWORD_FILE: path.join(this.dir, INTERNAL_PASSWORD_FILE),
      // What the chart sets in the pods with tls.enabled.
      ...(this.tlsCaFile === undefined
        ? {}
        : { REDIS_TLS_ENABLED: "yes", REDIS_TLS_CA_FILE: this.tlsCaFile }),
    };
    const [redisHook] = await Promise.all([
      runHook(redisPreStopScript(this.preStop, identity), env),
      runHook(sentinelPreStopScript(this.preStop, identity), env),
    ]);
    for (const line of redisHook.output) {
      note?.(line);
    }
    note?.(`preStop of ${target.name} exited ${redisHook.code}; SIGTERM`);
    await Promise.all([this.kill(target, "SIGTERM"), this.kill(sentinel, "SIGTERM")]);
  }

  /**
   * Starts a crashed or stopped node again on the same port and data directory, with its
   * sentinel. Like the chart's start-node.sh, it asks the sentinels for the current master and
   * starts as its replica when that is another node.
   */
  async restore(node: Endpoint): Promise<void> {
    const target = this.find(node);
    const master = await this.currentMaster();
    const replicaOf =
      master && master.port !== target.port
        ? ["--replicaof", master.host, String(master.port)]
        : [];
    await this.launch(target, replicaOf);
    await this.launch(this.sentinelOf(target));
  }

  /** The master the first answering sentinel names. */
  private async currentMaster(): Promise<Endpoint | undefined> {
    for (const sentinel of this.sentinelNodes.filter((n) => n.process)) {
      try {
        const master = await sentinelMasterOf(
          { host: LOOPBACK, port: sentinel.port },
          this.operator,
          this.tuning.masterSet,
        );
        if (master) {
          return master;
        }
      } catch {
        // Ask the next one.
      }
    }
    return undefined;
  }

  /** The sentinel beside a Redis node (same index), as in one chart pod. */
  private sentinelOf(node: LocalNode): LocalNode {
    const index = this.redisNodes.indexOf(node);
    if (index < 0) {
      throw new Error(`${node.name} is not a Redis node`);
    }
    return this.sentinelNodes[index % this.sentinelNodes.length];
  }

  /** Freezes the node (SIGSTOP) for `ms`, then lets it go on (SIGCONT). */
  async stall(node: Endpoint, ms: number): Promise<void> {
    const target = this.find(node);
    const pid = target.process?.pid;
    if (pid === undefined) {
      throw new Error(`${target.name} is not running, cannot stall it`);
    }
    target.stalled = true;
    process.kill(pid, "SIGSTOP");
    try {
      await sleep(ms);
    } finally {
      process.kill(pid, "SIGCONT");
      target.stalled = false;
    }
  }

  /** Stops one sentinel (for the lost-quorum check). */
  async stopSentinel(sentinel: Endpoint): Promise<void> {
    await this.kill(this.find(sentinel), "SIGTERM");
  }

  async startSentinel(sentinel: Endpoint): Promise<void> {
    await this.launch(this.find(sentinel));
  }

  /**
   * Stops every node and sentinel with SIGTERM: like a pod deletion, Redis flushes its AOF on
   * the way down, so acknowledged writes must survive.
   */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.sentinelNodes, ...this.redisNodes].map((n) => this.kill(n, "SIGTERM")),
    );
  }

  /** Starts every node that is not running, Redis nodes first, then the sentinels. */
  async startAll(): Promise<void> {
    await Promise.all(this.redisNodes.filter((n) => !n.process).map((n) => this.launch(n)));
    await Promise.all(this.sentinelNodes.filter((n) => !n.process).map((n) => this.launch(n)));
  }

  nodes(): Endpoint[] {
    return this.redisEndpoints();
  }

  /** Kills every process (SIGKILL: nothing to keep) and removes the temp directory. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await Promise.all(
      [...this.redisNodes, ...this.sentinelNodes].map((n) => this.kill(n, "SIGKILL")),
    );
    removeDir(this.dir);
  }

  /**
   * The synchronous part of `close()`, for `process.on("exit")` where nothing async runs:
   * sends SIGKILL and removes the directory without waiting for the exits.
   */
  closeSync(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    const pids: number[] = [];
    for (const n of [...this.redisNodes, ...this.sentinelNodes]) {
      const pid = n.process?.pid;
      if (pid !== undefined) {
        pids.push(pid);
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
    // SIGKILL is delivered asynchronously: a sentinel still rewriting its config while the
    // directory is removed makes the removal fail. Wait (briefly, synchronously) until they stop.
    const deadline = Date.now() + 2000;
    while (pids.some(processExists) && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    removeDir(this.dir);
  }

  private find(endpoint: Endpoint): LocalNode {
    const found = [...this.redisNodes, ...this.sentinelNodes].find(
      (n) => endpoint.host === LOOPBACK && n.port === endpoint.port,
    );
    if (!found) {
      throw new Error(`${endpointKey(endpoint)} is not a node of this local topology`);
    }
    return found;
  }

  private async launch(node: LocalNode, extraArgs: readonly string[] = []): Promise<void> {
    if (this.closed) {
      throw new Error("the local topology is closed");
    }
    if (node.process) {
      return;
    }
    const binary = node.kind === "sentinel" ? "redis-sentinel" : "redis-server";
    const child = spawn(binary, [node.configPath, ...node.startArgs, ...extraArgs], {
      stdio: "ignore",
    });
    node.process = child;
    if (child.pid !== undefined) {
      this.startedPids.push(child.pid);
    }
    child.once("exit", () => {
      if (node.process === child) {
        node.process = undefined;
      }
    });
    await waitForPort(node.port, child, node);
    if (node.kind === "sentinel" && this.sentinelPeriods) {
      const { infoMs, publishMs } = this.sentinelPeriods;
      await withConnection({ host: LOOPBACK, port: node.port }, this.admin, (c) =>
        c.call("SENTINEL", "DEBUG", "info-period", infoMs, "publish-period", publishMs),
      );
    }
  }

  private async kill(node: LocalNode, signal: NodeJS.Signals): Promise<void> {
    const child = node.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      node.process = undefined;
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    if (node.stalled && signal !== "SIGKILL") {
      // A stopped process does not handle SIGTERM until it runs again.
      child.kill("SIGCONT");
    }
    // A timer that is cleared once the process exits: a pending one would keep Node running.
    let timer: NodeJS.Timeout | undefined;
    const gone = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 10000);
      }),
    ]);
    clearTimeout(timer);
    if (!gone) {
      child.kill("SIGKILL");
      await exited;
    }
    node.process = undefined;
  }
}

/** Runs one preStop hook script with bash; resolves with its exit code and output lines. */
function runHook(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { env, stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({
        code,
        output: Buffer.concat(chunks)
          .toString("utf8")
          .split("\n")
          .filter((line) => line.startsWith("preStop:")),
      }),
    );
  });
}

/** Waits until `port` accepts TCP connections, or fails with the node's log tail if it exits. */
async function waitForPort(port: number, child: ChildProcess, node: LocalNode): Promise<void> {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${node.name} exited at start-up: ${logTail(node.logPath)}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, LOOPBACK);
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) {
      return;
    }
    await sleep(50);
  }
  throw new Error(`${node.name} did not listen on ${LOOPBACK}:${port} within 10 s`);
}

/** Removes the temp dir, retrying on the races a just-killed writer can leave. */
function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

function logTail(logPath: string): string {
  try {
    return fs.readFileSync(logPath, "utf8").trim().split("\n").slice(-5).join(" | ");
  } catch {
    return "(no log written)";
  }
}

/**
 * Runs `body` against a fresh local topology and removes every process and the temp directory
 * afterwards, whether `body` succeeds, throws, or the user presses Ctrl-C.
 */
export async function withLocalTopology<T>(
  options: LocalTopologyOptions,
  body: (topology: LocalTopology) => Promise<T>,
): Promise<T> {
  let topology: LocalTopology | undefined;
  const starting = LocalTopology.start(options);
  // Registered before the first process starts, so no Ctrl-C can leave one behind; the shell's
  // interrupt policy (lib/cli/interrupts.ts) runs it and exits. Still starting: wait for the
  // processes, then stop them.
  const unregister = onInterrupt("stopped every Redis process", () =>
    topology !== undefined
      ? topology.closeSync()
      : starting.then(
          (started) => started.closeSync(),
          () => undefined,
        ),
  );
  const onExit = (): void => topology?.closeSync();
  process.once("exit", onExit);
  try {
    topology = await starting;
    return await body(topology);
  } finally {
    unregister();
    process.removeListener("exit", onExit);
    await topology?.close();
  }
}

/** True while a process with this PID exists (a zombie counts as gone: it runs nothing). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // On Linux a reaped-but-listed or zombie process shows state Z in /proc.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}
