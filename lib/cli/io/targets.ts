/**
 * What verify and drill share on their command lines: the target flags (`--local`,
 * `--outputs <file>`, `--kubeconfig <file>`), the one-target rule, the way from saved stack
 * outputs to a deployment (through the contract), and the local topology's prerequisites.
 */
import { DeploymentTarget, deploymentTarget, parseStackOutputs } from "../../contract";
import { missingBinaries, missingBinariesMessage } from "../../topology/io/localTopology";
import { ToolMissingError, UsageError } from "../errors";
import { readInputFile, readJsonInputFile } from "./inputFiles";

/** The target and output flags both commands take, for the shared parser (./args.ts). */
export const TARGET_FLAGS = {
  outputs: { type: "string" },
  kubeconfig: { type: "string" },
  local: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** The targets a command line was given. */
export interface GivenTargets {
  readonly local: boolean;
  readonly outputsFile: string | undefined;
  readonly kubeconfigFile: string | undefined;
  /** `--sentinel` addresses (verify only). */
  readonly sentinels?: number;
}

/** Exactly one target; `--kubeconfig` only beside `--outputs`. */
export function checkTarget(
  given: GivenTargets,
  problem: (message: string) => void,
  targets: string,
): void {
  const count = [given.local, given.outputsFile !== undefined, (given.sentinels ?? 0) > 0].filter(
    Boolean,
  ).length;
  if (count === 0) problem(`give a target: ${targets}`);
  if (count > 1) problem(`choose one target: ${targets}`);
  if (given.kubeconfigFile !== undefined && given.outputsFile === undefined) {
    problem("--kubeconfig: only applies to --outputs");
  }
}

/**
 * The deployment target from saved stack outputs (`pulumi stack output --json --show-secrets`),
 * through the contract (lib/contract.ts: masked `[secret]` values are refused there), with an
 * optional kubeconfig file's content replacing the `kubeconfig` output.
 */
export function targetFromOutputs(
  outputs: unknown,
  kubeconfigOverride: string | undefined,
  source = "--outputs",
): DeploymentTarget {
  if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
    throw new UsageError(
      `${source}: expected the JSON object of \`pulumi stack output --json --show-secrets\``,
    );
  }
  const raw: Record<string, unknown> =
    kubeconfigOverride === undefined
      ? { ...outputs }
      : { ...outputs, kubeconfig: kubeconfigOverride };
  return deploymentTarget(parseStackOutputs(source, raw));
}

/** The deployment target of `--outputs <file>` (and `--kubeconfig <file>`), read from disk. */
export function targetFromFiles(outputsFile: string, kubeconfigFile?: string): DeploymentTarget {
  const outputs = readJsonInputFile("--outputs", outputsFile);
  const kubeconfig =
    kubeconfigFile === undefined ? undefined : readInputFile("--kubeconfig", kubeconfigFile);
  return targetFromOutputs(outputs, kubeconfig, outputsFile);
}

/** `--local` needs redis-server and redis-sentinel: a ToolMissingError (exit 3) names them. */
export function requireLocalBinaries(): void {
  const missing = missingBinaries();
  if (missing.length > 0) throw new ToolMissingError(missingBinariesMessage(missing));
}
