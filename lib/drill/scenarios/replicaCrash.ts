/** SIGKILL the replica the reader uses: reads move, no failover. */
import { endpointKey } from "../../sentinel/ports";
import { defineScenario } from "./scenario";

export const replicaCrash = defineScenario({
  name: "replica-crash",
  spec: {
    fault: "SIGKILL the replica the reader uses; restart it after down-after + 1 s",
    failover: "none",
    decidesExit: true,
    oneMaster: false,
  },
  async inject(ctx) {
    const { injector, tuning, event } = ctx;
    const replica = await ctx.readerReplica();
    await injector.crash(replica);
    event(`killed replica ${endpointKey(replica)}`);
    // Long enough for Sentinel to mark it down, so the drill sees the real effect.
    await ctx.sleep(tuning.downAfterMs + 1000);
    await injector.restore(replica);
    event(`restarted ${endpointKey(replica)}`);
  },
});
