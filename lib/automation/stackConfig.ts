/**
 * The stack config the driver reads and sets, by key: where to audit (the program's region
 * rule), what the volume cleanup keeps, whether the stack made AWS resources at all. Each value
 * is the command line's override first, then the stack's config.
 */
import type { DriverOptions } from "./run";
import type { AuditScope, DriverPorts, StackOutputMap, StackSession } from "./ports";

/** The config key `--region` sets: the program's region (config.ts reads it first). */
export const REGION_CONFIG_KEY = "andyredis:region";

/** The program's fallback when `andyredis:region` is not set. */
export const AWS_REGION_CONFIG_KEY = "aws:region";

/** `aws` or `clusterOnly`: a clusterOnly stack has no AWS resource to audit. */
export const MODE_CONFIG_KEY = "andyredis:mode";

/** What destroy does with the Redis volumes; the audit expects what it keeps. */
export const VOLUME_CLEANUP_MODE_CONFIG_KEY = "andyredis:volumeCleanupMode";

/**
 * Where to audit, in the order the program picks its region (config.ts): the outputs' region,
 * then `andyredis:region` and `aws:region` (overrides first, then the stack config), then the
 * program's default.
 */
export async function auditRegion(
  ports: DriverPorts,
  options: DriverOptions,
  outputs: StackOutputMap | undefined,
  session: StackSession | undefined,
): Promise<string | undefined> {
  const fromOutputs = outputs?.region?.value;
  if (typeof fromOutputs === "string" && fromOutputs !== "") return fromOutputs;
  for (const key of [REGION_CONFIG_KEY, AWS_REGION_CONFIG_KEY]) {
    const value = await configValue(options, session, key);
    if (value !== undefined) return value;
  }
  return ports.defaultRegion;
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
