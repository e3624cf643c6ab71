/**
 * Reads the cluster's own state for the e2e assertions: what the API server holds, not what
 * Pulumi says it did.
 */
import * as zlib from "node:zlib";

import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  PolicyV1Api,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";

export interface Kube {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
  readonly networking: NetworkingV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly authorization: AuthorizationV1Api;
}

export function kube(kubeconfig: string): Kube {
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  return {
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    policy: config.makeApiClient(PolicyV1Api),
    networking: config.makeApiClient(NetworkingV1Api),
    rbac: config.makeApiClient(RbacAuthorizationV1Api),
    authorization: config.makeApiClient(AuthorizationV1Api),
  };
}

/** Whether an API call failed with 404. */
export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: number; statusCode?: number } | null)?.code;
  return code === 404 || (error as { statusCode?: number } | null)?.statusCode === 404;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${last === undefined ? "" : `: ${String(last)}`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Waits until the namespace is gone (its finalizers run: every object in it is deleted). */
export async function namespaceDeleted(
  client: Kube,
  name: string,
  timeoutMs = 120_000,
): Promise<void> {
  await eventually(
    `the namespace ${name} to be deleted`,
    async () => {
      try {
        await client.core.readNamespace({ name });
        return undefined;
      } catch (error) {
        return isNotFound(error) ? true : undefined;
      }
    },
    timeoutMs,
  );
}

/** What Helm stores about a release, decoded from its `sh.helm.release.v1.<name>.v<n>` Secret. */
export interface HelmRelease {
  readonly name: string;
  readonly version: number;
  readonly info: { readonly status: string };
  readonly chart: { readonly metadata: { readonly name: string; readonly version: string } };
  /** The values the user gave (not the chart's defaults). */
  readonly config: Record<string, unknown>;
}

/** Helm 3's storage: base64 (over the Secret's own base64) of gzip of the release JSON. */
export function decodeHelmRelease(secretData: string): HelmRelease {
  const once = Buffer.from(secretData, "base64").toString("utf8");
  const gz = Buffer.from(once, "base64");
  return JSON.parse(zlib.gunzipSync(gz).toString("utf8")) as HelmRelease;
}

/** The newest release record of `name` in `namespace`, or undefined when there is none. */
export async function helmRelease(
  client: Kube,
  namespace: string,
  name: string,
): Promise<HelmRelease | undefined> {
  const secrets = await client.core.listNamespacedSecret({
    namespace,
    labelSelector: `owner=helm,name=${name}`,
  });
  const newest = secrets.items
    .filter((s) => s.data?.release !== undefined)
    .sort((a, b) => Number(b.metadata?.labels?.version) - Number(a.metadata?.labels?.version))[0];
  return newest?.data?.release === undefined ? undefined : decodeHelmRelease(newest.data.release);
}
