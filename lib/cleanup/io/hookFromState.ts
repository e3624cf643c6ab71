/**
 * What the hook's dynamic provider runs at destroy and update time (components/volumeCleanup.ts):
 * the settings stored in the state, the real AWS and Kubernetes clients, the real clock, stderr.
 */
import { isStackTagMigration } from "../../tags";
import { runCleanup, unwrapSecrets } from "../executor";
import type { CleanupReport, Logger } from "../hookTypes";
import { parseCleanupSettings } from "../plan";
import { systemClock } from "../retry";
import { migrateStackTag, type MigrationReport } from "../volumes";
import { createAwsClients } from "./awsClients";
import { kubeApiFromKubeconfig } from "./kubeClient";

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
