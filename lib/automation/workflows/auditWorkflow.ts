/**
 * `audit`: look for AWS resources still tagged for the stack, from its outputs or for a given tag.
 */
import type { DriverPorts, StackOutputMap } from "../driverPorts";
import {
  DriverOptions,
  Run,
  RunReport,
  audit,
  clusterNameOf,
  messageOf,
  redactOutputs,
  requireStack,
  stackTagOf,
} from "../run";
import { auditRegion, keptOnPurpose } from "../stackConfig";

export async function runAudit(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "audit");
  if (options.stackTag !== undefined) {
    // An explicit tag audits without a stack, e.g. after the stack was removed.
    const region = options.region ?? ports.defaultRegion;
    if (region === undefined) {
      await run.fail("audit", new Error("no region: pass --region"));
      return run.report();
    }
    await audit(run, ports, { region, stackTag: options.stackTag });
    return run.report();
  }
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.select(run.stack ?? ""));
  if (session === undefined) return run.report();
  // The outputs only give the audit's scope; without them the tag is computed from the name.
  let outputs: StackOutputMap | undefined;
  try {
    outputs = await session.value.outputs();
    run.outputs = redactOutputs(outputs);
  } catch (error) {
    run.note(`could not read outputs: ${messageOf(error)}`);
  }
  let stackTag: string;
  try {
    stackTag = await stackTagOf(outputs, session.value);
  } catch (error) {
    await run.fail("audit", error);
    return run.report();
  }
  const region = await auditRegion(options, outputs, session.value);
  if (region === undefined) {
    await run.fail("audit", new Error("no region: the stack has no region output; pass --region"));
    return run.report();
  }
  const kept = await keptOnPurpose(options, session.value);
  await audit(run, ports, { region, stackTag, clusterName: clusterNameOf(outputs), ...kept });
  return run.report();
}
