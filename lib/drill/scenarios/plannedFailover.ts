/** The master stopped as Kubernetes stops its pod: through the chart's preStop hooks. */
import { endpointKey } from "../../sentinel/ports";
import { defineScenario } from "./scenario";

export const plannedFailover = defineScenario({
  name: "planned-failover",
  spec: {
    fault:
      "stop the master as Kubernetes stops its pod: the chart's preStop (CLIENT PAUSE WRITE, SENTINEL FAILOVER, wait for the new master), then SIGTERM; restart it",
    failover: "moves",
    decidesExit: true,
    targetMedianWriteUnavailableMs: 1500,
    oneMaster: false,
  },
  async inject({ injector, master, event }) {
    const masterKey = endpointKey(master);
    event(`stopping master ${masterKey} through its preStop hooks`);
    await injector.stop(master, event);
    event(`${masterKey} stopped (SIGTERM after preStop)`);
    await injector.restore(master);
    event(`restarted ${masterKey}`);
  },
});
