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
 *
 * The chart also refuses the master Service without `replica.automountServiceAccountToken`, which
 * would put the token in every container of the pod (Redis, Sentinel, the exporter), where
 * nothing uses it. The post-renderer turns the automount off and mounts the token, as the
 * kubelet would have (`tokenOnlyForLabelPush`), into `kubectl-shared` alone.
 */
import * as YAML from "yaml";

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

/** A rendered manifest's documents, split as Helm writes them (the `---` lines dropped). */
function manifestDocuments(manifest: string): string[] {
  return manifest.split(/^---[ \t]*$/m);
}

/** The chart template a document came from (`# Source: <chart>/<template>`) and its kind. */
function sourceAndKind(doc: string): { source?: string; kind?: string } {
  return {
    source: /^# Source: [^/\n]+\/(.+)$/m.exec(doc)?.[1]?.trim(),
    kind: /^kind:[ \t]*(\S+)[ \t]*$/m.exec(doc)?.[1],
  };
}

/**
 * The rendered manifest without the chart's Role and RoleBinding. Helm writes each document as
 * `---\n# Source: <chart>/<template>\n...`; a document is dropped when its source is one of
 * `CHART_RBAC_TEMPLATES` and it is of the kind that template makes, so nothing else can go.
 */
export function dropChartRbac(manifest: string): string {
  const kept = manifestDocuments(manifest).filter((doc) => {
    const { source, kind } = sourceAndKind(doc);
    if (source === "templates/role.yaml") return kind !== "Role";
    if (source === "templates/rolebinding.yaml") return kind !== "RoleBinding";
    return true;
  });
  return kept.join("---");
}

/** The only container that talks to the Kubernetes API (the label push). */
export const LABEL_PUSH_CONTAINER = "kubectl-shared";
/** Where the kubelet mounts a pod's service account token, and where kubectl looks for it. */
export const TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
export const TOKEN_VOLUME = "andyredis-kube-api-access";

/** What the kubelet's automount projects: a bound token, the cluster CA, the namespace. */
const TOKEN_VOLUME_SPEC = {
  name: TOKEN_VOLUME,
  projected: {
    defaultMode: 0o444,
    sources: [
      { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      {
        downwardAPI: {
          items: [
            { path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } },
          ],
        },
      },
    ],
  },
};

interface Container {
  name?: string;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  containers?: Container[];
  volumes?: { name: string }[];
}

/**
 * The node StatefulSet (templates/sentinel/statefulset.yaml) with the token mounted into
 * `kubectl-shared` only; every other document as it was. Throws when the StatefulSet has no
 * such container: a chart whose label push moved would otherwise lose its token silently.
 */
export function tokenOnlyForLabelPush(manifest: string): string {
  return manifestDocuments(manifest)
    .map((doc) => {
      const { source, kind } = sourceAndKind(doc);
      if (source !== "templates/sentinel/statefulset.yaml" || kind !== "StatefulSet") return doc;
      // YAML 1.1, as Helm and the API server read it: `0755` is octal, `yes` a string only
      // when quoted. Written back as JSON (valid YAML), so nothing can be re-read differently.
      const parsed = YAML.parse(doc, { version: "1.1" }) as {
        spec?: { template?: { spec?: PodSpec } };
      };
      const pod = parsed.spec?.template?.spec;
      const pusher = pod?.containers?.find((c) => c.name === LABEL_PUSH_CONTAINER);
      if (pod === undefined || pusher === undefined) {
        throw new Error(
          `the chart's node StatefulSet has no ${LABEL_PUSH_CONTAINER} container: the master label push changed, review lib/redis/rbac.ts`,
        );
      }
      pod.automountServiceAccountToken = false;
      pod.volumes = [
        ...(pod.volumes ?? []).filter((v) => v.name !== TOKEN_VOLUME),
        TOKEN_VOLUME_SPEC,
      ];
      pusher.volumeMounts = [
        ...(pusher.volumeMounts ?? []).filter((m) => m.name !== TOKEN_VOLUME),
        { name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_PATH, readOnly: true },
      ];
      const comment = /^# Source: .*$/m.exec(doc)?.[0] ?? "";
      return `\n${comment}\n${JSON.stringify(parsed)}\n`;
    })
    .join("---");
}

/** The post-renderer's whole change to the rendered manifest. */
export function postRender(manifest: string): string {
  return tokenOnlyForLabelPush(dropChartRbac(manifest));
}

/** Reads a manifest on stdin and writes it through `postRender` (a Helm post-renderer). */
export async function postRenderMain(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  output.write(postRender(Buffer.concat(chunks).toString("utf8")));
}
