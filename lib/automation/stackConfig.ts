/**
 * The stack config the driver reads and sets, by key: where to audit (the program's region
 * rule), what the volume cleanup keeps, whether the stack made AWS resources at all. Each value
 * is the command line's override first, then the stack's config.
 */
import { AWS_REGION_KEY, configKey, stackRegion } from "../config/keys";
import type { DriverOptions } from "./run";
import type { AuditScope, StackOutputMap, StackSession } from "./driverPorts";

/** The config key `--region` sets: the program's region (lib/config/keys.ts `stackRegion`). */
export const REGION_CONFIG_KEY = configKey("region");

/** The program's fallback when `andyredis:region` is not set. */
export const AWS_REGION_CONFIG_KEY = AWS_REGION_KEY;

/** `aws` or `clusterOnly`: a clusterOnly stack has no AWS resource to audit. */
export const MODE_CONFIG_KEY = configKey("mode");

/** What destroy does with the Redis volumes; the audit expects what it keeps. */
export const VOLUME_CLEANUP_MODE_CONFIG_KEY = configKey("volumeCleanupMode");

/**
 * Where to audit: the outputs' region, else the region the program picks from the same config
 * (`stackRegion`: `andyredis:region`, then `aws:region`, overrides first, then the stack
 * config; then the key table's default).
 */
export async function auditRegion(
  options: DriverOptions,
  outputs: StackOutputMap | undefined,
  session: StackSession | undefined,
): Promise<string | undefined> {
  const fromOutputs = outputs?.region?.value;
  if (typeof fromOutputs === "string" && fromOutputs !== "") return fromOutputs;
  return stackRegion(
    await configValue(options, session, REGION_CONFIG_KEY),
    await configValue(options, session, AWS_REGION_CONFIG_KEY),
  );
}

/** A config value: the command line's override first, then the stack's config. */
export async function configValue(
  options: DriverOptions,
  session: StackSession | undefined,
  key: string,
): Promise<string | undefined> {
  const override = options.config.find((c) => c.key === key)?.value;
  if (override !== undefined && override !== "") return override;
  if (session === undefined) return undefined;
  try {
    const configured = await session.getConfig(key);
    return configured !== undefined && configured !== "" ? configured : undefined;
  } catch {
    // `pulumi config get` fails for a key that is not set.
    return undefined;
  }
}

/**
 * What the stack's `volumeCleanupMode` keeps on purpose (snapshots, or the volumes themselves),
 * so that the audit after destroy reports it as kept rather than as a leftover.
 */
export async function keptOnPurpose(
  options: DriverOptions,
  session: StackSession,
): Promise<Pick<AuditScope, "expectSnapshots" | "expectRetained">> {
  const mode = await configValue(options, session, VOLUME_CLEANUP_MODE_CONFIG_KEY);
  if (mode === "snapshot") return { expectSnapshots: true };
  if (mode === "retain") return { expectRetained: true };
  return {};
}

/**
 * True for a clusterOnly stack, which creates no AWS resource: from the `deploymentMode`
 * output, else from `andyredis:mode` (an `up` that failed early has no outputs).
 */
export async function createdNoAwsResources(
  options: DriverOptions,
  session: StackSession,
  outputs: StackOutputMap | undefined,
): Promise<boolean> {
  const fromOutputs = outputs?.deploymentMode?.value;
  const mode =
    typeof fromOutputs === "string"
      ? fromOutputs
      : await configValue(options, session, MODE_CONFIG_KEY);
  return mode === "clusterOnly";
}
