/**
 * The real side of the drill's `SentinelAdmin` port: Sentinel admin commands over the settings'
 * sentinels, each over a one-shot connection.
 */
import { errorMessage, withConnection } from "./clients";
import { ConnectionSettings, Credentials, Endpoint, SentinelAdmin, endpointKey } from "../ports";

/** `SENTINEL GET-MASTER-ADDR-BY-NAME` on one sentinel, as an endpoint. */
export async function sentinelMasterOf(
  sentinel: Endpoint,
  auth: Credentials,
  masterSet: string,
): Promise<Endpoint | undefined> {
  const address = (await withConnection(sentinel, auth, (c) =>
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
          const master = await sentinelMasterOf(sentinel, settings, settings.masterSet);
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
          await withConnection(sentinel, settings, (c) =>
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
