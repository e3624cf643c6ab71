/**
 * A wrong target fails fast: nothing listening, or names that do not resolve, give
 * `RedisUnreachableError` naming the addresses within seconds, before any health wait. Real
 * sockets, no Redis needed; the 15 s bound is the promise, not a speed figure.
 */
import * as assert from "node:assert/strict";
import * as net from "node:net";
import { runDrill } from "../../lib/drill/io/drillRun";
import { freePorts } from "../../lib/topology/io/localTopology";
import { ensureReachable } from "../../lib/sentinel/io/reachability";
import { FaultInjector, RedisUnreachableError } from "../../lib/sentinel/ports";
import { DEFAULT_TUNING } from "../../lib/tuning";

const PROMISED_MS = 15000;

async function unreachable(
  action: () => Promise<unknown>,
): Promise<{ error: RedisUnreachableError; ms: number }> {
  const started = Date.now();
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof RedisUnreachableError, `got ${String(error)}`);
    return { error, ms: Date.now() - started };
  }
  throw new Error("expected RedisUnreachableError, nothing was thrown");
}

describe("sentinel reachability", function () {
  this.timeout(30000);

  it("nothing listening: names every sentinel address", async () => {
    const ports = await freePorts(3);
    const sentinels = ports.map((port) => ({ host: "127.0.0.1", port }));
    const { error, ms } = await unreachable(() =>
      ensureReachable({ sentinels, masterSet: "mymaster", password: "x" }),
    );
    assert.ok(ms < PROMISED_MS, `took ${ms} ms`);
    assert.match(
      error.message,
      new RegExp(
        `^cannot reach Redis/Sentinel at ${ports.map((p) => `127\\.0\\.0\\.1:${p}`).join(",")}`,
      ),
    );
    assert.match(error.message, /ECONNREFUSED/);
  });

  it("a hostname that does not resolve (a pod name outside the VPC)", async () => {
    const host = "redis-node-0.redis-headless.redis.svc.cluster.invalid";
    const { error, ms } = await unreachable(() =>
      ensureReachable({ sentinels: [{ host, port: 26379 }], masterSet: "mymaster", password: "x" }),
    );
    assert.ok(ms < PROMISED_MS, `took ${ms} ms`);
    assert.deepEqual(error.addresses, [`${host}:26379`]);
  });

  it("a server that accepts and closes at once (a port-forward that cannot open) counts as unreachable", async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { error } = await unreachable(() =>
        ensureReachable({
          sentinels: [{ host: "127.0.0.1", port }],
          masterSet: "mymaster",
          password: "x",
        }),
      );
      assert.deepEqual(error.addresses, [`127.0.0.1:${port}`]);
    } finally {
      server.close();
    }
  });

  it("a server that accepts and never answers (a port-forward to a pod without Redis) counts as unreachable", async () => {
    const silent = new Set<net.Socket>();
    const server = net.createServer((socket) => silent.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { error, ms } = await unreachable(() =>
        ensureReachable({
          sentinels: [{ host: "127.0.0.1", port }],
          masterSet: "mymaster",
          password: "x",
        }),
      );
      assert.ok(ms < PROMISED_MS, `took ${ms} ms`);
      assert.deepEqual(error.addresses, [`127.0.0.1:${port}`]);
      assert.match(error.message, /timed out/i);
    } finally {
      for (const socket of silent) socket.destroy();
      server.close();
    }
  });

  it("names the addresses as the settings describe them (the pod behind a port-forward)", async () => {
    const [port] = await freePorts(1);
    const { error } = await unreachable(() =>
      ensureReachable({
        sentinels: [{ host: "127.0.0.1", port }],
        masterSet: "mymaster",
        password: "x",
        describe: (e) => `redis-node-0:26379 (port-forward ${e.host}:${e.port})`,
      }),
    );
    assert.ok(
      error.message.startsWith(
        `cannot reach Redis/Sentinel at redis-node-0:26379 (port-forward 127.0.0.1:${port})`,
      ),
      error.message,
    );
  });

  it("the drill throws it before any scenario's health wait", async () => {
    const [port] = await freePorts(1);
    const unused = async (): Promise<void> => {
      throw new Error("no fault may be injected");
    };
    const injector: FaultInjector = {
      crash: unused,
      stop: unused,
      restore: unused,
      stopAll: unused,
      startAll: unused,
      nodes: () => [],
    };
    const { ms } = await unreachable(() =>
      runDrill({
        settings: {
          sentinels: [{ host: "127.0.0.1", port }],
          masterSet: "mymaster",
          password: "x",
        },
        injector,
        tuning: DEFAULT_TUNING,
        readyTimeoutMs: 300000,
      }),
    );
    assert.ok(ms < PROMISED_MS, `took ${ms} ms`);
  });
});
