/** The master frozen for half of down-after: no sentinel may fail it over. */
import type { RedisTuning } from "../../tuning";
import { endpointKey } from "../../sentinel/ports";
import { defineScenario } from "./scenario";

/** Stall length: half of down-after, well inside it, so no sentinel may fail the master over. */
export function stallMsFor(tuning: RedisTuning): number {
  return Math.floor(tuning.downAfterMs / 2);
}

export const masterStall = defineScenario({
  name: "master-stall",
  spec: {
    fault: "SIGSTOP the master for half of down-after, then SIGCONT",
    failover: "none",
    decidesExit: true,
    oneMaster: false,
  },
  skipReason: (injector) =>
    injector.stall ? undefined : "this target cannot freeze a node (SIGSTOP)",
  async inject(ctx) {
    const { injector, tuning, master, event } = ctx;
    if (!injector.stall) {
      throw new Error("this target cannot freeze a node");
    }
    const ms = stallMsFor(tuning);
    event(`SIGSTOP master ${endpointKey(master)} for ${ms} ms`);
    await injector.stall(master, ms);
    event("SIGCONT");
    // Let the sentinels look once more before recovery is judged.
    await ctx.sleep(Math.min(tuning.downAfterMs, 2000));
  },
});
