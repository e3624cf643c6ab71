/**
 * Rotating the application password (`redisPasswordPrevious`, docs/redis.md "Changing a
 * credential"), against real redis-server processes running the ACL files the component renders:
 * three nodes restarted one at a time, highest first, as the StatefulSet rolls them. While the
 * first roll runs, a client holding the old password is never refused by any node; once it is
 * done every node takes the new one; while the second roll runs, the new one is never refused;
 * after it, the old one is.
 */
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import Redis from "ioredis";

import { ACL_FILE_KEY, aclSecretData, appPasswords } from "../../lib/redis/acl";
import { errorMessage } from "../../lib/sentinel/io/clients";
import { freePorts } from "../../lib/topology/io/localTopology";
import { requireRedis } from "../helpers/redisTopology";

const OLD = "the-old-password-0123456789";
const NEW = "the-new-password-0123456789";
const INTERNAL = "internal-password-0123456789";
const OPERATOR = "operator-password-0123456789";
const NODES = 3;

/** The Redis ACL file the pods mount for the app user's passwords. */
const aclFile = (app: string[]) =>
  aclSecretData({ default: [INTERNAL], app, operator: [OPERATOR] })[ACL_FILE_KEY];

interface Node {
  readonly port: number;
  process?: ChildProcess;
}

describe("password rotation: two passwords through a roll, on real redis-server", function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-rotation-"));
  const nodes: Node[] = [];
  /** Every refusal seen by the probe: which node, which password, what it said. */
  const refusals: string[] = [];
  /** Successful AUTHs of the probe, so that a roll is seen to have been probed at all. */
  let accepted = 0;
  let probing: string | undefined;
  let probe: Promise<void> | undefined;

  async function start(node: Node, app: string[]): Promise<void> {
    const file = path.join(dir, `users-${node.port}.acl`);
    fs.writeFileSync(file, aclFile(app));
    const child = spawn(
      "redis-server",
      ["--port", String(node.port), "--bind", "127.0.0.1", "--save", "", "--aclfile", file],
      { stdio: "ignore" },
    );
    node.process = child;
    for (let i = 0; i < 100; i++) {
      if (await answers(node)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on ${node.port} did not start`);
  }

  /** Whether the node accepts connections (before AUTH: its default user needs a password). */
  function answers(node: Node): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(node.port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  }

  async function stop(node: Node): Promise<void> {
    const child = node.process;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  }

  /** AUTH as app with `password` on a node: "ok", "down" (restarting), or the refusal. */
  async function authAs(node: Node, password: string): Promise<string> {
    // Authenticated by ioredis on connect, as clients do; no ready check before AUTH.
    const c = new Redis({
      port: node.port,
      host: "127.0.0.1",
      username: "app",
      password,
      lazyConnect: true,
      enableReadyCheck: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    // A refused AUTH comes as an "error" event; connect() then rejects with "Connection is closed".
    let refused: string | undefined;
    c.on("error", (error: Error) => {
      if (/WRONGPASS|NOPERM/.test(error.message)) refused = error.message;
    });
    try {
      await c.connect();
      await c.set("rotation-probe", "1");
      return "ok";
    } catch (error) {
      const message = errorMessage(error);
      if (/WRONGPASS|NOPERM/.test(message)) return message;
      return refused ?? "down";
    } finally {
      c.disconnect();
    }
  }

  /** Probes every node with `password` in a loop until `endProbe`, recording refusals. */
  function startProbe(password: string): void {
    probing = password;
    accepted = 0;
    probe = (async () => {
      while (probing === password) {
        for (const node of nodes) {
          const result = await authAs(node, password);
          if (result === "ok") accepted += 1;
          if (result !== "ok" && result !== "down") {
            refusals.push(`${password === OLD ? "old" : "new"} on ${node.port}: ${result}`);
          }
        }
      }
    })();
  }

  async function endProbe(): Promise<void> {
    probing = undefined;
    await probe;
  }

  /** Restarts the nodes one at a time, highest ordinal first, with the ACL file for `app`. */
  async function roll(app: string[]): Promise<void> {
    for (const node of [...nodes].reverse()) {
      await stop(node);
      await start(node, app);
    }
  }

  before(async function () {
    requireRedis();
    for (const port of await freePorts(NODES)) nodes.push({ port });
    for (const node of nodes) await start(node, appPasswords(OLD));
  });

  after(async () => {
    probing = undefined;
    await probe;
    for (const node of nodes) await stop(node);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("starts on the old password only", async () => {
    for (const node of nodes) {
      assert.equal(await authAs(node, OLD), "ok");
      assert.match(await authAs(node, NEW), /WRONGPASS/);
    }
  });

  it("first roll (old kept as redisPasswordPrevious): the old password is never refused", async () => {
    assert.deepEqual(appPasswords(NEW, OLD), [NEW, OLD]);
    startProbe(OLD);
    await roll(appPasswords(NEW, OLD));
    await endProbe();
    assert.deepEqual(refusals, []);
    assert.ok(accepted > NODES, `only ${accepted} probes got through during the roll`);
    for (const node of nodes) {
      assert.equal(await authAs(node, NEW), "ok", "the new password, once the roll is done");
      assert.equal(await authAs(node, OLD), "ok");
    }
  });

  it("second roll (redisPasswordPrevious removed): the new password is never refused, the old one is after", async () => {
    startProbe(NEW);
    await roll(appPasswords(NEW));
    await endProbe();
    assert.deepEqual(refusals, []);
    assert.ok(accepted > NODES, `only ${accepted} probes got through during the roll`);
    for (const node of nodes) {
      assert.equal(await authAs(node, NEW), "ok");
      assert.match(await authAs(node, OLD), /WRONGPASS/);
    }
  });
});
