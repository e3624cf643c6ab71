/**
 * The registry of drill scenarios, in the order a full drill runs them: one file each in this
 * folder. The one source for the CLI flag, the Automation driver, the CI workflow test and the
 * drill tests' parts. A new scenario is one file here and one entry below (and its row in
 * docs/drill.md, which a test checks).
 */
import { allDown } from "./allDown";
import { masterCrash } from "./masterCrash";
import { masterStall } from "./masterStall";
import { plannedFailover } from "./plannedFailover";
import { replicaCrash } from "./replicaCrash";
import { rollingRestart } from "./rollingRestart";
import type { Scenario, ScenarioSpec } from "./scenario";
import { sentinelFailover } from "./sentinelFailover";

export const SCENARIO_LIST = [
  masterCrash,
  plannedFailover,
  rollingRestart,
  replicaCrash,
  masterStall,
  sentinelFailover,
  allDown,
] as const;

export type ScenarioName = (typeof SCENARIO_LIST)[number]["name"];

/** The scenario names, in the order a full drill runs them. */
export const SCENARIOS: readonly ScenarioName[] = SCENARIO_LIST.map((s) => s.name);

/** The promises of the stack, per scenario (docs/drill.md lists them). */
export const SCENARIO_SPECS: Readonly<Record<ScenarioName, ScenarioSpec>> = Object.fromEntries(
  SCENARIO_LIST.map((s) => [s.name, s.spec]),
) as Record<ScenarioName, ScenarioSpec>;

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

/** The scenario of a name; throws on an unknown one. */
export function scenarioNamed(name: ScenarioName): Scenario<ScenarioName> {
  const scenario = SCENARIO_LIST.find((s) => s.name === name);
  if (scenario === undefined) throw new Error(`unknown scenario ${String(name)}`);
  return scenario;
}

/** Parses scenario names; throws one line listing the unknown ones and the allowed names. */
export function parseScenarios(names: readonly string[]): ScenarioName[] {
  const unknown = names.filter((n) => !isScenarioName(n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario(s) ${unknown.join(", ")}; use one of ${SCENARIOS.join(", ")}`,
    );
  }
  return names.filter(isScenarioName);
}

export type { FaultContext, InjectOutcome, Scenario, ScenarioSpec } from "./scenario";
