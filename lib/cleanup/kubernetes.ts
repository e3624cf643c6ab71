/**
 * Step a of the destroy hook: the release's PersistentVolumeClaims. In `delete` mode the PVCs are
 * deleted and the hook waits for their PVs to go (the EBS CSI driver deletes the volumes while it
 * still runs). In `snapshot` and `retain` modes the PVs are first switched to reclaim policy
 * `Retain`, so that deleting the PVCs cannot delete a volume before step b snapshots or keeps it.
 * In every mode the step waits until the deleted PVCs are gone, then reads what step b needs of
 * the cluster (`clusterVolumeView`): the PVCs still there, and the PVs outside the release that
 * still refer to an EBS volume.
 */
import type { VolumeCleanupMode } from "../config/configTypes";
import { isReleaseClaimName, type VolumeScope } from "./plan";
import { errorMessage, isClusterGone, waitUntil } from "./retry";
import type { CleanupReport, CleanupSettings, Logger, WaitOptions } from "./hookTypes";
import { cleanupFailure } from "./volumes";

export interface PvcInfo {
  readonly namespace: string;
  readonly name: string;
  /** The bound PV (`spec.volumeName`), if any. */
  readonly volumeName?: string;
}

export interface PvInfo {
  readonly name: string;
  /** `spec.persistentVolumeReclaimPolicy`: Delete | Retain | Recycle. */
  readonly reclaimPolicy: string;
  /** The EBS volume ID (`spec.csi.volumeHandle`), if a CSI volume. */
  readonly volumeHandle?: string;
  /** The claim it is (or was) bound to (`spec.claimRef`), as `namespace/name`. */
  readonly claim?: string;
  /** `status.phase`: Available | Bound | Released | Failed. */
  readonly phase?: string;
}

/** The Kubernetes calls the step makes; `kubeClient.ts` implements it over HTTPS. */
export interface KubeApi {
  /** False when the namespace does not exist (any other failure throws). */
  namespaceExists(namespace: string): Promise<boolean>;
  listPvcs(namespace: string, labelSelector: string): Promise<PvcInfo[]>;
  /** Every PVC of the cluster, in every namespace. */
  listAllPvcs(): Promise<PvcInfo[]>;
  /** Every PV of the cluster. */
  listPvs(): Promise<PvInfo[]>;
  /** Undefined when the PV does not exist. */
  getPv(name: string): Promise<PvInfo | undefined>;
  setPvReclaimPolicy(name: string, policy: "Retain"): Promise<void>;
  /** Already gone is fine. */
  deletePvc(namespace: string, name: string): Promise<void>;
  /** Already gone is fine. */
  deletePv(name: string): Promise<void>;
  /** Whether a `service/<ns>/<name>` or `ingress/<ns>/<name>` still exists. */
  objectExists(kind: "service" | "ingress", namespace: string, name: string): Promise<boolean>;
}

/** The label every object of a Helm release carries. */
export function releaseSelector(releaseName: string): string {
  return `app.kubernetes.io/instance=${releaseName}`;
}

/** One operation of the PVC step, in the order they must run. */
export type KubeOp =
  | { readonly op: "patch-reclaim-retain"; readonly pv: string }
  | { readonly op: "delete-pvc"; readonly pvc: string }
  | { readonly op: "wait-pv-gone"; readonly pv: string }
  | { readonly op: "delete-pv"; readonly pv: string };

/**
 * The operations for the release's PVCs. Invariant: every reclaim patch comes before the first
 * PVC deletion, so in `snapshot`/`retain` mode no volume can be deleted by the CSI driver. A PV
 * that ends up with `Retain` is deleted as an object only (its volume is step b's business); one
 * with `Delete` is waited for (the CSI driver deletes its volume, then the PV).
 */
export function planPvcStep(
  pvcs: readonly PvcInfo[],
  pvs: ReadonlyMap<string, PvInfo>,
  mode: VolumeCleanupMode,
): KubeOp[] {
  const keepVolumes = mode !== "delete";
  const patches: KubeOp[] = [];
  const deletions: KubeOp[] = [];
  const after: KubeOp[] = [];
  for (const pvc of pvcs) {
    deletions.push({ op: "delete-pvc", pvc: pvc.name });
    const pv = pvc.volumeName !== undefined ? pvs.get(pvc.volumeName) : undefined;
    if (pv === undefined) continue;
    const retained = pv.reclaimPolicy === "Retain" || keepVolumes;
    if (keepVolumes && pv.reclaimPolicy !== "Retain") {
      patches.push({ op: "patch-reclaim-retain", pv: pv.name });
    }
    after.push(retained ? { op: "delete-pv", pv: pv.name } : { op: "wait-pv-gone", pv: pv.name });
  }
  return [...patches, ...deletions, ...after];
}

/** What the volume step learns from the cluster (see `VolumeScope`). */
export type ClusterVolumeView = Omit<
  VolumeScope,
  "stackTag" | "clusterName" | "namespace" | "releaseName"
>;

/** What step a hands to the later steps. */
export interface KubernetesStepResult {
  readonly report: CleanupReport["kubernetes"];
  /** The release's claims, live PVCs and foreign PVs, after step a; empty when not reachable. */
  readonly volumeView: ClusterVolumeView;
  /** Whether a load balancer's owner still exists; undefined when the cluster is not reachable. */
  readonly ownerIsLive?: (owner: string | undefined) => Promise<boolean>;
}

/** Env switch for a cluster that is already gone or unreachable (documented in docs/destroy.md). */
export const SKIP_KUBERNETES_ENV = "ANDYREDIS_CLEANUP_SKIP_KUBERNETES";

/** Runs step a. `api` undefined means there is no kubeconfig: the step is a no-op. */
export async function runKubernetesStep(
  api: KubeApi | undefined,
  settings: CleanupSettings,
  log: Logger,
  wait: WaitOptions,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<KubernetesStepResult> {
  const skipped = (why: string): KubernetesStepResult => {
    log(`Kubernetes step skipped: ${why}`);
    return { report: { skipped: why, pvcsDeleted: [], pvsPatchedToRetain: [] }, volumeView: {} };
  };
  if (env[SKIP_KUBERNETES_ENV] === "true") return skipped(`${SKIP_KUBERNETES_ENV}=true`);
  if (api === undefined) return skipped("no kubeconfig");
  const ownerIsLive = (owner: string | undefined): Promise<boolean> => ownerExists(api, owner);

  let namespaceExists: boolean;
  try {
    namespaceExists = await api.namespaceExists(settings.namespace);
  } catch (err) {
    // Only a real signal that nothing is there any more (connection refused or no such name,
    // for longer than an API server restart) lets the hook go on without the cluster; a 403, a
    // TLS failure or a 5xx that outlasts the retries fails the destroy instead.
    if (isClusterGone(err)) {
      return skipped(
        `the cluster is gone (${errorMessage(err)}); its PVCs went with it, and the volumes ` +
          "are found by their stack and claim tags alone",
      );
    }
    throw new Error(
      `andyredis volume cleanup could not use the Kubernetes API: ${errorMessage(err)}.\n` +
        "This is not a gone cluster (the hook goes on by itself when connections are refused or " +
        "the name no longer resolves): check the kubeconfig's access " +
        "(kubectl auth can-i delete persistentvolumeclaims -A) and run the destroy again. To go " +
        `on without the cluster anyway, run it with ${SKIP_KUBERNETES_ENV}=true (EBS volumes are ` +
        "still cleaned up by their stack tag).",
    );
  }
  if (!namespaceExists) {
    const r = skipped(`namespace ${settings.namespace} does not exist`);
    const volumeView = await clusterVolumeView(api, settings, new Set());
    return { ...r, volumeView, ownerIsLive };
  }

  const pvcs = await api.listPvcs(settings.namespace, releaseSelector(settings.releaseName));
  const pvs = new Map<string, PvInfo>();
  for (const pvc of pvcs) {
    if (pvc.volumeName === undefined) continue;
    const pv = await api.getPv(pvc.volumeName);
    if (pv !== undefined) pvs.set(pv.name, pv);
  }
  const ops = planPvcStep(pvcs, pvs, settings.mode);
  log(`release ${settings.releaseName}: ${pvcs.length} PVC(s) in ${settings.namespace}`);

  const patched: string[] = [];
  const deleted: string[] = [];
  const waitFor: string[] = [];
  for (const op of ops) {
    switch (op.op) {
      case "patch-reclaim-retain": {
        await api.setPvReclaimPolicy(op.pv, "Retain");
        // Check, not trust: deleting the PVC while the PV still says Delete loses the volume.
        const now = await api.getPv(op.pv);
        if (now !== undefined && now.reclaimPolicy !== "Retain") {
          throw new Error(
            `PV ${op.pv} still has reclaim policy ${now.reclaimPolicy} after the patch; ` +
              "no PVC was deleted. Patch it by hand (kubectl patch pv ...) and destroy again.",
          );
        }
        patched.push(op.pv);
        log(`  PV ${op.pv}: reclaim policy set to Retain`);
        break;
      }
      case "delete-pvc":
        await api.deletePvc(settings.namespace, op.pvc);
        deleted.push(op.pvc);
        log(`  deleted PVC ${settings.namespace}/${op.pvc}`);
        break;
      case "delete-pv":
        await api.deletePv(op.pv);
        log(`  deleted PV object ${op.pv} (its volume is kept for the volume step)`);
        break;
      case "wait-pv-gone":
        waitFor.push(op.pv);
        break;
      default:
        throw new Error(`unknown Kubernetes operation ${JSON.stringify(op)}`);
    }
  }

  // A deleted PVC lingers (Terminating) while a pod still uses it, and the volume step must not
  // see it as live: wait for the claims to go in every mode, and for the PVs in delete mode.
  let remaining = [...waitFor];
  let terminating = [...deleted];
  const selector = releaseSelector(settings.releaseName);
  await waitUntil(async () => {
    const next: string[] = [];
    for (const pv of remaining) if ((await api.getPv(pv)) !== undefined) next.push(pv);
    remaining = next;
    if (terminating.length > 0) {
      const listed = new Set((await api.listPvcs(settings.namespace, selector)).map((p) => p.name));
      terminating = terminating.filter((name) => listed.has(name));
    }
    if (remaining.length > 0) log(`waiting for ${remaining.length} PV(s) to be deleted`);
    if (terminating.length > 0) log(`waiting for ${terminating.length} PVC(s) to be deleted`);
    return remaining.length === 0 && terminating.length === 0;
  }, wait);
  if (terminating.length > 0) {
    throw cleanupFailure(
      `PVC(s) still terminating after ${settings.timeoutSeconds}s`,
      terminating.map((name) => `${settings.namespace}/${name}`),
      `A pod still uses them: kubectl get pods -n ${settings.namespace}; ` +
        "kubectl describe pvc <name>.",
    );
  }
  if (remaining.length > 0) {
    throw cleanupFailure(
      `PV(s) not deleted by the EBS CSI driver after ${settings.timeoutSeconds}s`,
      remaining.map((pv) => `${pv} (${pvs.get(pv)?.volumeHandle ?? "volume ?"})`),
      `Check them: kubectl describe pv <name>; kubectl get pods -n ${settings.namespace} ` +
        "(a pod still using the claim keeps it).",
    );
  }
  const releaseClaims = new Set(pvcs.map((p) => `${p.namespace}/${p.name}`));
  const volumeView = await clusterVolumeView(api, settings, releaseClaims);
  return { report: { pvcsDeleted: deleted, pvsPatchedToRetain: patched }, volumeView, ownerIsLive };
}

/** Whether a claim (`namespace/name`) is the release's: listed with its label, or named by it. */
export function isReleaseClaim(
  claim: string,
  settings: Pick<CleanupSettings, "namespace" | "releaseName">,
  releaseClaims: ReadonlySet<string>,
): boolean {
  const [ns, name] = claim.split("/");
  return (
    ns === settings.namespace &&
    (releaseClaims.has(claim) || isReleaseClaimName(name ?? "", settings.releaseName))
  );
}

/**
 * The cluster as the volume step needs it, read after step a: the PVCs that still exist, and
 * for each EBS volume the PVs outside the release that still refer to it (a PV kept on purpose
 * with `Retain`, a pre-provisioned one): such a volume is someone else's while they do.
 */
export async function clusterVolumeView(
  api: KubeApi,
  settings: Pick<CleanupSettings, "namespace" | "releaseName">,
  releaseClaims: ReadonlySet<string>,
): Promise<ClusterVolumeView> {
  const livePvcs = new Set((await api.listAllPvcs()).map((p) => `${p.namespace}/${p.name}`));
  const foreignPvs = new Map<string, string[]>();
  for (const pv of await api.listPvs()) {
    if (pv.volumeHandle === undefined) continue;
    if (pv.claim !== undefined && isReleaseClaim(pv.claim, settings, releaseClaims)) continue;
    const line = `PV ${pv.name} (claim ${pv.claim ?? "none"}, ${pv.phase ?? "?"})`;
    foreignPvs.set(pv.volumeHandle, [...(foreignPvs.get(pv.volumeHandle) ?? []), line]);
  }
  return { releaseClaims, livePvcs, foreignPvs };
}

/** Whether the owner of a load balancer still exists; an unknown owner counts as live. */
export async function ownerExists(api: KubeApi, owner: string | undefined): Promise<boolean> {
  if (owner === undefined) return true;
  const [kind, ns, name] = owner.split("/");
  if ((kind === "service" || kind === "ingress") && ns && name) {
    return api.objectExists(kind, ns, name);
  }
  // An ingress group spans several Ingresses: only its controller knows when it is unused.
  return true;
}
