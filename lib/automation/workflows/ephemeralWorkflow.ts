/**
 * `ephemeral`: a uniquely named stack, up, verify, drill, then ALWAYS destroy, audit and remove.
 */
import { RedisStackOutputs, deploymentTarget } from "../../contract";
import { UsageError } from "../../cli/errors";
import type { DriverPorts, StackOutputMap } from "../driverPorts";
import {
  DriverOptions,
  MAX_STACK_NAME,
  Run,
  RunReport,
  applyConfig,
  isInterrupted,
  progressListener,
  readOutputs,
  runCheck,
} from "../run";
import { destroyAndAudit } from "./destroyWorkflow";

/** The prefix of `ephemeral` stack names when `--stack` is not given. */
export const DEFAULT_EPHEMERAL_PREFIX = "ephemeral";

/**
 * The name of an `ephemeral` stack: `<prefix>-<runId>`, or `<prefix>-<UTC time>-<4 random
 * hex digits>` so that two runs in the same second do not collide.
 */
export function ephemeralStackName(
  prefix: string | undefined,
  runId: string | undefined,
  now: Date,
  random: () => number,
): string {
  const base = prefix ?? DEFAULT_EPHEMERAL_PREFIX;
  const suffix =
    runId ??
    `${now
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "")
      .replace("T", "-")}-${Math.floor(random() * 0x10000)
      .toString(16)
      .padStart(4, "0")}`;
  const name = `${base}-${suffix}`;
  if (name.length > MAX_STACK_NAME) {
    throw new UsageError(`ephemeral stack name "${name}" is longer than ${MAX_STACK_NAME}`);
  }
  return name;
}

/**
 * create → config → up → outputs/contract → verify → drill, then ALWAYS destroy → audit →
 * remove. Once the stack exists, nothing that fails (or an interrupt) skips the cleanup.
 */
export async function runEphemeral(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "ephemeral");
  let name: string;
  try {
    name = ephemeralStackName(options.stack, options.runId, new Date(ports.now()), ports.random);
  } catch (error) {
    await run.fail("create", error);
    return run.report();
  }
  run.stack = name;
  const created = await run.step("create", () => ports.stacks.create(name));
  if (created === undefined) return run.report();
  const session = created.value;

  let outputs: StackOutputMap | undefined;
  const configured = await applyConfig(run, session, options);
  const listener = progressListener(ports, "update", options.raw);
  const up = configured ? await run.step("up", () => session.up(listener)) : undefined;
  if (up !== undefined) run.changes.up = up.value;

  if (!configured) run.skip("up", "config failed");

  let parsed: RedisStackOutputs | undefined;
  if (up !== undefined) {
    const read = await readOutputs(run, session);
    outputs = read?.raw;
    parsed = read?.parsed;
  }

  let verified = false;
  if (parsed === undefined) {
    run.skip("verify", up === undefined ? "up failed" : "outputs unreadable or off-contract");
  } else if (isInterrupted(ports)) {
    run.skip("verify", "interrupted");
  } else {
    const target = deploymentTarget(parsed);
    verified = await runCheck(run, "verify", () => ports.checks.verify(target));
  }

  if (options.skipDrill) {
    run.skip("drill", "--skip-drill");
  } else if (!verified || parsed === undefined) {
    run.skip("drill", "verify did not pass");
  } else if (isInterrupted(ports)) {
    run.skip("drill", "interrupted");
  } else {
    const target = deploymentTarget(parsed);
    await runCheck(run, "drill", () => ports.checks.drill(target, options.scenarios));
  }

  // Always: even when up, verify or drill failed, or the operator interrupted.
  await destroyAndAudit(run, ports, options, session, outputs, true);
  return run.report();
}
