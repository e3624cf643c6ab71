/**
 * Pure tests of the destroy hook's decisions: which volumes are this stack's and what happens to
 * each, the settings validation, the network selection predicates and the audit classification.
 * No network, no mocks.
 */
import * as assert from "node:assert/strict";

import {
  classifyFound,
  isBillableType,
  looksLikeStackTag,
  parseArn,
  type FoundResource,
} from "../../lib/cleanup/leftovers";
import { unwrapSecrets } from "../../lib/cleanup/executor";
import { editDistance } from "../../lib/editDistance";
import {
  isKubernetesLoadBalancer,
  isPulumiManaged,
  kubernetesOwnerOf,
} from "../../lib/cleanup/targets/kubernetesOwned";
import { isLeftoverCniInterface } from "../../lib/cleanup/targets/networkInterface";
import {
  isKubernetesSecurityGroup,
  securityGroupOwner,
} from "../../lib/cleanup/targets/securityGroup";
import {
  actionForMode,
  isReleaseClaimName,
  isStackResource,
  parseCleanupSettings,
  planVolumes,
  snapshotToReuse,
  tagsToRecord,
  type SnapshotInfo,
  type VolumeScope,
} from "../../lib/cleanup/plan";
import { waitUntil } from "../../lib/cleanup/retry";
import type { VolumeInfo } from "../../lib/cleanup/hookTypes";
import { snapshotTags } from "../../lib/cleanup/volumes";
import { VOLUME_CLEANUP_MODES, type VolumeCleanupMode } from "../../lib/config/configTypes";
import { STACK_TAG_KEY } from "../../lib/tags";
import { fakeClock } from "../helpers/clock";
import { secretEnvelope } from "../helpers/pulumiMarkers";

const STACK = "org/proj/dev";

function vol(
  id: string,
  state: string,
  tags: Record<string, string>,
  extra: Partial<VolumeInfo> = {},
): VolumeInfo {
  return {
    volumeId: id,
    state,
    tags,
    attachedTo: state === "in-use" ? ["i-1"] : [],
    deleteOnTermination: false,
    sizeGiB: 8,
    zone: "us-east-1a",
    ...extra,
  };
}

const PLAN_CLUSTER = "andyredis-dev";
const pvcTags = (name: string, ns = "redis"): Record<string, string> => ({
  [STACK_TAG_KEY]: STACK,
  [`kubernetes.io/cluster/${PLAN_CLUSTER}`]: "owned",
  "kubernetes.io/created-for/pvc/namespace": ns,
  "kubernetes.io/created-for/pvc/name": name,
});

describe("cleanup plan: which volumes are this stack's", () => {
  const cases: { name: string; tags: Record<string, string>; mine: boolean }[] = [
    { name: "exact stack tag", tags: { [STACK_TAG_KEY]: STACK }, mine: true },
    {
      name: "another stack with a longer name",
      tags: { [STACK_TAG_KEY]: "org/proj/dev2" },
      mine: false,
    },
    { name: "a prefix of the stack tag", tags: { [STACK_TAG_KEY]: "org/proj/de" }, mine: false },
    {
      name: "the tag with a suffix path",
      tags: { [STACK_TAG_KEY]: "org/proj/dev/x" },
      mine: false,
    },
    { name: "different case", tags: { [STACK_TAG_KEY]: "Org/proj/dev" }, mine: false },
    { name: "untagged", tags: {}, mine: false },
    { name: "the value under another key", tags: { "andyredis/stack2": STACK }, mine: false },
    { name: "a similar key", tags: { "andyredis/Stack": STACK }, mine: false },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.mine ? "this stack's" : "not touched"}`, () => {
      assert.equal(isStackResource(c.tags, STACK), c.mine);
    });
  }
  it("an empty stack tag matches nothing (not even an empty tag value)", () => {
    assert.equal(isStackResource({ [STACK_TAG_KEY]: "" }, ""), false);
  });
  it("tagsToRecord tolerates missing keys and values", () => {
    assert.deepEqual(tagsToRecord([{ Key: "a" }, { Value: "x" }, { Key: "b", Value: "1" }]), {
      a: "",
      b: "1",
    });
    assert.deepEqual(tagsToRecord(undefined), {});
  });
});

describe("cleanup plan: what happens to each volume", () => {
  const volumes: VolumeInfo[] = [
    vol("vol-avail", "available", pvcTags("redis-data-redis-node-0")),
    vol("vol-inuse", "in-use", pvcTags("redis-data-redis-node-1")),
    vol("vol-dev2", "available", { [STACK_TAG_KEY]: "org/proj/dev2" }),
    vol("vol-dev2-inuse", "in-use", { [STACK_TAG_KEY]: "org/proj/dev2" }),
    vol("vol-untagged", "available", {}),
    vol("vol-deleting", "deleting", { [STACK_TAG_KEY]: STACK }),
    // The release's claim, live again (the new release after an update replaced the hook).
    vol("vol-live-pvc", "in-use", pvcTags("redis-data-redis-node-3")),
    vol("vol-root", "in-use", { [STACK_TAG_KEY]: STACK }, { deleteOnTermination: true }),
    vol("vol-no-pvc-tags", "available", { [STACK_TAG_KEY]: STACK }),
    // Kept on purpose by another workload of the cluster (PV Retain, Released): not the release's.
    vol("vol-monitoring", "available", pvcTags("prometheus-data-0", "monitoring")),
    // The release's claim name, in another namespace.
    vol("vol-other-ns", "available", pvcTags("redis-data-redis-node-0", "cache")),
    // In the release's namespace, but another release's claim.
    vol("vol-other-release", "available", pvcTags("redis-data-cache-node-0")),
    // The release's claim, but a PV outside the release still refers to the volume.
    vol("vol-foreign-pv", "available", pvcTags("redis-data-redis-node-2")),
    // The stack's tag and the release's claim, but made by another cluster's CSI driver (a
    // stack with the same name elsewhere): the cluster tag is the second proof.
    vol("vol-other-cluster", "available", {
      [STACK_TAG_KEY]: STACK,
      "kubernetes.io/cluster/andyredis-dev-b": "owned",
      "kubernetes.io/created-for/pvc/namespace": "redis",
      "kubernetes.io/created-for/pvc/name": "redis-data-redis-node-0",
    }),
  ];
  const scope: VolumeScope = {
    stackTag: STACK,
    clusterName: PLAN_CLUSTER,
    namespace: "redis",
    releaseName: "redis",
    livePvcs: new Set(["redis/redis-data-redis-node-3"]),
    foreignPvs: new Map([["vol-foreign-pv", ["PV restore-2 (claim tools/copy, Bound)"]]]),
  };
  const expected: Record<
    VolumeCleanupMode,
    Record<string, { action: string; waitForDetach: boolean }>
  > = {
    delete: {
      "vol-avail": { action: "delete", waitForDetach: false },
      "vol-inuse": { action: "delete", waitForDetach: true },
    },
    snapshot: {
      "vol-avail": { action: "snapshot-then-delete", waitForDetach: false },
      "vol-inuse": { action: "snapshot-then-delete", waitForDetach: true },
    },
    retain: {
      "vol-avail": { action: "retain", waitForDetach: false },
      "vol-inuse": { action: "retain", waitForDetach: false },
    },
  };
  for (const mode of VOLUME_CLEANUP_MODES) {
    it(`mode ${mode}`, () => {
      const plan = planVolumes(volumes, scope, mode);
      const byId = new Map(plan.map((p) => [p.volume.volumeId, p]));
      for (const [id, want] of Object.entries(expected[mode])) {
        const got = byId.get(id);
        assert.ok(got, id);
        assert.deepEqual({ action: got.action, waitForDetach: got.waitForDetach }, want, id);
      }
      // Never touched, whatever the mode.
      for (const id of ["vol-dev2", "vol-dev2-inuse", "vol-untagged"]) {
        assert.equal(byId.get(id)?.action, "ignore", id);
      }
      // This stack's, but left alone, with a reason.
      assert.equal(byId.get("vol-deleting")?.action, "skip");
      assert.equal(byId.get("vol-live-pvc")?.action, "skip");
      assert.match(
        byId.get("vol-live-pvc")?.reason ?? "",
        /redis\/redis-data-redis-node-3 still exists/,
      );
      assert.equal(byId.get("vol-root")?.action, "skip");
      // The stack tag alone is not enough: only the release's own claims are acted on.
      const reasons: Record<string, RegExp> = {
        "vol-no-pvc-tags": /not created for a PVC/,
        "vol-monitoring": /monitoring\/prometheus-data-0, not a claim of release redis\/redis/,
        "vol-other-ns": /cache\/redis-data-redis-node-0, not a claim/,
        "vol-other-release": /redis\/redis-data-cache-node-0, not a claim/,
        "vol-foreign-pv": /still referred to by PV restore-2 \(claim tools\/copy, Bound\)/,
        "vol-other-cluster": /not tagged kubernetes.io\/cluster\/andyredis-dev \(/,
      };
      for (const [id, why] of Object.entries(reasons)) {
        assert.equal(byId.get(id)?.action, "skip", id);
        assert.match(byId.get(id)?.reason ?? "", why, id);
      }
      assert.equal(plan.length, volumes.length);
    });
  }
  it("a volume whose PVC is gone is processed even in-use", () => {
    const plan = planVolumes(
      [vol("v", "in-use", pvcTags("redis-data-redis-node-0"))],
      { stackTag: STACK, clusterName: PLAN_CLUSTER, namespace: "redis", releaseName: "redis" },
      "delete",
    );
    assert.equal(plan[0].action, "delete");
  });
  it("a claim the Kubernetes step listed with the release's label counts, whatever its name", () => {
    const v = vol("v", "available", pvcTags("extra-claim"));
    const base = {
      stackTag: STACK,
      clusterName: PLAN_CLUSTER,
      namespace: "redis",
      releaseName: "redis",
    };
    assert.equal(planVolumes([v], base, "delete")[0].action, "skip");
    const listed = { ...base, releaseClaims: new Set(["redis/extra-claim"]) };
    assert.equal(planVolumes([v], listed, "delete")[0].action, "delete");
  });
  it("the release's claim names: redis-data-<release>-node-<i>, nothing else", () => {
    const cases: [string, string, boolean][] = [
      ["redis-data-redis-node-0", "redis", true],
      ["redis-data-redis-node-12", "redis", true],
      ["redis-data-cache-node-0", "redis", false],
      ["redis-data-redis-node-0", "redis-a", false],
      ["redis-data-redis-a-node-0", "redis", false],
      ["redis-data-redis-node-", "redis", false],
      ["redis-data-redis-node-01", "redis", false],
      ["redis-data-redis-node-0x", "redis", false],
      ["data-redis-node-0", "redis", false],
    ];
    for (const [name, release, want] of cases) {
      assert.equal(isReleaseClaimName(name, release), want, `${name} of ${release}`);
    }
  });
  it("an unknown mode is rejected, naming the allowed ones", () => {
    assert.throws(
      () => actionForMode("wipe" as VolumeCleanupMode),
      /mode: got "wipe", allowed: delete, snapshot, retain/,
    );
  });
});

describe("cleanup plan: snapshots to reuse on a rerun", () => {
  const hook = (volumeId: string, stack = STACK): Record<string, string> => ({
    [STACK_TAG_KEY]: stack,
    "andyredis/cleanup": "snapshot",
    "andyredis/source-volume": volumeId,
  });
  const snaps: SnapshotInfo[] = [
    { snapshotId: "snap-err", volumeId: "v1", state: "error", tags: hook("v1") },
    { snapshotId: "snap-pend", volumeId: "v1", state: "pending", tags: hook("v1") },
    {
      snapshotId: "snap-other",
      volumeId: "v1",
      state: "completed",
      tags: hook("v1", "org/proj/dev2"),
    },
    { snapshotId: "snap-done", volumeId: "v2", state: "completed", tags: hook("v2") },
    { snapshotId: "snap-pend2", volumeId: "v2", state: "pending", tags: hook("v2") },
    // A CSI VolumeSnapshot backup: the add-on's extra tags (the stack tag), not the hook's marker.
    {
      snapshotId: "snap-csi",
      volumeId: "v3",
      state: "completed",
      tags: { [STACK_TAG_KEY]: STACK, CSIVolumeSnapshotName: "snapcontent-1" },
    },
    // The marker, but recorded for another volume (copied tags): not this volume's hook snapshot.
    { snapshotId: "snap-copied", volumeId: "v4", state: "completed", tags: hook("v9") },
  ];
  it("prefers a completed snapshot of this stack, then a pending one, never a failed one", () => {
    assert.equal(snapshotToReuse("v1", snaps, STACK)?.snapshotId, "snap-pend");
    assert.equal(snapshotToReuse("v2", snaps, STACK)?.snapshotId, "snap-done");
    assert.equal(snapshotToReuse("v5", snaps, STACK), undefined);
  });
  it("never reuses a snapshot the hook did not take (an older CSI backup of the volume)", () => {
    assert.equal(snapshotToReuse("v3", snaps, STACK), undefined);
    assert.equal(snapshotToReuse("v4", snaps, STACK), undefined);
  });
  it("tags a snapshot with the stack tag, the marker and the source volume, dropping aws: tags", () => {
    const tags = Object.fromEntries(
      snapshotTags(
        vol("vol-1", "available", { ...pvcTags("redis-data-redis-node-0"), "aws:x": "y" }),
        STACK,
      ).map((t) => [t.Key, t.Value]),
    );
    assert.equal(tags[STACK_TAG_KEY], STACK);
    assert.equal(tags["andyredis/cleanup"], "snapshot");
    assert.equal(tags["andyredis/source-volume"], "vol-1");
    assert.equal(tags["kubernetes.io/created-for/pvc/name"], "redis-data-redis-node-0");
    assert.equal(tags["aws:x"], undefined);
  });
});

describe("cleanup plan: settings read back from the state", () => {
  const good = {
    region: "ap-northeast-2",
    kubeconfig: "",
    stackTag: STACK,
    clusterName: "c1",
    vpcId: "vpc-0123456789abcdef0",
    namespace: "redis",
    releaseName: "redis",
    mode: "snapshot",
    timeoutSeconds: 600,
    __provider: "ignored",
  };
  it("accepts valid settings (an empty kubeconfig is allowed)", () => {
    const s = parseCleanupSettings(good);
    assert.equal(s.mode, "snapshot");
    assert.equal(s.kubeconfig, "");
  });
  it("lists every problem at once, naming the key and what is allowed", () => {
    const err = (() => {
      try {
        parseCleanupSettings({
          ...good,
          region: "",
          mode: "wipe",
          timeoutSeconds: 0,
          stackTag: "dev",
        });
        return undefined;
      } catch (e) {
        return e as Error;
      }
    })();
    assert.ok(err);
    assert.match(err.message, /region: got "", expected a non-empty string/);
    assert.match(err.message, /mode: got "wipe", allowed: delete, snapshot, retain/);
    assert.match(err.message, /timeoutSeconds: got 0, expected an integer > 0/);
    assert.match(
      err.message,
      /stackTag: got "dev", expected <org>\/<project>\/<stack>\/<id> \(or a legacy <org>\/<project>\/<stack>\)/,
    );
  });
  // lib/cleanup/executor.ts spells the marker out (the code is serialized into the state, see
  // there); the envelope here comes from the SDK, so a drift between the two fails this test.
  it("unwraps Pulumi's secret envelope, as the SDK builds it", () => {
    const props = unwrapSecrets({ kubeconfig: secretEnvelope("k"), mode: "delete" });
    assert.deepEqual(props, { kubeconfig: "k", mode: "delete" });
  });
});

describe("cleanup plan: network selection by the cluster's tags", () => {
  const owned = { "kubernetes.io/cluster/c1": "owned" };
  it("load balancers: elbv2 cluster tag or cluster tag = owned; not shared, not another cluster", () => {
    assert.equal(isKubernetesLoadBalancer({ "elbv2.k8s.aws/cluster": "c1" }, "c1"), true);
    assert.equal(isKubernetesLoadBalancer(owned, "c1"), true);
    assert.equal(isKubernetesLoadBalancer({ "kubernetes.io/cluster/c1": "shared" }, "c1"), false);
    assert.equal(isKubernetesLoadBalancer({ "kubernetes.io/cluster/c10": "owned" }, "c1"), false);
    assert.equal(isKubernetesLoadBalancer({ "elbv2.k8s.aws/cluster": "c10" }, "c1"), false);
    assert.equal(isKubernetesLoadBalancer({ [STACK_TAG_KEY]: STACK }, "c1"), false);
  });
  it("never what Pulumi manages: a cluster tag next to a stack tag (the stack's own ALB, node group)", () => {
    const pulumis = { ...owned, [STACK_TAG_KEY]: STACK };
    assert.equal(isPulumiManaged(pulumis), true);
    assert.equal(isPulumiManaged(owned), false);
    assert.equal(isKubernetesLoadBalancer(pulumis, "c1"), false);
    assert.equal(
      isKubernetesLoadBalancer({ "elbv2.k8s.aws/cluster": "c1", [STACK_TAG_KEY]: "o/p/s" }, "c1"),
      false,
    );
    assert.equal(isKubernetesSecurityGroup("k8s-elb-a1b2", pulumis, "c1"), false);
    const cni = { "cluster.k8s.amazonaws.com/name": "c1", [STACK_TAG_KEY]: STACK };
    assert.equal(isLeftoverCniInterface(cni, "available", "c1"), false);
  });
  it("security groups: only the controllers' k8s-* groups, never the node or EKS cluster group", () => {
    assert.equal(isKubernetesSecurityGroup("k8s-elb-a1b2", owned, "c1"), true);
    assert.equal(
      isKubernetesSecurityGroup("k8s-traffic-c1-abc", { "elbv2.k8s.aws/cluster": "c1" }, "c1"),
      true,
    );
    assert.equal(isKubernetesSecurityGroup("c1-nodeSecurityGroup-1234", owned, "c1"), false);
    assert.equal(
      isKubernetesSecurityGroup("k8s-x", { ...owned, "aws:eks:cluster-name": "c1" }, "c1"),
      false,
    );
    assert.equal(isKubernetesSecurityGroup("k8s-elb-a1b2", {}, "c1"), false);
  });
  it("network interfaces: the CNI's tag for this cluster, and available only", () => {
    const tags = { "cluster.k8s.amazonaws.com/name": "c1" };
    assert.equal(isLeftoverCniInterface(tags, "available", "c1"), true);
    assert.equal(isLeftoverCniInterface(tags, "in-use", "c1"), false);
    assert.equal(isLeftoverCniInterface(tags, "available", "c2"), false);
    assert.equal(isLeftoverCniInterface({}, "available", "c1"), false);
  });
  it("finds the Kubernetes owner of a load balancer or security group", () => {
    assert.equal(
      kubernetesOwnerOf({ "service.k8s.aws/stack": "redis/metrics" }),
      "service/redis/metrics",
    );
    assert.equal(kubernetesOwnerOf({ "kubernetes.io/service-name": "a/b" }), "service/a/b");
    assert.equal(kubernetesOwnerOf({ "ingress.k8s.aws/stack": "a/b" }), "ingress/a/b");
    assert.equal(kubernetesOwnerOf({ "ingress.k8s.aws/stack": "grp" }), "ingress-group/grp");
    assert.equal(kubernetesOwnerOf({}), undefined);
    const lb = { id: "a1b2", name: "a1b2", tags: { "kubernetes.io/service-name": "redis/m" } };
    assert.equal(
      securityGroupOwner({ id: "sg-1", name: "k8s-elb-a1b2", tags: owned }, [lb]),
      "service/redis/m",
    );
  });
});

describe("cleanup plan: the audit's classification", () => {
  it("parses ARNs of each kind", () => {
    assert.deepEqual(parseArn("arn:aws:ec2:us-east-1:1:volume/vol-1"), {
      kind: "volume",
      id: "vol-1",
      type: "ec2:volume",
    });
    assert.equal(parseArn("arn:aws:ec2:us-east-1::snapshot/snap-1").kind, "snapshot");
    const v2 = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/k8s-x/abc";
    assert.deepEqual(parseArn(v2), {
      kind: "load-balancer",
      id: v2,
      type: "elasticloadbalancing:loadbalancer",
    });
    assert.equal(parseArn("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/a123").id, "a123");
    assert.equal(parseArn("arn:aws:elasticfilesystem:us-east-1:1:file-system/fs-1").id, "fs-1");
    assert.deepEqual(parseArn("arn:aws:ec2:us-east-1:1:natgateway/nat-1"), {
      kind: "other",
      id: "natgateway/nat-1",
      type: "ec2:natgateway",
    });
  });
  it("free types are listed but not failures; unknown types count as billable", () => {
    assert.equal(isBillableType("ec2:security-group"), false);
    assert.equal(isBillableType("ec2:natgateway"), true);
    assert.equal(isBillableType("something:new"), true);
  });
  const found: FoundResource[] = [
    {
      kind: "snapshot",
      id: "snap-1",
      type: "ec2:snapshot",
      state: "completed",
      tags: { [STACK_TAG_KEY]: STACK, "andyredis/cleanup": "snapshot" },
      scope: "stack",
    },
    {
      kind: "snapshot",
      id: "snap-manual",
      type: "ec2:snapshot",
      state: "completed",
      tags: { [STACK_TAG_KEY]: STACK },
      scope: "stack",
    },
    {
      kind: "volume",
      id: "vol-r",
      type: "ec2:volume",
      state: "available",
      tags: { [STACK_TAG_KEY]: STACK, "andyredis/cleanup": "retained" },
      scope: "stack",
    },
    {
      kind: "security-group",
      id: "sg-1",
      type: "ec2:security-group",
      tags: { [STACK_TAG_KEY]: STACK },
      scope: "stack",
    },
    {
      kind: "network-interface",
      id: "eni-1",
      type: "ec2:network-interface",
      state: "available",
      tags: {},
      scope: "cluster",
    },
  ];
  const tagged = [
    { arn: "arn:aws:ec2:us-east-1::snapshot/snap-1", tags: {} },
    { arn: "arn:aws:ec2:us-east-1:1:volume/vol-gone", tags: {} },
    { arn: "arn:aws:ec2:us-east-1:1:natgateway/nat-1", tags: {} },
  ];
  const base = { region: "us-east-1", stackTag: STACK };
  it("by default, hook snapshots and retained volumes are leftovers, reported as kept on purpose", () => {
    const r = classifyFound(tagged, found, base);
    assert.equal(r.ok, false);
    assert.deepEqual(r.stale, ["volume vol-gone"]);
    assert.equal(r.leftovers.length, 4);
    assert.ok(r.leftovers.some((l) => /snapshot snap-1 .*kept by the hook: snapshot/.test(l)));
    assert.ok(r.leftovers.some((l) => /other natgateway\/nat-1 \(ec2:natgateway\)/.test(l)));
    assert.ok(!r.leftovers.some((l) => /sg-1|eni-1/.test(l)));
  });
  it("with the expect flags, only what the hook kept becomes expected", () => {
    const r = classifyFound(tagged, found, {
      ...base,
      expectSnapshots: true,
      expectRetained: true,
    });
    assert.deepEqual(r.expected.length, 2);
    assert.equal(r.leftovers.length, 2); // the manual snapshot and the NAT gateway
    assert.equal(r.ok, false);
    const clean = classifyFound([], found.slice(0, 1), { ...base, expectSnapshots: true });
    assert.equal(clean.ok, true);
  });
});

describe("cleanup plan: bounded waits", () => {
  it("waitUntil checks at once, then polls until the timeout", async () => {
    const clock = fakeClock();
    assert.equal(await waitUntil(async () => true, { clock, pollMs: 10, timeoutMs: 0 }), true);
    assert.equal(clock.slept.length, 0);
    assert.equal(await waitUntil(async () => false, { clock, pollMs: 10, timeoutMs: 35 }), false);
    assert.deepEqual(clock.slept, [10, 10, 10, 10]);
  });
});

describe("cleanup plan: the audit when its tag matches nothing", () => {
  const base = { region: "us-east-1", stackTag: "myorg/andyredis/dev" };
  it("look-alike tags: another organization, another case, a typo; not another stack", () => {
    const cases: [string, boolean][] = [
      ["organization/andyredis/dev", true],
      ["MyOrg/andyredis/dev", true],
      ["myorg/andyredis/dve", true],
      ["myorg/andyredis/dev", false],
      ["myorg/andyredis/production", false],
      ["other/shop/prod", false],
    ];
    for (const [other, want] of cases) {
      assert.equal(looksLikeStackTag(other, base.stackTag), want, other);
    }
    assert.equal(editDistance("kitten", "sitting"), 3);
  });
  it("matched nothing: not ok with a look-alike, which is named; others are listed", () => {
    const others = [
      { value: "organization/andyredis/dev", ec2Resources: 2 },
      { value: "other/shop/prod", ec2Resources: 5 },
    ];
    const r = classifyFound([], [], base, others);
    assert.equal(r.matched, 0);
    assert.equal(r.ok, false);
    assert.equal(r.lookAlikes.length, 1);
    assert.match(r.lookAlikes[0], /organization\/andyredis\/dev \(2 EC2 resource\(s\)\)/);
    assert.deepEqual(
      r.otherStackTags.map((o) => o.value),
      ["organization/andyredis/dev", "other/shop/prod"],
    );
    const noLookAlike = classifyFound([], [], base, [others[1]]);
    assert.equal(noLookAlike.ok, true);
    assert.equal(noLookAlike.matched, 0);
  });
  it("a tag that matched something (even only a recently deleted resource) is proven", () => {
    const stale = [{ arn: "arn:aws:ec2:us-east-1:1:volume/vol-gone", tags: {} }];
    const r = classifyFound(stale, [], base, [
      { value: "organization/andyredis/dev", ec2Resources: 1 },
    ]);
    assert.equal(r.matched, 1);
    assert.deepEqual(r.lookAlikes, []);
    assert.equal(r.ok, true);
  });
});
