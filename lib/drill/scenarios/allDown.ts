/** Everything down at once, then everything up: exactly one master must come out of it. */
import { defineScenario } from "./scenario";

export const allDown = defineScenario({
  name: "all-down",
  spec: {
    fault: "SIGTERM every Redis node and sentinel (cluster: delete every pod), 2 s later start all",
    failover: "any",
    decidesExit: true,
    oneMaster: true,
  },
  async inject(ctx) {
    await ctx.injector.stopAll();
    ctx.event("every node and sentinel down");
    await ctx.sleep(ctx.allDownMs);
    await ctx.injector.startAll();
    ctx.event("every node and sentinel started");
  },
});
