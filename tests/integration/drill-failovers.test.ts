/**
 * Smoke test per scenario against real redis-server / redis-sentinel processes: each scenario
 * runs end to end, recovers, and keeps its promise about failovers and WAIT-acknowledged writes
 * (`describeDrill`). This file has the failovers (master-crash, planned-failover,
 * rolling-restart), drill-faults.test.ts the other scenarios (`DRILL_TEST_PARTS`), each
 * on one topology shared by its scenarios, as in a real drill (each scenario starts only once
 * verify passes). The topologies run the stack's tuning without the diskless-sync delay and
 * with short Sentinel periods (`TEST_TUNING`, `FAST_SENTINEL_PERIODS`), and the stack's own
 * preStop hooks. The judgement itself is table-tested in tests/fast/drill-scenarios.test.ts; no speed is
 * asserted here (the figures come from `npm run bench:failover`, with the deployed timings).
 */
import { describeDrill } from "../helpers/redisTopology";

describeDrill("failovers");
