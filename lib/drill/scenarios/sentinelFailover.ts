/** A bare SENTINEL FAILOVER, as an operator types it: reported, never decides the exit code. */
import { endpointKey } from "../../sentinel/ports";
import { defineScenario, waitForMasterChange } from "./scenario";

export const sentinelFailover = defineScenario({
  name: "sentinel-failover",
  spec: {
    fault:
      "a bare SENTINEL FAILOVER, as an operator's manual command: reported, does not decide the exit code (it loses writes, see docs/drill.md)",
    failover: "moves",
    decidesExit: false,
    oneMaster: false,
  },
  async inject(ctx) {
    await ctx.admin.failover();
    ctx.event("SENTINEL FAILOVER sent");
    await waitForMasterChange(ctx, endpointKey(ctx.master));
  },
});
