/**
 * The markers Pulumi puts on the wire, read from the SDK instead of copied: the secret envelope
 * (`{ [specialSigKey]: specialSecretSig, value }`) in which secret inputs reach the mock monitor
 * and a provider, and `unknownValue`, what a value not known during preview is.
 *
 * Imported from `@pulumi/pulumi/runtime/rpc` (the module `pulumi.runtime` re-exports them from)
 * rather than the package root: it loads in a fifth of the time, which counts in the fast tier
 * for files that need nothing else from the SDK.
 */
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

export { specialSecretSig, specialSigKey, unknownValue };

/** A value in the secret envelope, as the engine hands a secret input to a provider. */
export function secretEnvelope<T>(value: T): { [specialSigKey]: string; value: T } {
  return { [specialSigKey]: specialSecretSig, value };
}

/** Whether a value is a secret envelope. */
export function isSecretEnvelope(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}
