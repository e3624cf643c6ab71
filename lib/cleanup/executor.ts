/**
 * The destroy hook's executor: steps a (PVCs), b (volumes) and c (load balancers, security
 * groups, network interfaces), in that order, with injected clients so that tests point them at
 * moto or aws-sdk-client-mock. What the dynamic provider's `delete` calls, with the real clients
 * built from the settings stored in the state, is `io/hookFromState.ts`.
 */
import type { CleanupClients } from "./io/awsClients";
import type { CleanupReport, CleanupSettings, Clock, Logger } from "./hookTypes";
import { runKubernetesStep, type KubeApi } from "./kubernetes";
import { runNetworkStep } from "./networkStep";
import { errorMessage } from "./retry";
import { runVolumeStep } from "./volumes";

export interface CleanupDeps extends CleanupClients {
  /** Undefined: no cluster to talk to, the PVC step is skipped. */
  readonly kube?: KubeApi;
  readonly log: Logger;
  readonly clock: Clock;
  /** Between two polls of a wait. Defaults to 5000. */
  readonly pollMs?: number;
  /** For `ANDYREDIS_CLEANUP_SKIP_KUBERNETES`. Defaults to none set. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs the three steps. Step a failing stops everything (in snapshot/retain mode step b relies on
 * the PVs having been switched to Retain). Step b failing still lets step c run, so that each
 * destroy attempt gets as far as it can; the error is rethrown after.
 */
export async function runCleanup(
  settings: CleanupSettings,
  deps: CleanupDeps,
): Promise<CleanupReport> {
  const wait = {
    clock: deps.clock,
    pollMs: deps.pollMs ?? 5000,
    timeoutMs: settings.timeoutSeconds * 1000,
  };
  const log = deps.log;
  log(
    `cleanup of ${settings.stackTag} (cluster ${settings.clusterName}, release ` +
      `${settings.namespace}/${settings.releaseName}, mode ${settings.mode}, timeout ${settings.timeoutSeconds}s)`,
  );
  const kube = await runKubernetesStep(deps.kube, settings, log, wait, deps.env ?? {});

  let volumeError: unknown;
  let volumes: CleanupReport["volumes"] = { deleted: [], snapshots: {}, retained: [], skipped: {} };
  try {
    volumes = await runVolumeStep(deps.ec2, settings, kube.volumeView, log, wait);
  } catch (err) {
    volumeError = err;
    log(`volume step failed: ${errorMessage(err)}`);
  }
  let network: CleanupReport["network"];
  try {
    network = await runNetworkStep(deps, settings, log, wait, kube.ownerIsLive);
  } catch (err) {
    if (volumeError !== undefined) {
      throw new Error(
        `${errorMessage(volumeError)}\nAlso, the network step failed: ${errorMessage(err)}`,
      );
    }
    throw err;
  }
  if (volumeError !== undefined) throw volumeError;

  const report: CleanupReport = { kubernetes: kube.report, volumes, network };
  log(
    `cleanup done: ${volumes.deleted.length} volume(s) deleted, ` +
      `${Object.keys(volumes.snapshots).length} snapshot(s), ${volumes.retained.length} retained` +
      (volumes.retained.length > 0 ? ` (${volumes.retained.join(", ")})` : "") +
      `, ${network.loadBalancersDeleted.length} load balancer(s), ` +
      `${network.securityGroupsDeleted.length} security group(s), ` +
      `${network.networkInterfacesDeleted.length} network interface(s) deleted`,
  );
  return report;
}

/** The marker Pulumi wraps secret values in when they reach a provider that did not opt out. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Unwraps Pulumi's secret envelopes (one level, as stored inputs are flat). */
export function unwrapSecrets(props: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    out[k] =
      typeof v === "object" && v !== null && SECRET_SIG in v ? (v as { value?: unknown }).value : v;
  }
  return out;
}
