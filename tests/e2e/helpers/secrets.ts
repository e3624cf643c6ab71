/**
 * The suite's secret grep: no secret value may appear in anything a command printed (except
 * the `--show-secrets` reads, which are not captured).
 */
import * as assert from "node:assert/strict";

import { environment } from "./environment";
import { capturedText } from "./pulumi";

/** The kubeconfig's credentials: key data, tokens and passwords, each a secret. */
export function kubeconfigSecrets(kubeconfig: string): string[] {
  const found = [
    ...kubeconfig.matchAll(/^\s*(client-key-data|token|password):\s*"?([^"\s]+)"?\s*$/gm),
  ].map((m) => m[2]);
  return found.filter((value) => value.length >= 8);
}

/** Fails naming the command (never the secret) whose output holds one of `secrets`. */
export function assertNoSecretPrinted(named: Readonly<Record<string, string>>): void {
  const secrets = {
    ...named,
    ...Object.fromEntries(
      kubeconfigSecrets(environment().kubeconfig).map((value, i) => [
        `kubeconfig credential ${i}`,
        value,
      ]),
    ),
  };
  assert.ok(Object.keys(secrets).length > 0, "no secret to look for");
  const leaks: string[] = [];
  for (const { label, text } of capturedText()) {
    for (const [name, value] of Object.entries(secrets)) {
      if (value.length > 0 && text.includes(value))
        leaks.push(`${name} in the output of: ${label}`);
    }
  }
  assert.deepEqual(leaks, [], "secrets printed");
}
