/** The "Destroy and cluster-only mode" keys: the destroy hook, data protection, the kubeconfig. */
import { CleanupConfig, DeploymentMode, StackConfig, VolumeCleanupMode } from "./configTypes";
import type { ConfigFiles } from "./configFiles";
import { protectDataByDefault } from "./keys";
import { checkKubeconfig } from "./kubeconfig";
import type { RawReader } from "./rawReader";

export function parseDestroy(
  reader: RawReader,
  env: {
    readonly mode: DeploymentMode;
    /** Whether `mode` was read without a problem (else mode-specific checks are skipped). */
    readonly modeValid: boolean;
    readonly stack: string;
    readonly files: ConfigFiles;
  },
): Pick<StackConfig, "cleanup" | "protectData" | "existingCluster"> {
  const { mode, files } = env;
  const cleanup: CleanupConfig = {
    volumeMode: reader.oneOf<VolumeCleanupMode>("volumeCleanupMode"),
    timeoutSeconds: reader.integer("cleanupTimeoutSeconds"),
  };
  const protectData = reader.boolean("protectData", protectDataByDefault(env.stack));
  const kubeconfig = reader.text("kubeconfig");
  const kubeContext = reader.text("kubeContext");
  if (mode === "clusterOnly" && env.modeValid) {
    if (kubeconfig === undefined) {
      reader.problem(
        "kubeconfig",
        "is required in clusterOnly mode; set it with `pulumi config set --secret andyredis:kubeconfig < ~/.kube/config` (or a file path)",
      );
    } else {
      const check = checkKubeconfig(kubeconfig, files);
      const contexts = check.contexts ?? [];
      // With no contexts at all (a stub) there is nothing to check a context against; the
      // Kubernetes provider has the last word.
      if (check.problem !== undefined) {
        reader.problem("kubeconfig", check.problem);
      } else if (
        contexts.length > 0 &&
        kubeContext !== undefined &&
        !contexts.includes(kubeContext)
      ) {
        reader.problem(
          "kubeContext",
          `"${kubeContext}" is not a context of andyredis:kubeconfig; use one of: ${contexts.join(", ")}`,
        );
      } else if (
        contexts.length > 0 &&
        kubeContext === undefined &&
        check.currentContext === undefined
      ) {
        reader.problem(
          "kubeContext",
          `is required: andyredis:kubeconfig has no current-context; use one of: ${contexts.join(", ")}`,
        );
      }
    }
  }
  return {
    cleanup,
    protectData,
    existingCluster: mode === "clusterOnly" ? { context: kubeContext } : undefined,
  };
}
