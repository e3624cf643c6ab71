/**
 * `drill --cpu-load`: a bounded busy loop on the machine's other cores, so that a drill shows
 * what failover costs when the host is busy (a noisy neighbour, a node running other pods).
 * One worker thread per core but one (at least one), each spinning in short slices until it is
 * stopped or its time bound passes: a drill that dies cannot leave a core spinning for long.
 */
import * as os from "node:os";
import { Worker } from "node:worker_threads";

/** Upper bound of one load, whatever happens to the drill. Defaults of `startCpuLoad`. */
export const CPU_LOAD_MAX_MS = 30 * 60_000;

/** The machine's other cores: one worker per core but one, at least one. */
export function cpuLoadWorkersFor(cores: number): number {
  return Math.max(1, Math.floor(cores) - 1);
}

export interface CpuLoad {
  readonly workers: number;
  /** Busy slices the workers have completed so far: it grows while they spin, not after. */
  slicesDone(): number;
  /** Workers that have not exited yet. */
  running(): number;
  /** Stops every worker and resolves once they have exited. */
  stop(): Promise<void>;
}

// Plain JavaScript (eval'd by the worker): no TypeScript loader in the thread.
const SPIN = `
const { workerData } = require("node:worker_threads");
const shared = new Int32Array(workerData.shared);
const deadline = Date.now() + workerData.maxMs;
let x = 0;
while (Atomics.load(shared, 0) === 0 && Date.now() < deadline) {
  for (let i = 0; i < 200000; i++) x = (x * 31 + i) | 0;
  Atomics.add(shared, 1, 1);
}
`;

export function startCpuLoad(
  workers = cpuLoadWorkersFor(os.availableParallelism()),
  maxMs = CPU_LOAD_MAX_MS,
): CpuLoad {
  // [0]: the stop flag, [1]: slices completed by all workers.
  const shared = new SharedArrayBuffer(8);
  const cells = new Int32Array(shared);
  // Not unref'd: `stop` awaits their exit, and an unref'd thread would let Node end the process
  // (exit 0) in the middle of that await. `maxMs` bounds them instead; `process.exit` ends them.
  const threads = Array.from(
    { length: workers },
    () => new Worker(SPIN, { eval: true, workerData: { shared, maxMs } }),
  );
  let alive = workers;
  const exited = threads.map(
    (w) =>
      new Promise<void>((resolve) =>
        w.once("exit", () => {
          alive -= 1;
          resolve();
        }),
      ),
  );
  return {
    workers,
    slicesDone: () => Atomics.load(cells, 1),
    running: () => alive,
    async stop() {
      Atomics.store(cells, 0, 1);
      await Promise.all(exited);
    },
  };
}
