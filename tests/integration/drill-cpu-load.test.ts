/**
 * `drill --cpu-load`: the busy workers really spin, stop when told, and stop by themselves at
 * their time bound. Judged by the workers' own slice counter, not by CPU time: how much of a core
 * a thread gets depends on what else runs (npm test runs four files at once on two cores).
 */
import * as assert from "node:assert/strict";

import { type CpuLoad, cpuLoadWorkersFor, startCpuLoad } from "../../lib/drill/io/cpuLoad";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForSlices(load: CpuLoad, atLeast: number, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  while (load.slicesDone() < atLeast) {
    assert.ok(Date.now() < until, `only ${load.slicesDone()} busy slices in ${withinMs} ms`);
    await sleep(20);
  }
}

describe("drill --cpu-load: a bounded busy loop on the other cores", function () {
  this.timeout(20_000);

  it("one worker per core but one, at least one", () => {
    assert.deepEqual([1, 2, 4, 16].map(cpuLoadWorkersFor), [1, 1, 3, 15]);
  });

  it("spins while on, and stops when told", async () => {
    const load = startCpuLoad(2);
    await waitForSlices(load, 1, 10_000);
    const early = load.slicesDone();
    await waitForSlices(load, early + 3, 10_000);
    assert.equal(load.running(), 2);
    await load.stop();
    assert.equal(load.running(), 0);
    const atStop = load.slicesDone();
    await sleep(300);
    assert.equal(load.slicesDone(), atStop, "still spinning after stop");
  });

  it("ends by itself at its time bound, unstopped", async () => {
    const bounded = startCpuLoad(1, 150);
    await waitForSlices(bounded, 1, 10_000);
    const until = Date.now() + 10_000;
    while (bounded.running() > 0) {
      assert.ok(Date.now() < until, "still running 10 s after a 150 ms bound");
      await sleep(20);
    }
    const atEnd = bounded.slicesDone();
    await sleep(300);
    assert.equal(bounded.slicesDone(), atEnd, "still spinning after its bound");
    await bounded.stop();
  });
});
