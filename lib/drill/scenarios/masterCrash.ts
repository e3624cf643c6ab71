/** SIGKILL the master; the sentinels must fail over, and no acknowledged write may be lost. */
import { endpointKey } from "../../sentinel/ports";
import { defineScenario, waitForMasterChange } from "./scenario";

export const masterCrash = defineScenario({
  name: "master-crash",
  spec: {
    fault: "SIGKILL the master (cluster: delete its pod, grace 0); restart it after the failover",
    failover: "moves",
    decidesExit: true,
    targetMedianWriteUnavailableMs: 3500,
    oneMaster: false,
  },
  async inject(ctx) {
    const { injector, master, event } = ctx;
    const masterKey = endpointKey(master);
    await injector.crash(master);
    event(`killed master ${masterKey}`);
    if (await waitForMasterChange(ctx, masterKey)) {
      event("sentinels report a new master");
    }
    // The old master comes back as after a pod restart; it starts as the new master's replica.
    await injector.restore(master);
    event(`restarted ${masterKey}`);
  },
});
