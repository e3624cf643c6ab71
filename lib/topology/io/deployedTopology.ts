/**
 * Cluster mode: verify and drill a deployed stack from outside the VPC. Each Redis and Sentinel
 * port of each pod is reached through a Kubernetes port-forward on a local port; the addresses
 * Sentinel announces (pod hostnames) are mapped to those ports with ioredis `natMap`; faults are
 * pod deletions through the Kubernetes API. A thin adapter: the logic is in lib/verify/io/healthChecks.ts
 * and lib/drill/io/drillRun.ts, the naming in ../natMap.ts (both tested without a cluster).
 */
import * as net from "node:net";
import type { CoreV1Api, KubeConfig, PortForward } from "@kubernetes/client-node";
import type { DeploymentTarget } from "../../contract";
import { DEFAULT_TUNING, RedisTuning } from "../../tuning";
import { OPERATOR_PASSWORD_KEY, OPERATOR_USER, aclSecretName } from "../../redis/acl";
import { errorMessage, recordFromReply, withConnection } from "../../sentinel/io/clients";
import { DrillReport, parseScenarios, runDrill } from "../../drill/io/drillRun";
import {
  ForwardedPort,
  REDIS_PORT,
  SENTINEL_PORT,
  announcedHostname,
  buildNatMap,
  podNameForHost,
  podNames,
} from "../natMap";
import { ensureReachable } from "../../sentinel/io/reachability";
import {
  ConnectionSettings,
  Endpoint,
  FaultInjector,
  KubernetesClientUnavailableError,
  endpointKey,
  sleep,
} from "../../sentinel/ports";
import { VerifyReport, verifyTopology } from "../../verify/io/healthChecks";

export type { DeploymentTarget };

/** How long a deleted pod may take to be Ready again (image cached, volume re-attached). */
const POD_READY_TIMEOUT_MS = 5 * 60 * 1000;

/** Verifies the deployed topology through port-forwards. */
export async function verifyDeployment(target: DeploymentTarget): Promise<VerifyReport> {
  const session = await ClusterSession.open(target);
  try {
    await ensureReachable(session.settings());
    return await verifyTopology(session.settings(), session.verifyOptions());
  } finally {
    await session.close();
  }
}

/**
 * Drills the deployed topology. The timings come from the live sentinels (SENTINEL MASTER), so
 * the recovery deadlines fit what is deployed. `master-stall` is skipped: a container cannot
 * SIGSTOP its own PID 1, and the Kubernetes API has no pause.
 */
export async function drillDeployment(
  target: DeploymentTarget,
  options: { scenarios?: string[] } = {},
): Promise<DrillReport> {
  const scenarios = options.scenarios ? parseScenarios(options.scenarios) : undefined;
  const session = await ClusterSession.open(target);
  try {
    const tuning = await liveTuning(session.settings());
    return await runDrill({
      settings: session.settings(),
      injector: session,
      tuning,
      scenarios,
      verify: session.verifyOptions(),
      readyTimeoutMs: POD_READY_TIMEOUT_MS,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await session.close();
  }
}

/** `DEFAULT_TUNING` with the sentinel timings the deployment really runs. */
export async function liveTuning(settings: ConnectionSettings): Promise<RedisTuning> {
  for (const sentinel of settings.sentinels) {
    try {
      const master = recordFromReply(
        await withConnection(sentinel, settings, (c) =>
          c.call("SENTINEL", "MASTER", settings.masterSet),
        ),
      );
      return {
        ...DEFAULT_TUNING,
        masterSet: settings.masterSet,
        quorum: Number(master.quorum ?? DEFAULT_TUNING.quorum),
        downAfterMs: Number(master["down-after-milliseconds"] ?? DEFAULT_TUNING.downAfterMs),
        failoverTimeoutMs: Number(master["failover-timeout"] ?? DEFAULT_TUNING.failoverTimeoutMs),
        parallelSyncs: Number(master["parallel-syncs"] ?? DEFAULT_TUNING.parallelSyncs),
      };
    } catch {
      // Try the next sentinel.
    }
  }
  return { ...DEFAULT_TUNING, masterSet: settings.masterSet };
}

type KubernetesClient = typeof import("@kubernetes/client-node");

/** The operator's password from the release's ACL Secret (`<release>-acl`, lib/redis/acl.ts). */
async function readOperatorPassword(core: CoreV1Api, target: DeploymentTarget): Promise<string> {
  const name = aclSecretName(target.releaseName);
  const secret = await core.readNamespacedSecret({ name, namespace: target.namespace });
  const encoded = secret.data?.[OPERATOR_PASSWORD_KEY];
  if (encoded === undefined) {
    throw new Error(
      `Secret ${target.namespace}/${name} has no key ${OPERATOR_PASSWORD_KEY}: is this an andyredis release with ACL users?`,
    );
  }
  return Buffer.from(encoded, "base64").toString("utf8");
}

/**
 * Loads @kubernetes/client-node when first needed, so verify/drill against a local topology
 * never depend on it. It needs Node 22.19 or newer (undici 8), the floor in `engines`.
 */
async function loadKubernetesClient(): Promise<KubernetesClient> {
  try {
    return await import("@kubernetes/client-node");
  } catch (error) {
    throw new KubernetesClientUnavailableError(
      `cannot load @kubernetes/client-node (${errorMessage(error)}) on Node ${process.version}; ` +
        "cluster mode needs it, and it needs Node 22.19 or newer",
    );
  }
}

/** Port-forwards to every pod's Redis and Sentinel port, and faults by pod deletion. */
class ClusterSession implements FaultInjector {
  private readonly podIps = new Map<string, string>();
  private constructor(
    private readonly target: DeploymentTarget,
    private readonly core: CoreV1Api,
    private readonly servers: net.Server[],
    private readonly forwards: ForwardedPort[],
    private readonly operatorPassword: string,
  ) {}

  static async open(target: DeploymentTarget): Promise<ClusterSession> {
    const k8s = await loadKubernetesClient();
    const config: KubeConfig = new k8s.KubeConfig();
    config.loadFromString(target.kubeconfig);
    const core = config.makeApiClient(k8s.CoreV1Api);
    const forwarder = new k8s.PortForward(config);
    const servers: net.Server[] = [];
    const forwards: ForwardedPort[] = [];
    try {
      for (const podName of podNames(target.releaseName, target.nodes)) {
        for (const remotePort of [REDIS_PORT, SENTINEL_PORT]) {
          const { server, port } = await forwardPort(
            forwarder,
            target.namespace,
            podName,
            remotePort,
          );
          servers.push(server);
          forwards.push({ podName, remotePort, localHost: "127.0.0.1", localPort: port });
        }
      }
    } catch (error) {
      await Promise.all(servers.map(closeServer));
      throw error;
    }
    let operatorPassword: string;
    try {
      operatorPassword = await readOperatorPassword(core, target);
    } catch (error) {
      await Promise.all(servers.map(closeServer));
      throw error;
    }
    const session = new ClusterSession(target, core, servers, forwards, operatorPassword);
    await session.refreshPodIps();
    return session;
  }

  settings(): ConnectionSettings {
    return {
      sentinels: this.forwards
        .filter((f) => f.remotePort === SENTINEL_PORT)
        .map((f) => ({ host: f.localHost, port: f.localPort })),
      masterSet: this.target.masterSet,
      // verify and drill run as the operator user, whose password only the release's ACL
      // Secret holds: the stack outputs give clients the app user alone.
      username: OPERATOR_USER,
      password: this.operatorPassword,
      // Through the port-forwards the servers are reached at 127.0.0.1, which the chart's
      // certificates name; they are checked against the stack's CA.
      ...(this.target.caCertificate === undefined
        ? {}
        : { tls: { ca: this.target.caCertificate } }),
      // The map reads podIps at call time, so refreshed IPs apply without a new map.
      natMap: buildNatMap(
        this.forwards,
        this.target.releaseName,
        this.target.namespace,
        this.podIps,
      ),
      // Messages name the pod behind each local port-forward, not only the local port.
      describe: (reached) => {
        const forward = this.forwards.find(
          (f) => f.localHost === reached.host && f.localPort === reached.port,
        );
        return forward
          ? `${forward.podName}:${forward.remotePort} (port-forward ${endpointKey(reached)})`
          : endpointKey(reached);
      },
    };
  }

  verifyOptions(): { expectedReplicas: number; expectedSentinels: number; nodes: Endpoint[] } {
    const nodes = this.target.nodes;
    return { expectedReplicas: nodes - 1, expectedSentinels: nodes, nodes: this.nodes() };
  }

  nodes(): Endpoint[] {
    return podNames(this.target.releaseName, this.target.nodes).map((pod) => ({
      host: announcedHostname(pod, this.target.releaseName, this.target.namespace),
      port: REDIS_PORT,
    }));
  }

  /** Deletes the node's pod with no grace period: the container gets SIGKILL. */
  async crash(node: Endpoint): Promise<void> {
    await this.core.deleteNamespacedPod({
      name: this.podOf(node),
      namespace: this.target.namespace,
      gracePeriodSeconds: 0,
    });
  }

  /**
   * Deletes the node's pod with its normal grace period: the kubelet runs the chart's preStop
   * hooks (on the master: pause writes, fail over, wait), then sends SIGTERM. Resolves once the
   * old pod is gone (absent, or replaced by one with another uid).
   */
  async stop(node: Endpoint, note?: (text: string) => void): Promise<void> {
    const name = this.podOf(node);
    const namespace = this.target.namespace;
    const before = await this.core.readNamespacedPod({ name, namespace });
    await this.core.deleteNamespacedPod({ name, namespace });
    note?.(`deleted pod ${name} with its grace period (preStop hooks run)`);
    const graceMs = (before.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    const deadline = Date.now() + graceMs + 30000;
    while (Date.now() < deadline) {
      try {
        const pod = await this.core.readNamespacedPod({ name, namespace });
        if (pod.metadata?.uid !== before.metadata?.uid) {
          return;
        }
      } catch {
        return; // Gone; the StatefulSet has not recreated it yet.
      }
      await sleep(1000);
    }
    throw new Error(`pod ${name} still terminating after ${Math.round(graceMs / 1000) + 30} s`);
  }

  /** The StatefulSet recreates the pod: wait until it is Ready. */
  async restore(node: Endpoint): Promise<void> {
    await this.waitReady(this.podOf(node));
    await this.refreshPodIps();
  }

  /** Deletes every pod with its normal grace period (Redis flushes its AOF on SIGTERM). */
  async stopAll(): Promise<void> {
    await Promise.all(
      podNames(this.target.releaseName, this.target.nodes).map((name) =>
        this.core.deleteNamespacedPod({ name, namespace: this.target.namespace }),
      ),
    );
  }

  async startAll(): Promise<void> {
    // StatefulSet pods come back in order (node-0 first); wait for each.
    for (const name of podNames(this.target.releaseName, this.target.nodes)) {
      await this.waitReady(name);
    }
    await this.refreshPodIps();
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map(closeServer));
  }

  private podOf(node: Endpoint): string {
    const pod = podNameForHost(
      node.host,
      this.target.releaseName,
      this.target.namespace,
      this.podIps,
    );
    if (pod === undefined) {
      throw new Error(`${endpointKey(node)} is not a pod of release ${this.target.releaseName}`);
    }
    return pod;
  }

  private async refreshPodIps(): Promise<void> {
    this.podIps.clear();
    for (const name of podNames(this.target.releaseName, this.target.nodes)) {
      try {
        const pod = await this.core.readNamespacedPod({ name, namespace: this.target.namespace });
        if (pod.status?.podIP) {
          this.podIps.set(pod.status.podIP, name);
        }
      } catch {
        // Not there (yet): its announced hostname still maps.
      }
    }
  }

  private async waitReady(name: string): Promise<void> {
    const deadline = Date.now() + POD_READY_TIMEOUT_MS;
    // A deleted pod can still report Ready while it terminates: give the deletion a moment.
    await sleep(2000);
    while (Date.now() < deadline) {
      try {
        const pod = await this.core.readNamespacedPod({ name, namespace: this.target.namespace });
        const ready = pod.status?.conditions?.some(
          (c) => c.type === "Ready" && c.status === "True",
        );
        if (ready && !pod.metadata?.deletionTimestamp) {
          return;
        }
      } catch {
        // Being recreated.
      }
      await sleep(2000);
    }
    throw new Error(`pod ${name} was not Ready within ${POD_READY_TIMEOUT_MS / 1000} s`);
  }
}

/**
 * A local TCP server on a free loopback port; every connection to it opens its own
 * port-forward to the pod, so a recreated pod is reached again by the next connection.
 */
async function forwardPort(
  forwarder: PortForward,
  namespace: string,
  podName: string,
  remotePort: number,
): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => {
    forwarder
      .portForward(namespace, podName, [remotePort], socket, null, socket)
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return { server, port: (server.address() as net.AddressInfo).port };
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
