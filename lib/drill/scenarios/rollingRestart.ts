/** Every node restarted in StatefulSet order, as a rollout does. */
import { endpointKey } from "../../sentinel/ports";
import { defineScenario } from "./scenario";

export const rollingRestart = defineScenario({
  name: "rolling-restart",
  spec: {
    fault:
      "stop and restart every node in StatefulSet order (highest ordinal first), each through the preStop hooks, waiting until it is back and synced",
    // One failover, two when the master is the first pod stopped: `failoverBudget` below.
    failover: "some",
    decidesExit: true,
    maxWriteUnavailableMs: 3000,
    oneMaster: false,
  },
  async inject(ctx) {
    const { injector, admin, event } = ctx;
    // A StatefulSet rolls out from the highest ordinal down, one pod at a time, each Ready
    // before the next; Ready here means verify passes (the node is back and synced).
    const order = [...injector.nodes()].reverse();
    const first = await admin.master();
    const failoverBudget =
      first !== undefined && endpointKey(first) === endpointKey(order[0])
        ? {
            max: 2,
            why: "the master was the first pod stopped: no pod was restarted yet to take over",
          }
        : {
            max: 1,
            why: "the master's preStop hands over to a pod the rollout has already restarted",
          };
    for (const node of order) {
      const key = endpointKey(node);
      const current = await admin.master();
      const role = current && endpointKey(current) === key ? "master" : "replica";
      event(`rolling: stopping ${key} (${role})`);
      await injector.stop(node, event);
      await injector.restore(node);
      event(`rolling: ${key} restarted`);
      await ctx.waitHealthy();
      event(`rolling: ${key} back and synced`);
    }
    return { failoverBudget };
  },
});
