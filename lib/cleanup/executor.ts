/**
 * The destroy hook's executor: steps a (PVCs), b (volumes) and c (load balancers, security
 * groups, network interfaces), in that order, with injected clients so that tests point them at
 * moto or aws-sdk-client-mock. `runHookFromState` is what the dynamic provider's `delete` calls:
 * it builds the real clients from the settings stored in the state.
 */
import type { KubeApi } from "./kubernetes";
import { runKubernetesStep } from "./kubernetes";
import { kubeApiFromKubeconfig } from "./io/kubeClient";
import { createAwsClients, type CleanupClients } from "./io/awsClients";
import { runNetworkStep } from "./networkStep";
import { parseCleanupSettings } from "./plan";
import { isStackTagMigration } from "../tags";
import { errorMessage, systemClock } from "./retry";
import type { CleanupReport, CleanupSettings, Clock, Logger } from "./hookTypes";
import { migrateStackTag, runVolumeStep, type MigrationReport } from "./volumes";

export { awsClientConfig, createAwsClients, type CleanupClients } from "./io/awsClients";

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

/** The hook's log: stderr, which the engine shows for a dynamic provider (no `pulumi.log` there). */
export function stderrLogger(prefix = "[andyredis cleanup]"): Logger {
  return (message: string) => {
    process.stderr.write(`${prefix} ${message}\n`);
  };
}

/**
 * What the dynamic provider's `delete` runs: settings from the state, real clients, the real
 * clock. Throws (failing the destroy) when the cleanup cannot finish.
 */
export async function runHookFromState(
  props: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<CleanupReport> {
  const settings = parseCleanupSettings(unwrapSecrets(props));
  const kube =
    settings.kubeconfig.trim() === "" ? undefined : kubeApiFromKubeconfig(settings.kubeconfig);
  const pollSeconds = Number(env["ANDYREDIS_CLEANUP_POLL_SECONDS"] ?? "5");
  return runCleanup(settings, {
    ...createAwsClients(settings.region),
    kube,
    log: stderrLogger(),
    clock: systemClock,
    pollMs: Number.isFinite(pollSeconds) && pollSeconds > 0 ? pollSeconds * 1000 : 5000,
    env,
  });
}

/**
 * What the dynamic provider's `update` runs: when the stored stack tag is a legacy one and the
 * new one is it with the stack's id (a stack created before the identity), retags what the
 * cluster's CSI driver made under the old tag (`migrateStackTag`). Any other update: nothing.
 */
export async function migrateStackTagFromState(
  olds: Readonly<Record<string, unknown>>,
  news: Readonly<Record<string, unknown>>,
): Promise<MigrationReport | undefined> {
  const from = olds["stackTag"];
  const to = news["stackTag"];
  if (typeof from !== "string" || typeof to !== "string" || !isStackTagMigration(from, to)) {
    return undefined;
  }
  const settings = parseCleanupSettings(unwrapSecrets(news));
  const { ec2 } = createAwsClients(settings.region);
  return migrateStackTag(ec2, from, to, settings.clusterName, stderrLogger());
}
