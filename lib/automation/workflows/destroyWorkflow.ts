/**
 * `destroy`: read the outputs (the audit's scope), destroy with the program, audit for
 * leftovers, and with `--remove` remove the stack. `ephemeral` ends with the same steps.
 */
import type { DriverPorts, StackOutputMap, StackSession } from "../driverPorts";
import {
  DriverOptions,
  Run,
  RunReport,
  applyConfig,
  audit,
  clusterNameOf,
  messageOf,
  progressListener,
  requireStack,
  stackTagOf,
} from "../run";
import { auditRegion, createdNoAwsResources, keptOnPurpose } from "../stackConfig";

/**
 * Destroy, then audit, then (with --remove) remove. The outputs are read first, because the
 * audit needs the stack tag and region and they are gone once the stack is destroyed.
 */
export async function destroyAndAudit(
  run: Run,
  ports: DriverPorts,
  options: DriverOptions,
  session: StackSession,
  outputs: StackOutputMap | undefined,
  remove: boolean,
): Promise<void> {
  const region = await auditRegion(options, outputs, session);
  let stackTag: string | undefined;
  try {
    stackTag = await stackTagOf(outputs, session);
  } catch (error) {
    run.note(`cannot determine the stack tag, so the audit will be skipped: ${messageOf(error)}`);
  }
  const listener = progressListener(ports, "update", options.raw);
  const destroyed = await run.step("destroy", () => session.destroy(listener));
  if (destroyed === undefined) {
    run.skip("audit", "destroy failed; the stack still holds resources");
    if (remove) run.skip("remove", "destroy failed; the stack is kept so destroy can be retried");
    run.note(
      `stack ${session.name} was kept: retry with ` +
        `\`npm run automation -- destroy --stack ${session.name} --remove\``,
    );
    return;
  }
  run.changes.destroy = destroyed.value;
  if (await createdNoAwsResources(options, session, outputs)) {
    run.skip("audit", "a clusterOnly stack creates no AWS resource; there is nothing to audit");
  } else if (stackTag === undefined) {
    run.skip("audit", "the stack tag is unknown");
  } else {
    const kept = await keptOnPurpose(options, session);
    await audit(run, ports, { region, stackTag, clusterName: clusterNameOf(outputs), ...kept });
  }
  if (remove) {
    if (run.failed("audit")) {
      // The stack is the only record of what this run deployed: keep it until someone has
      // looked at what the audit found (or why it could not run).
      run.skip("remove", "the audit failed; the stack is kept until its leftovers are resolved");
      run.note(
        `stack ${session.name} was kept: after resolving the audit, remove it with ` +
          `\`npm run automation -- destroy --stack ${session.name} --remove\``,
      );
    } else {
      // The state is empty after a successful destroy, so removing loses nothing.
      await run.step("remove", () => session.remove());
    }
  }
}

export async function runDestroy(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "destroy");
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.select(run.stack ?? ""));
  if (session === undefined) return run.report();
  if (!(await applyConfig(run, session.value, options))) return run.report();
  // Outputs are only needed for the audit scope; a stack without them is still destroyed.
  let outputs: StackOutputMap | undefined;
  try {
    outputs = await session.value.outputs();
  } catch (error) {
    run.note(`could not read outputs before destroy: ${messageOf(error)}`);
  }
  await destroyAndAudit(run, ports, options, session.value, outputs, options.remove);
  return run.report();
}
