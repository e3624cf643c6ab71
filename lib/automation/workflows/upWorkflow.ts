/**
 * `up`: create or select the stack, config, up, then read the outputs and check the contract.
 */
import type { DriverPorts } from "../driverPorts";
import {
  DriverOptions,
  Run,
  RunReport,
  applyConfig,
  progressListener,
  readOutputs,
  requireStack,
} from "../run";

export async function runUp(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "up");
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.createOrSelect(run.stack ?? ""));
  if (session !== undefined && (await applyConfig(run, session.value, options))) {
    const listener = progressListener(ports, "update", options.raw);
    const changes = await run.step("up", () => session.value.up(listener));
    if (changes !== undefined) {
      run.changes.up = changes.value;
      // Consumers read these outputs: a stack that breaks the contract must not pass CI.
      await readOutputs(run, session.value);
    }
  }
  return run.report();
}
