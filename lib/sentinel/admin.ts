/**
 * The real side of the drill's command ports: Sentinel admin commands over the settings'
 * sentinels, and the commands a pod's preStop hooks run (its Redis and its own sentinel), each
 * over a one-shot connection.
 */
import { errorMessage, withConnection } from "./clients";
import { PodCommands } from "./preStop";
import { ConnectionSettings, Endpoint, SentinelAdmin, endpointKey } from "./types";

/** `SENTINEL GET-MASTER-ADDR-BY-NAME` on one sentinel, as an endpoint. */
export async function sentinelMasterOf(
  sentinel: Endpoint,
  password: string,
  masterSet: string,
): Promise<Endpoint | undefined> {
  const address = (await withConnection(sentinel, password, (c) =>
    c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterSet),
  )) as [string, string] | null;
  return address ? { host: String(address[0]), port: Number(address[1]) } : undefined;
}

/** Admin commands over every sentinel of the settings, first answer wins. */
export function sentinelAdmin(settings: ConnectionSettings): SentinelAdmin {
  return {
    async master() {
      for (const sentinel of settings.sentinels) {
        try {
          const master = await sentinelMasterOf(sentinel, settings.password, settings.masterSet);
          if (master) {
            return master;
          }
        } catch {
          // That sentinel is down or busy: ask the next one.
        }
      }
      return undefined;
    },
    async failover() {
      const errors: string[] = [];
      for (const sentinel of settings.sentinels) {
        try {
          await withConnection(sentinel, settings.password, (c) =>
            c.call("SENTINEL", "FAILOVER", settings.masterSet),
          );
          return;
        } catch (error) {
          errors.push(`${endpointKey(sentinel)}: ${errorMessage(error)}`);
        }
      }
      throw new Error(`SENTINEL FAILOVER refused by every sentinel: ${errors.join("; ")}`);
    },
  };
}

/** The commands of one pod's hooks: `redis` is its Redis as reached from here, `sentinel` its own sentinel. */
export function podCommands(
  redis: Endpoint,
  sentinel: Endpoint,
  password: string,
  masterSet: string,
): PodCommands {
  return {
    async redisRole() {
      const role = (await withConnection(redis, password, (c) => c.call("ROLE"))) as unknown[];
      return String(role[0]);
    },
    async pauseWrites(ms: number) {
      await withConnection(redis, password, (c) => c.call("CLIENT", "PAUSE", String(ms), "WRITE"));
    },
    async sentinelFailover() {
      await withConnection(sentinel, password, (c) => c.call("SENTINEL", "FAILOVER", masterSet));
    },
    async sentinelMaster() {
      const master = await sentinelMasterOf(sentinel, password, masterSet);
      return master ? endpointKey(master) : undefined;
    },
  };
}
