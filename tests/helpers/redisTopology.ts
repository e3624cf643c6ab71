/**
 * Shared helpers for the real-process Sentinel tests: start a local topology (or fail with a
 * clear reason when Redis is not installed), share it across a suite, and prove that closing it
 * leaves nothing behind.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import {
  LocalTopology,
  LocalTopologyOptions,
  SentinelPeriods,
  missingBinaries,
  missingBinariesMessage,
  processExists,
} from "../../lib/sentinel/localTopology";
import { sleep } from "../../lib/sentinel/types";
import { DEFAULT_TUNING, MIN_DOWN_AFTER_MS, RedisTuning, tuningProblems } from "../../lib/tuning";

/**
 * The stack's tuning with the shortest timings it accepts (tuningProblems): down-after at its
 * minimum and no diskless-sync delay, so failovers and replica syncs take seconds less. Every
 * promise the tests check holds for any valid tuning; the timings the stack deploys are measured
 * by `npm run bench:failover`, not by tests.
 */
export const TEST_TUNING: RedisTuning = Object.freeze({
  ...DEFAULT_TUNING,
  downAfterMs: MIN_DOWN_AFTER_MS,
  disklessSyncDelaySeconds: 0,
});
const testTuningProblems = tuningProblems(TEST_TUNING, 3, 2);
if (testTuningProblems.length > 0) {
  throw new Error(`TEST_TUNING is not a valid tuning: ${testTuningProblems.join("; ")}`);
}

/**
 * Sentinel periods for suites that wait for Sentinel to demote a node that runs as a stray
 * master (a bare SENTINEL FAILOVER, all-down): about 1 s instead of 8-10 s (see
 * `SentinelPeriods`).
 */
export const FAST_SENTINEL_PERIODS: SentinelPeriods = Object.freeze({
  infoMs: 1000,
  publishMs: 250,
});

/**
 * Fails the suite, saying what to install, when redis-server / redis-sentinel are missing: these
 * tests are the proof that verify and the drill work, so a machine without Redis must not pass
 * them by skipping.
 */
export function requireRedis(): void {
  const missing = missingBinaries();
  if (missing.length > 0) throw new Error(missingBinariesMessage(missing));
}

/**
 * One topology for the whole suite: `before` fails it when Redis is missing, then starts the
 * topology (with `TEST_TUNING` unless the options give a tuning); `after` closes it and asserts
 * that nothing is left. Returns the accessor the tests call; tests that fault a node put it back
 * (the drill and verify wait until the topology is healthy again).
 */
export function useTopology(options: LocalTopologyOptions = {}): () => LocalTopology {
  let topology: LocalTopology | undefined;
  before(async function () {
    requireRedis();
    topology = await LocalTopology.start({ tuning: TEST_TUNING, ...options });
  });
  after(async function () {
    if (topology) await closeAndAssertClean(topology);
  });
  return () => {
    if (!topology) throw new Error("the local topology has not started (see the before hook)");
    return topology;
  };
}

/**
 * Closes the topology and asserts that every process it ever started is gone and its temp
 * directory removed.
 */
export async function closeAndAssertClean(topology: LocalTopology): Promise<void> {
  const pids = topology.pids();
  await topology.close();
  await assertPidsGone(pids);
  assert.equal(fs.existsSync(topology.dir), false, `${topology.dir} still exists`);
}

/** Waits briefly for the PIDs to disappear, then asserts none remains. */
export async function assertPidsGone(pids: readonly number[], withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (pids.some(processExists) && Date.now() < deadline) {
    await sleep(50);
  }
  assert.deepEqual(
    pids.filter(processExists),
    [],
    "processes of the local topology are still running",
  );
}

/**
 * PIDs of processes working inside `dir` (a topology's temp dir): Redis changes into its `dir`
 * and rewrites its command line, so the working directory is what identifies it.
 */
export function pidsInDirectory(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // Exited while we looked, or not ours to inspect.
    }
  }
  return pids;
}
