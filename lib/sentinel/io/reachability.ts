/**
 * The quick check before verify or drill: does anything answer at the sentinels, and at the
 * master they name? A wrong target (nothing listening, a hostname that does not resolve outside
 * the VPC, a port-forward that cannot open) then fails within seconds with
 * `RedisUnreachableError`, instead of a health wait of minutes per scenario.
 */
import { ReplyError } from "ioredis";

import { connectOnce, errorMessage, isUnreachableError } from "./clients";
import { sentinelMasterOf } from "./admin";
import {
  ConnectionSettings,
  Credentials,
  Endpoint,
  RedisUnreachableError,
  endpointKey,
  reachable,
} from "../ports";

/** Connect timeout of the probe: long enough for a port-forward, short enough to fail fast. */
export const REACH_TIMEOUT_MS = 3000;

/** Resolves when the address answers at all (a wrong password counts as answering). */
async function probe(endpoint: Endpoint, auth: Credentials, timeoutMs: number): Promise<void> {
  const client = await connectOnce(endpoint, auth, timeoutMs);
  client.disconnect();
}

/** An address this machine connects to, as the settings name it. */
function named(settings: ConnectionSettings, reached: Endpoint): string {
  return settings.describe?.(reached) ?? endpointKey(reached);
}

/** The address as announced, with where it was reached when the NAT map moves it. */
function describe(settings: ConnectionSettings, announced: Endpoint): string {
  const target = reachable(settings, announced);
  const key = endpointKey(announced);
  return endpointKey(target) === key ? key : `${key} (via ${named(settings, target)})`;
}

/**
 * Throws `RedisUnreachableError` when no sentinel answers, or when the sentinels name a master
 * that does not answer. Anything else (a wrong password, no master known yet) is left to verify,
 * which reports it check by check. Takes at most about two connect timeouts.
 */
export async function ensureReachable(
  settings: ConnectionSettings,
  timeoutMs = REACH_TIMEOUT_MS,
): Promise<void> {
  const results = await Promise.all(
    settings.sentinels.map((sentinel) =>
      probe(sentinel, settings, timeoutMs).then(
        () => undefined,
        (error: unknown) => error,
      ),
    ),
  );
  // A sentinel answered if it replied at all, even with an error (a wrong password). Silence
  // until the timeout is no answer: a port-forward whose pod has no running container accepts
  // the connection locally and then says nothing.
  const answered = settings.sentinels.filter(
    (_, i) => results[i] === undefined || results[i] instanceof ReplyError,
  );
  if (answered.length === 0) {
    throw new RedisUnreachableError(
      settings.sentinels.map((sentinel) => named(settings, sentinel)),
      uniqueMessages(results),
    );
  }
  let master: Endpoint | undefined;
  for (const sentinel of answered) {
    try {
      master = await sentinelMasterOf(sentinel, settings, settings.masterSet);
      if (master) {
        break;
      }
    } catch {
      // Wrong password or busy: verify reports it.
    }
  }
  if (!master) {
    return;
  }
  try {
    await probe(reachable(settings, master), settings, timeoutMs);
  } catch (error) {
    if (isUnreachableError(error)) {
      throw new RedisUnreachableError(
        [describe(settings, master)],
        [`the master the sentinels name does not answer: ${errorMessage(error)}`],
      );
    }
  }
}

function uniqueMessages(errors: readonly unknown[]): string[] {
  return [...new Set(errors.filter((e) => e !== undefined).map(errorMessage))];
}
