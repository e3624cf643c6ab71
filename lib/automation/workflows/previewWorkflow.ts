/**
 * `preview`: create or select the stack, apply the config overrides, preview.
 */
import type { DriverPorts } from "../driverPorts";
import { DriverOptions, Run, RunReport, applyConfig, progressListener, requireStack } from "../run";

export async function runPreview(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "preview");
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.createOrSelect(run.stack ?? ""));
  if (session !== undefined && (await applyConfig(run, session.value, options))) {
    const listener = progressListener(ports, "preview", options.raw);
    const changes = await run.step("preview", () => session.value.preview(listener));
    if (changes !== undefined) run.changes.preview = changes.value;
  }
  return run.report();
}
