/**
 * Least privilege for the master Service's label push (issue 18, item 4).
 *
 * With `sentinel.masterService.enabled`, chart 23.1.1 runs a `kubectl-shared` container in every
 * node pod whose `update-master-label.sh` (scripts-configmap.yaml) calls, after a failover,
 * `kubectl label pod --field-selector=metadata.name=<pod> isMaster=... app.kubernetes.io/role-`
 * (`useHostnames: true` picks `metadata.name`): a `list` of pods narrowed to one name, then a
 * `patch` of that pod. The chart cannot narrow its own Role (role.yaml: `list`, `patch` on every
 * pod of the namespace) and refuses the master Service without `rbac.create`
 * (`redis.validateValues.createMaster`), so the release keeps `rbac.create` for that check, a
 * post-renderer (`dropChartRbac`, run by cli/helm-postrender) takes the chart's Role and
 * RoleBinding out of the rendered manifest, and the Redis component creates the Role below,
 * limited by `resourceNames` to the StatefulSet's own pods, bound to the chart's ServiceAccount.
 * The API server matches `resourceNames` on a `list` through its `metadata.name` field
 * selector, which is what the script sends.
 */
import { RedisConfig } from "../config/configTypes";
import { redisEndpoints } from "./endpoints";

/** A rule of a `rbac.authorization.k8s.io/v1` Role. */
export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly resourceNames: string[];
  readonly verbs: string[];
}

export interface LabelPushRbac {
  /** Our Role and RoleBinding: `<release>-master-label` (not the chart's `<release>`). */
  readonly roleName: string;
  /** The chart's ServiceAccount (serviceaccount.yaml, `<fullname>`), which the pods run as. */
  readonly serviceAccountName: string;
  readonly rules: PolicyRule[];
}

/** The verbs `kubectl label pod --field-selector=metadata.name=<pod>` sends: list, then patch. */
export const LABEL_PUSH_VERBS = ["list", "patch"] as const;

/** The Role the label push needs, or undefined when the master Service (and the push) is off. */
export function labelPushRbac(cfg: RedisConfig): LabelPushRbac | undefined {
  if (!cfg.masterService) return undefined;
  const { statefulSetName } = redisEndpoints(cfg);
  return {
    roleName: `${cfg.releaseName}-master-label`,
    serviceAccountName: cfg.releaseName,
    rules: [
      {
        apiGroups: [""],
        resources: ["pods"],
        resourceNames: Array.from({ length: cfg.nodes }, (_, i) => `${statefulSetName}-${i}`),
        verbs: [...LABEL_PUSH_VERBS],
      },
    ],
  };
}

/** The chart templates whose output the post-renderer drops. */
export const CHART_RBAC_TEMPLATES = ["templates/role.yaml", "templates/rolebinding.yaml"] as const;

/**
 * The rendered manifest without the chart's Role and RoleBinding. Helm writes each document as
 * `---\n# Source: <chart>/<template>\n...`; a document is dropped when its source is one of
 * `CHART_RBAC_TEMPLATES` and it is of the kind that template makes, so nothing else can go.
 */
export function dropChartRbac(manifest: string): string {
  const documents = manifest.split(/^---[ \t]*$/m);
  const kept = documents.filter((doc) => {
    const source = /^# Source: [^/\n]+\/(.+)$/m.exec(doc)?.[1]?.trim();
    const kind = /^kind:[ \t]*(\S+)[ \t]*$/m.exec(doc)?.[1];
    if (source === "templates/role.yaml") return kind !== "Role";
    if (source === "templates/rolebinding.yaml") return kind !== "RoleBinding";
    return true;
  });
  return kept.join("---");
}

/** Reads a manifest on stdin and writes it through `dropChartRbac` (a Helm post-renderer). */
export async function postRenderMain(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  output.write(dropChartRbac(Buffer.concat(chunks).toString("utf8")));
}
