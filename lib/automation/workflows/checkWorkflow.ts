/**
 * `verify` and `drill`: read the outputs through the contract and run the check against the
 * deployment they describe.
 */
import { deploymentTarget } from "../../contract";
import type { DriverPorts } from "../driverPorts";
import { DriverOptions, Run, RunReport, readOutputs, requireStack, runCheck } from "../run";

async function runCheckCommand(
  ports: DriverPorts,
  options: DriverOptions,
  step: "verify" | "drill",
): Promise<RunReport> {
  const run = new Run(ports, step);
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.select(run.stack ?? ""));
  if (session === undefined) return run.report();
  const outputs = await readOutputs(run, session.value);
  if (outputs?.parsed === undefined) {
    run.skip(step, "the stack outputs are unreadable or break the contract");
    return run.report();
  }
  const target = deploymentTarget(outputs.parsed);
  await runCheck(run, step, () =>
    step === "verify" ? ports.checks.verify(target) : ports.checks.drill(target, options.scenarios),
  );
  return run.report();
}

export function runVerify(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  return runCheckCommand(ports, options, "verify");
}

export function runDrill(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  return runCheckCommand(ports, options, "drill");
}
