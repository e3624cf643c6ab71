/**
 * A small Kubernetes API client for the calls of the PVC step, over Node's own `https`.
 *
 * Why not `@kubernetes/client-node`: the hook's provider is serialized into state and runs at
 * destroy time with whatever `node_modules` is there then; a dozen calls over `https` depend on
 * no client version, and a client upgrade cannot break a stack's stored destroy hook. The
 * kubeconfig forms EKS uses are
 * supported: a bearer token, client certificates, and an `exec` credential plugin
 * (`aws eks get-token`). Everything is `require`d inside the functions (see `../hookTypes.ts`).
 */
import type { IncomingMessage, RequestOptions } from "http";
import type { KubeApi, PvcInfo, PvInfo } from "../kubernetes";
import {
  KUBE_RETRY_POLICY,
  KubeApiError,
  kubeFailureKind,
  systemClock,
  withKubeRetry,
  type KubeRetryPolicy,
} from "../retry";
import type { Clock } from "../hookTypes";

interface NamedEntry<T> {
  readonly name: string;
  readonly cluster?: T;
  readonly user?: T;
  readonly context?: T;
}
interface KubeCluster {
  readonly server?: string;
  readonly "certificate-authority-data"?: string;
  readonly "insecure-skip-tls-verify"?: boolean;
}
interface KubeExec {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value: string }[] | null;
}
interface KubeUser {
  readonly token?: string;
  readonly "client-certificate-data"?: string;
  readonly "client-key-data"?: string;
  readonly exec?: KubeExec;
}
interface KubeContext {
  readonly cluster: string;
  readonly user: string;
}
interface KubeconfigDoc {
  readonly "current-context"?: string;
  readonly clusters?: readonly NamedEntry<KubeCluster>[];
  readonly users?: readonly NamedEntry<KubeUser>[];
  readonly contexts?: readonly NamedEntry<KubeContext>[];
}

/** The parts of a kubeconfig the client uses: the current context's server and credentials. */
export interface ResolvedKubeconfig {
  readonly server: string;
  readonly ca?: string;
  readonly insecure: boolean;
  readonly user: KubeUser;
}

/** Resolves the current context (or the only one) of a kubeconfig (YAML or JSON). */
export function resolveKubeconfig(text: string): ResolvedKubeconfig {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see the module comment
  const yaml = require("yaml") as typeof import("yaml");
  const doc = yaml.parse(text) as KubeconfigDoc | null;
  if (doc === null || typeof doc !== "object") throw new Error("kubeconfig: not a YAML/JSON map");
  const contexts = doc.contexts ?? [];
  const ctxName = doc["current-context"] ?? (contexts.length === 1 ? contexts[0].name : undefined);
  const ctx = contexts.find((c) => c.name === ctxName)?.context;
  if (ctx === undefined) {
    throw new Error(`kubeconfig: current-context ${JSON.stringify(ctxName)} not found`);
  }
  const cluster = (doc.clusters ?? []).find((c) => c.name === ctx.cluster)?.cluster;
  const user = (doc.users ?? []).find((u) => u.name === ctx.user)?.user ?? {};
  if (cluster?.server === undefined) {
    throw new Error(`kubeconfig: cluster ${JSON.stringify(ctx.cluster)} has no server`);
  }
  const caData = cluster["certificate-authority-data"];
  return {
    server: cluster.server.replace(/\/+$/, ""),
    ca: caData !== undefined ? Buffer.from(caData, "base64").toString("utf8") : undefined,
    insecure: cluster["insecure-skip-tls-verify"] === true,
    user,
  };
}

/** Runs an exec credential plugin (`aws eks get-token ...`) and returns its bearer token. */
export async function execCredentialToken(exec: KubeExec): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see the module comment
  const cp = require("child_process") as typeof import("child_process");
  const env: Record<string, string | undefined> = { ...process.env };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  const stdout = await new Promise<string>((resolve, reject) => {
    cp.execFile(
      exec.command,
      [...(exec.args ?? [])],
      { env, timeout: 60_000, maxBuffer: 1 << 20 },
      (err, out, errOut) => {
        if (err)
          reject(new Error(`kubeconfig exec ${exec.command} failed: ${err.message} ${errOut}`));
        else resolve(out);
      },
    );
  });
  const parsed = JSON.parse(stdout) as { status?: { token?: string } };
  const token = parsed.status?.token;
  if (token === undefined) throw new Error(`kubeconfig exec ${exec.command}: no status.token`);
  return token;
}

interface HttpResult {
  readonly status: number;
  readonly body: string;
  /** The Retry-After header in seconds, when the server sent one. */
  readonly retryAfterSeconds?: number;
}

/** How the client retries (tests shorten it). Defaults to `KUBE_RETRY_POLICY`, the real clock. */
export interface KubeClientOptions {
  readonly policy?: KubeRetryPolicy;
  readonly clock?: Clock;
}

type Json = Record<string, unknown>;

/** The fields of a PersistentVolume the hook reads. */
interface PvObject {
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    readonly persistentVolumeReclaimPolicy?: string;
    readonly csi?: { readonly volumeHandle?: string };
    readonly claimRef?: { readonly namespace?: string; readonly name?: string };
  };
  readonly status?: { readonly phase?: string };
}

function pvInfo(pv: PvObject, name = pv.metadata?.name ?? ""): PvInfo {
  const ref = pv.spec?.claimRef;
  return {
    name,
    reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? "Delete",
    volumeHandle: pv.spec?.csi?.volumeHandle,
    claim: ref?.name !== undefined ? `${ref.namespace ?? ""}/${ref.name}` : undefined,
    phase: pv.status?.phase,
  };
}

/**
 * A KubeApi over HTTP(S) for a kubeconfig. Tokens from `exec` are fetched once per 5 minutes.
 * Every call runs under `withKubeRetry`: throttling and transient failures are retried, a gone
 * cluster ends in `ClusterGoneError`, a refusal (401, 403, TLS) fails at once.
 */
export function kubeApiFromKubeconfig(
  kubeconfig: string,
  options: KubeClientOptions = {},
): KubeApi {
  const cfg = resolveKubeconfig(kubeconfig);
  const clock = options.clock ?? systemClock;
  const policy = options.policy ?? KUBE_RETRY_POLICY;
  let token: { value: string; at: number } | undefined;

  const authHeader = async (): Promise<Record<string, string>> => {
    if (cfg.user.token !== undefined) return { Authorization: `Bearer ${cfg.user.token}` };
    if (cfg.user.exec !== undefined) {
      // EKS tokens live 15 minutes; refresh well before.
      if (token === undefined || Date.now() - token.at > 5 * 60_000) {
        token = { value: await execCredentialToken(cfg.user.exec), at: Date.now() };
      }
      return { Authorization: `Bearer ${token.value}` };
    }
    return {};
  };

  const request = async (
    method: string,
    path: string,
    body?: Json,
    contentType?: string,
  ): Promise<HttpResult> => {
    const url = new URL(cfg.server + path);
    const headers: Record<string, string> = { Accept: "application/json", ...(await authHeader()) };
    const payload = body !== undefined ? JSON.stringify(body) : undefined;
    if (payload !== undefined) {
      headers["Content-Type"] = contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const options: RequestOptions & {
      ca?: string;
      cert?: string;
      key?: string;
      rejectUnauthorized?: boolean;
    } = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers,
      timeout: 30_000,
    };
    if (url.protocol === "https:") {
      if (cfg.ca !== undefined) options.ca = cfg.ca;
      if (cfg.insecure) options.rejectUnauthorized = false;
      const cert = cfg.user["client-certificate-data"];
      const key = cfg.user["client-key-data"];
      if (cert !== undefined && key !== undefined) {
        options.cert = Buffer.from(cert, "base64").toString("utf8");
        options.key = Buffer.from(key, "base64").toString("utf8");
      }
    }
    /* eslint-disable @typescript-eslint/no-require-imports -- see the module comment */
    const transport = (
      url.protocol === "https:" ? require("https") : require("http")
    ) as typeof import("https");
    /* eslint-enable @typescript-eslint/no-require-imports */
    return new Promise<HttpResult>((resolve, reject) => {
      const req = transport.request(options, (res: IncomingMessage) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => {
          const retryAfter = Number(res.headers["retry-after"]);
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(parts).toString("utf8"),
            retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
          });
        });
        res.on("error", reject);
      });
      req.on("timeout", () =>
        req.destroy(Object.assign(new Error("timed out"), { code: "REQUEST_TIMEOUT" })),
      );
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  };

  /**
   * One call, retried: a network error or a status outside `ok` is a classified `KubeApiError`;
   * a 404 counts as an answer only when the API server sent it (a Kubernetes `Status` body).
   */
  const call = (
    method: string,
    path: string,
    ok: readonly number[],
    body?: Json,
    contentType?: string,
  ): Promise<HttpResult> =>
    withKubeRetry(
      `Kubernetes API ${method} ${path}`,
      async () => {
        let r: HttpResult;
        try {
          r = await request(method, path, body, contentType);
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          const message = err instanceof Error ? err.message : String(err);
          throw new KubeApiError(
            message,
            kubeFailureKind({ code: typeof code === "string" ? code : "EUNKNOWN" }),
          );
        }
        const kind = kubeFailureKind({ status: r.status, body: r.body });
        if (ok.includes(r.status) && !(r.status === 404 && kind === "gone")) return r;
        throw new KubeApiError(
          `HTTP ${r.status} ${r.body.slice(0, 300)}`,
          kind,
          r.retryAfterSeconds,
        );
      },
      clock,
      policy,
    );
  const json = (r: HttpResult): Json => (r.body === "" ? {} : (JSON.parse(r.body) as Json));
  const get = async (path: string): Promise<Json> => json(await call("GET", path, [200]));
  const exists = async (path: string): Promise<boolean> =>
    (await call("GET", path, [200, 404])).status === 200;
  const enc = encodeURIComponent;

  return {
    namespaceExists: (ns) => exists(`/api/v1/namespaces/${enc(ns)}`),
    objectExists: (kind, ns, name) =>
      exists(
        kind === "service"
          ? `/api/v1/namespaces/${enc(ns)}/services/${enc(name)}`
          : `/apis/networking.k8s.io/v1/namespaces/${enc(ns)}/ingresses/${enc(name)}`,
      ),
    async listPvcs(ns, labelSelector): Promise<PvcInfo[]> {
      const path = `/api/v1/namespaces/${enc(ns)}/persistentvolumeclaims?labelSelector=${enc(labelSelector)}`;
      const list = (await get(path)) as {
        items?: { metadata?: { name?: string }; spec?: { volumeName?: string } }[];
      };
      return (list.items ?? []).map((i) => ({
        namespace: ns,
        name: i.metadata?.name ?? "",
        volumeName: i.spec?.volumeName || undefined,
      }));
    },
    async listAllPvcs(): Promise<PvcInfo[]> {
      const path = "/api/v1/persistentvolumeclaims";
      const list = (await get(path)) as {
        items?: { metadata?: { name?: string; namespace?: string } }[];
      };
      return (list.items ?? []).map((i) => ({
        namespace: i.metadata?.namespace ?? "",
        name: i.metadata?.name ?? "",
      }));
    },
    async listPvs(): Promise<PvInfo[]> {
      const path = "/api/v1/persistentvolumes";
      const list = (await get(path)) as { items?: PvObject[] };
      return (list.items ?? []).map((pv) => pvInfo(pv));
    },
    async getPv(name): Promise<PvInfo | undefined> {
      const r = await call("GET", `/api/v1/persistentvolumes/${enc(name)}`, [200, 404]);
      if (r.status === 404) return undefined;
      return pvInfo(json(r) as PvObject, name);
    },
    async setPvReclaimPolicy(name, reclaimPolicy): Promise<void> {
      await call(
        "PATCH",
        `/api/v1/persistentvolumes/${enc(name)}`,
        [200],
        { spec: { persistentVolumeReclaimPolicy: reclaimPolicy } },
        "application/merge-patch+json",
      );
    },
    async deletePvc(ns, name): Promise<void> {
      await call(
        "DELETE",
        `/api/v1/namespaces/${enc(ns)}/persistentvolumeclaims/${enc(name)}`,
        [200, 202, 404],
      );
    },
    async deletePv(name): Promise<void> {
      await call("DELETE", `/api/v1/persistentvolumes/${enc(name)}`, [200, 202, 404]);
    },
  };
}
