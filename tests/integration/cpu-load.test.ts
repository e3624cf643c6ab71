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
    const window = 1500;
    const before = process.cpuUsage();
    const load = startCpuLoad(1);
    await new Promise((r) => setTimeout(r, window));
    await load.stop();
    const loaded = process.cpuUsage(before);
    const loadedMs = (loaded.user + loaded.system) / 1000;
    // The same window without the load: what this process spends anyway. A worker thread
    // counts in the process' CPU time; how much of a core it gets depends on what else runs
    // (npm test runs four files at once on two cores), so it is compared with the process at
    // rest, not with the wall time.
    const after = process.cpuUsage();
    await new Promise((r) => setTimeout(r, window));
    const idle = process.cpuUsage(after);
    const idleMs = (idle.user + idle.system) / 1000;
    assert.ok(
      loadedMs > 200 && loadedMs > 5 * idleMs,
      `${loadedMs.toFixed(0)} ms of CPU under load, ${idleMs.toFixed(0)} ms at rest, in ${window} ms each`,
    );
    assert.ok(idleMs < 150, "still spinning after stop");
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
