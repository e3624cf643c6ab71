/**
 * The drill's other scenarios (replica-crash, master-stall, sentinel-failover, all-down), on a
 * topology of their own so that mocha --parallel runs them beside drill-failovers.test.ts, which
 * says what the suite checks (`describeDrill`).
 */
import { describeDrill } from "../helpers/redisTopology";

describeDrill("faults");
