/**
 * Small helpers around ioredis for talking to one node or sentinel at a time, and for reading
 * the replies of INFO and SENTINEL commands.
 */
import Redis, { ReplyError } from "ioredis";
import { Credentials, Endpoint } from "../ports";

/** Per-command and connect timeout of the check connections: a stalled node must not hang us. */
export const CHECK_TIMEOUT_MS = 2000;

/**
 * Connects to one node or sentinel, once: no reconnects, no offline queue, so a node that is
 * down fails fast instead of queueing commands.
 */
export async function connectOnce(
  endpoint: Endpoint,
  auth: Credentials,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<Redis> {
  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    username: auth.username,
    password: auth.password,
    ...(auth.tls === undefined ? {} : { tls: { ca: auth.tls.ca } }),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    disableClientInfo: true,
  });
  // Errors surface through the awaited commands; without a listener ioredis would log them.
  // The last one is kept: a failed connect() only says "Connection is closed.", while the
  // event says why (ECONNREFUSED, ENOTFOUND ...).
  let cause: Error | undefined;
  client.on("error", (error: Error) => {
    cause = error;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw cause ?? error;
  }
  return client;
}

/**
 * True when the error says nothing answered at the address (refused, unresolvable name, no
 * route, connect timeout, closed before the handshake), as opposed to a server that answered
 * with an error (a wrong password) or stalled on a command.
 */
export function isUnreachableError(error: unknown): boolean {
  if (error instanceof ReplyError) {
    return false;
  }
  const message = errorMessage(error);
  if (/Command timed out/i.test(message)) {
    return false;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? "";
  return (
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EAI_NONAME|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EPIPE)$/.test(
      code,
    ) ||
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|Connection is closed/i.test(
      message,
    )
  );
}

/** Runs `body` with a one-shot connection and always closes it. */
export async function withConnection<T>(
  endpoint: Endpoint,
  auth: Credentials,
  body: (client: Redis) => Promise<T>,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<T> {
  const client = await connectOnce(endpoint, auth, timeoutMs);
  try {
    return await body(client);
  } finally {
    client.disconnect();
  }
}

/** `INFO` text as key/value pairs (section headers and blank lines dropped). */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) {
      fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
    }
  }
  return fields;
}

/**
 * One SENTINEL MASTER/REPLICAS/SENTINELS entry as a record. RESP2 and ioredis' "legacy" RESP3
 * mapping give a flat `[key, value, ...]` array, the "resp3" mapping an object: accept both.
 */
export function recordFromReply(reply: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) {
      record[String(reply[i])] = String(reply[i + 1]);
    }
  } else if (reply !== null && typeof reply === "object") {
    for (const [key, value] of Object.entries(reply)) {
      record[key] = String(value);
    }
  }
  return record;
}

/** A list reply of SENTINEL REPLICAS/SENTINELS as records. */
export function recordsFromReply(reply: unknown): Record<string, string>[] {
  return Array.isArray(reply) ? reply.map(recordFromReply) : [];
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when Sentinel flags say the instance is down or cut off. */
export function flaggedDown(flags: string | undefined): boolean {
  return /(^|,)(s_down|o_down|disconnected)(,|$)/.test(flags ?? "");
}
