/**
 * `drill --cpu-load`: the busy workers really burn CPU, stop when told, and stop by themselves at
 * their time bound.
 */
import * as assert from "node:assert/strict";

import { cpuLoadWorkersFor, startCpuLoad } from "../../lib/sentinel/cpuLoad";

describe("drill --cpu-load: a bounded busy loop on the other cores", function () {
  this.timeout(20_000);

  it("one worker per core but one, at least one", () => {
    assert.deepEqual([1, 2, 4, 16].map(cpuLoadWorkersFor), [1, 1, 3, 15]);
  });

  it("burns CPU while on, and stops when told", async () => {
    const before = process.cpuUsage();
    const started = Date.now();
    const load = startCpuLoad(1);
    // Long enough that the worker's start-up (a few hundred ms on two busy cores, with the
    // other test files running beside this one) is a small part of it.
    await new Promise((r) => setTimeout(r, 1500));
    await load.stop();
    const wall = Date.now() - started;
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    // Worker threads count in the process' CPU time: about one core's worth of the wall time.
    assert.ok(cpuMs > wall * 0.3, `${cpuMs.toFixed(0)} ms of CPU in ${wall} ms`);
    const after = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 300));
    const idle = process.cpuUsage(after);
    assert.ok((idle.user + idle.system) / 1000 < 150, "still spinning after stop");
  });

  it("ends by itself at its time bound, unstopped", async () => {
    const bounded = startCpuLoad(1, 150);
    await new Promise((r) => setTimeout(r, 700));
    const t = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 300));
    const spent = process.cpuUsage(t);
    assert.ok((spent.user + spent.system) / 1000 < 150, "still spinning after its bound");
    await bounded.stop();
  });
});
