/**
 * `outputs`: print the stack outputs (secrets redacted unless asked) and check the contract.
 */
import type { DriverPorts } from "../driverPorts";
import { DriverOptions, Run, RunReport, readOutputs, redactOutputs, requireStack } from "../run";

export async function runOutputs(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "outputs");
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.select(run.stack ?? ""));
  if (session !== undefined) {
    const outputs = await readOutputs(run, session.value);
    if (outputs !== undefined) {
      const shown = redactOutputs(outputs.raw, options.showSecrets);
      for (const [name, value] of Object.entries(shown)) {
        ports.log(`${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
      }
    }
  }
  return run.report();
}
