/**
 * Shared helpers for the real-process Sentinel tests: start a local topology (or fail with a
 * clear reason when Redis is not installed), and prove that closing it leaves nothing behind.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import {
  LocalTopology,
  LocalTopologyOptions,
  missingBinaries,
  missingBinariesMessage,
  processExists,
} from "../../lib/sentinel/localTopology";
import { sleep } from "../../lib/sentinel/types";

/**
 * Fails the suite, saying what to install, when redis-server / redis-sentinel are missing: these
 * tests are the proof that verify and the drill work, so a machine without Redis must not pass
 * them by skipping.
 */
export function requireRedis(): void {
  const missing = missingBinaries();
  if (missing.length > 0) throw new Error(missingBinariesMessage(missing));
}

export function startTopology(options: LocalTopologyOptions = {}): Promise<LocalTopology> {
  return LocalTopology.start(options);
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
