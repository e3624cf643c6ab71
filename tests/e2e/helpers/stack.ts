/**
 * A clusterOnly andyredis stack on the e2e cluster, configured the way the README tells a user
 * to: plain keys with `pulumi config set`, the kubeconfig piped in as a secret.
 */
import * as fs from "node:fs";

import { REFERENCE_CHART } from "../../helpers/paths";
import { environment } from "./environment";
import { PulumiProject } from "./pulumi";

/**
 * The chart the suite installs: `ANDYREDIS_E2E_CHART` (a local archive or directory, or a
 * mirror), else the reference archive beside the checkout, else the stack's default (docker.io).
 */
export function e2eChart(): string | undefined {
  const given = process.env.ANDYREDIS_E2E_CHART;
  if (given !== undefined && given !== "") return given;
  return fs.existsSync(REFERENCE_CHART) ? REFERENCE_CHART : undefined;
}

/** Creates `stack` in `project` as a clusterOnly stack on the suite's cluster. */
export async function createClusterOnlyStack(
  project: PulumiProject,
  stack: string,
  extra: Readonly<Record<string, string>> = {},
): Promise<void> {
  await project.pulumiOk(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  const chart = e2eChart();
  await project.setConfig(stack, {
    "andyredis:mode": "clusterOnly",
    ...(chart === undefined ? {} : { "andyredis:redisChart": chart }),
    ...extra,
  });
  await project.setSecret(stack, "andyredis:kubeconfig", environment().kubeconfig);
}

/**
 * Selects the shipped `dev` stack (Pulumi.dev.yaml, aws mode) the way the README's commands do:
 * `pulumi stack select dev --create`, then the API allow-list aws mode requires, by `--path` as
 * there (TEST-NET-3 stands for the user's address).
 */
export async function selectShippedDevStack(project: PulumiProject): Promise<void> {
  await project.pulumiOk([
    "stack",
    "select",
    "dev",
    "--create",
    "--secrets-provider",
    "passphrase",
  ]);
  await project.pulumiOk([
    "config",
    "set",
    "--stack",
    "dev",
    "--path",
    "andyredis:apiPublicAccessCidrs[0]",
    "203.0.113.7/32",
  ]);
}
