/**
 * The destroy hook's executor and the leftover audit against moto's server: real AWS SDK v3
 * clients, real requests, an emulated EC2/ELB/ELBv2/EFS/tagging API. The Kubernetes step is
 * skipped (no kubeconfig); its logic is tested in cleanup-kubernetes.test.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { EC2 } from "@aws-sdk/client-ec2";
import { EFS } from "@aws-sdk/client-efs";
import { ElasticLoadBalancing } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ResourceGroupsTaggingAPI } from "@aws-sdk/client-resource-groups-tagging-api";

import { ExitCode, HELP } from "../../lib/cli";
import { auditLeftovers } from "../../lib/cleanup/io/leftoverAudit";
import type { AuditClients } from "../../lib/cleanup/leftovers";
import { auditExitCode, formatAuditReport, parseAuditArgs } from "../../cli/audit";
import { runCleanup } from "../../lib/cleanup/executor";
import { createAwsClients, type CleanupClients } from "../../lib/cleanup/io/awsClients";
import { systemClock } from "../../lib/cleanup/retry";
import { migrateStackTag } from "../../lib/cleanup/volumes";
import type { CleanupSettings } from "../../lib/cleanup/hookTypes";
import type { VolumeCleanupMode } from "../../lib/config/configTypes";
import { STACK_TAG_KEY } from "../../lib/tags";
import { startMoto, type MotoServer } from "../helpers/moto";
import { PROJECT_DIR } from "../helpers/paths";
import { runProcess, transpileForChildren } from "../helpers/process";

const STACK = "org/proj/dev";
const OTHER_STACK = "org/proj/dev2";
const CLUSTER = "andyredis-dev";
const ZONE = "us-east-1a";

describe("cleanup against moto: executor and audit", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let ec2: EC2;
  let clients: CleanupClients;
  let auditClients: AuditClients;
  let logs: string[];
  /** Every EC2 call (command name and volume/snapshot IDs), in order. */
  let calls: string[];
  /** cli/audit.ts transpiled, for the `npm run audit` processes. */
  const compiledDir = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-audit-cli-"));
  let auditScript: string;

  before(async () => {
    const [server, compiled] = await Promise.all([
      startMoto(),
      transpileForChildren(compiledDir, ["cli/audit.ts"]),
    ]);
    moto = server;
    auditScript = compiled("cli/audit.ts");
    ec2 = new EC2(moto.clientConfig);
    ec2.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { VolumeId?: string; SnapshotIds?: string[] };
        calls.push(
          `${context.commandName}:${input.VolumeId ?? input.SnapshotIds?.join(",") ?? ""}`,
        );
        return next(args);
      },
      { step: "initialize", name: "recordCalls" },
    );
    const elbv2 = new ElasticLoadBalancingV2(moto.clientConfig);
    const elb = new ElasticLoadBalancing(moto.clientConfig);
    clients = { ec2, elbv2, elb };
    auditClients = {
      ec2,
      elbv2,
      elb,
      efs: new EFS(moto.clientConfig),
      tagging: new ResourceGroupsTaggingAPI(moto.clientConfig),
    };
  });
  after(async () => {
    await moto?.stop();
    fs.rmSync(compiledDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await moto.reset();
    logs = [];
    calls = [];
  });

  function settings(
    mode: VolumeCleanupMode,
    timeoutSeconds = 20,
    vpcId = "vpc-0000000000000001",
  ): CleanupSettings {
    return {
      region: "us-east-1",
      kubeconfig: "",
      stackTag: STACK,
      clusterName: CLUSTER,
      vpcId,
      namespace: "redis",
      releaseName: "redis",
      mode,
      timeoutSeconds,
    };
  }
  const run = (s: CleanupSettings) =>
    runCleanup(s, { ...clients, log: (m) => logs.push(m), clock: systemClock, pollMs: 100 });

  async function volume(tags: Record<string, string>): Promise<string> {
    const v = await ec2.createVolume({
      AvailabilityZone: ZONE,
      Size: 8,
      TagSpecifications:
        Object.keys(tags).length > 0
          ? [
              {
                ResourceType: "volume",
                Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
              },
            ]
          : undefined,
    });
    return v.VolumeId ?? assert.fail("no volume id");
  }
  const stackVolume = (n: number) =>
    volume({
      [STACK_TAG_KEY]: STACK,
      [`kubernetes.io/cluster/${CLUSTER}`]: "owned",
      "kubernetes.io/created-for/pvc/namespace": "redis",
      "kubernetes.io/created-for/pvc/name": `redis-data-redis-node-${n}`,
    });

  async function instance(): Promise<string> {
    const r = await ec2.runInstances({
      // One of moto's built-in AMIs (listing them all costs seconds).
      ImageId: "ami-12c6146b",
      MinCount: 1,
      MaxCount: 1,
      InstanceType: "t3.micro",
      Placement: { AvailabilityZone: ZONE },
    });
    return r.Instances?.[0]?.InstanceId ?? assert.fail("no instance");
  }

  /** This stack's snapshots (moto also owns the snapshots of its ~1000 built-in AMIs). */
  const stackSnapshots = () =>
    ec2.describeSnapshots({
      OwnerIds: ["self"],
      Filters: [{ Name: `tag:${STACK_TAG_KEY}`, Values: [STACK] }],
    });

  async function existing(ids: string[]): Promise<string[]> {
    const r = await ec2.describeVolumes({ Filters: [{ Name: "volume-id", Values: ids }] });
    return (r.Volumes ?? []).map((v) => v.VolumeId ?? "").sort();
  }

  /** Volumes of this stack (one attached), of another stack, untagged. */
  async function seedVolumes(): Promise<{
    mine: string[];
    inUse: string;
    instanceId: string;
    others: string[];
    /** Of `others`: those with this stack's tag (the audit lists them, the hook leaves them). */
    foreign: string[];
  }> {
    const mine = [await stackVolume(0), await stackVolume(1)];
    const inUse = await stackVolume(2);
    const instanceId = await instance();
    await ec2.attachVolume({ VolumeId: inUse, InstanceId: instanceId, Device: "/dev/sdf" });
    const others = [
      await volume({ [STACK_TAG_KEY]: OTHER_STACK }),
      await volume({ [STACK_TAG_KEY]: "org/proj/de" }),
      await volume({}),
      await volume({ Name: "redis-data-redis-node-0" }),
      // This stack's tag (the CSI add-on puts it on every volume of the cluster), but another
      // workload's claim: a monitoring volume kept on purpose.
      await volume({
        [STACK_TAG_KEY]: STACK,
        "kubernetes.io/created-for/pvc/namespace": "monitoring",
        "kubernetes.io/created-for/pvc/name": "prometheus-data-0",
      }),
      // This stack's tag, no PVC tags (made by hand, or by something else than the CSI driver).
      await volume({ [STACK_TAG_KEY]: STACK }),
    ];
    return { mine: [...mine, inUse], inUse, instanceId, others, foreign: others.slice(4) };
  }

  /** Detaches a volume after a delay, as the CSI driver would once the pod is gone. */
  function detachLater(volumeId: string, instanceId: string, ms: number): Promise<void> {
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        ec2
          .detachVolume({ VolumeId: volumeId, InstanceId: instanceId })
          .then(() => resolve(), reject);
      }, ms),
    );
  }

  it("delete mode: deletes this stack's volumes (waiting for the attached one), nothing else", async () => {
    const seed = await seedVolumes();
    const detached = detachLater(seed.inUse, seed.instanceId, 600);
    const report = await run(settings("delete"));
    await detached;
    assert.deepEqual([...report.volumes.deleted].sort(), [...seed.mine].sort());
    assert.deepEqual(await existing(seed.mine), []);
    assert.deepEqual(await existing(seed.others), [...seed.others].sort());
    assert.ok(
      logs.some((l) => /waiting for 1 volume\(s\) to detach/.test(l)),
      logs.join("\n"),
    );
    assert.equal(report.kubernetes.skipped, "no kubeconfig");
  });

  it("snapshot mode: each volume is snapshotted, tagged and completed before it is deleted", async () => {
    const seed = await seedVolumes();
    await ec2.detachVolume({ VolumeId: seed.inUse, InstanceId: seed.instanceId });
    const report = await run(settings("snapshot"));
    assert.deepEqual([...report.volumes.deleted].sort(), [...seed.mine].sort());
    assert.deepEqual(await existing(seed.others), [...seed.others].sort());
    const snaps = await stackSnapshots();
    const byVolume = new Map((snaps.Snapshots ?? []).map((s) => [s.VolumeId, s]));
    for (const id of seed.mine) {
      const snap = byVolume.get(id);
      assert.ok(snap, `a snapshot of ${id}`);
      assert.equal(snap.State, "completed");
      const tags = Object.fromEntries((snap.Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags[STACK_TAG_KEY], STACK);
      assert.equal(tags["andyredis/cleanup"], "snapshot");
      assert.equal(tags["andyredis/source-volume"], id);
      assert.equal(report.volumes.snapshots[id], snap.SnapshotId);
      // The completed-check of its snapshot came before the volume's deletion.
      const checked = calls.findIndex(
        (c) => c.startsWith("DescribeSnapshotsCommand:") && c.includes(snap.SnapshotId ?? "?"),
      );
      const deleted = calls.indexOf(`DeleteVolumeCommand:${id}`);
      assert.ok(checked >= 0 && deleted > checked, `${calls.join("\n")}`);
    }
    assert.equal((snaps.Snapshots ?? []).length, seed.mine.length, "no snapshot of other volumes");
  });

  it("retain mode: deletes no volume, tags and lists what stays", async () => {
    const seed = await seedVolumes();
    const report = await run(settings("retain"));
    assert.deepEqual(report.volumes.deleted, []);
    assert.deepEqual([...report.volumes.retained].sort(), [...seed.mine].sort());
    assert.deepEqual(
      await existing([...seed.mine, ...seed.others]),
      [...seed.mine, ...seed.others].sort(),
    );
    for (const id of seed.mine)
      assert.ok(
        logs.some((l) => l.includes(`keeping ${id}`)),
        id,
      );
    const tagged = await ec2.describeVolumes({
      Filters: [{ Name: "tag:andyredis/cleanup", Values: ["retained"] }],
    });
    assert.equal(tagged.Volumes?.length, seed.mine.length);
    assert.ok(!calls.some((c) => c.startsWith("DeleteVolumeCommand")));
  });

  it("a volume that stays attached fails the run with its ID and next steps; a rerun finishes", async () => {
    const seed = await seedVolumes();
    await assert.rejects(run(settings("snapshot", 1)), (err: Error) => {
      assert.match(err.message, new RegExp(`${seed.inUse} \\(on ${seed.instanceId}\\)`));
      assert.match(err.message, /detach-volume/);
      assert.match(err.message, /run `pulumi destroy` again/);
      assert.match(err.message, /cluster was not deleted/);
      return true;
    });
    // The detached ones were done anyway; the attached one is untouched.
    assert.deepEqual(await existing(seed.mine), [seed.inUse]);
    const snapsAfterFirst = (await stackSnapshots()).Snapshots ?? [];
    assert.equal(snapsAfterFirst.length, 2);

    await ec2.detachVolume({ VolumeId: seed.inUse, InstanceId: seed.instanceId });
    const report = await run(settings("snapshot", 1));
    assert.deepEqual(report.volumes.deleted, [seed.inUse]);
    assert.deepEqual(await existing(seed.mine), []);
    const snaps = (await stackSnapshots()).Snapshots ?? [];
    assert.equal(snaps.length, 3, "one snapshot per volume across both runs");
    assert.deepEqual(await existing(seed.others), [...seed.others].sort());

    // A third run finds nothing to do and succeeds.
    const again = await run(settings("snapshot", 1));
    assert.deepEqual(again.volumes.deleted, []);
  });

  it("a rerun after a snapshot was taken but its volume not deleted reuses the snapshot", async () => {
    const id = await stackVolume(0);
    const first = await ec2.createSnapshot({
      VolumeId: id,
      TagSpecifications: [
        {
          ResourceType: "snapshot",
          Tags: [
            { Key: STACK_TAG_KEY, Value: STACK },
            { Key: "andyredis/cleanup", Value: "snapshot" },
            { Key: "andyredis/source-volume", Value: id },
          ],
        },
      ],
    });
    const report = await run(settings("snapshot"));
    assert.equal(report.volumes.snapshots[id], first.SnapshotId);
    assert.equal(((await stackSnapshots()).Snapshots ?? []).length, 1);
    assert.deepEqual(await existing([id]), []);
  });

  it("snapshot mode never reuses an older CSI backup of the volume: it takes its own first", async () => {
    const id = await stackVolume(0);
    // What the EBS CSI driver makes for a VolumeSnapshot: the add-on's extra tags (the stack
    // tag) and its own, but not the hook's marker. Data written since would be lost with it.
    const backup = await ec2.createSnapshot({
      VolumeId: id,
      TagSpecifications: [
        {
          ResourceType: "snapshot",
          Tags: [
            { Key: STACK_TAG_KEY, Value: STACK },
            { Key: "CSIVolumeSnapshotName", Value: "snapshot-0a1b" },
          ],
        },
      ],
    });
    const report = await run(settings("snapshot"));
    const taken = report.volumes.snapshots[id];
    assert.ok(taken !== undefined && taken !== backup.SnapshotId, `took ${taken}`);
    const snaps = (await stackSnapshots()).Snapshots ?? [];
    const hook = snaps.find((x) => x.SnapshotId === taken);
    const tags = Object.fromEntries((hook?.Tags ?? []).map((t) => [t.Key, t.Value]));
    assert.equal(tags["andyredis/cleanup"], "snapshot");
    assert.equal(tags["andyredis/source-volume"], id);
    assert.ok(
      snaps.some((x) => x.SnapshotId === backup.SnapshotId),
      "the backup is untouched",
    );
    assert.deepEqual(await existing([id]), []);
    // The documented restore query finds the new snapshot, not the backup.
    const restore = await ec2.describeSnapshots({
      OwnerIds: ["self"],
      Filters: [
        { Name: `tag:${STACK_TAG_KEY}`, Values: [STACK] },
        { Name: "tag:andyredis/cleanup", Values: ["snapshot"] },
      ],
    });
    assert.deepEqual(
      (restore.Snapshots ?? []).map((x) => x.SnapshotId),
      [taken],
    );
  });

  it("deletes the cluster's Kubernetes load balancers, security groups and detached interfaces only", async () => {
    const vpc = (await ec2.createVpc({ CidrBlock: "10.0.0.0/16" })).Vpc?.VpcId ?? "";
    const subA =
      (await ec2.createSubnet({ VpcId: vpc, CidrBlock: "10.0.1.0/24", AvailabilityZone: ZONE }))
        .Subnet?.SubnetId ?? "";
    const subB =
      (
        await ec2.createSubnet({
          VpcId: vpc,
          CidrBlock: "10.0.2.0/24",
          AvailabilityZone: "us-east-1b",
        })
      ).Subnet?.SubnetId ?? "";
    const tagsOf = (t: Record<string, string>) =>
      Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
    const sg = async (name: string, tags: Record<string, string>) =>
      (
        await ec2.createSecurityGroup({
          GroupName: name,
          Description: name,
          VpcId: vpc,
          TagSpecifications: [{ ResourceType: "security-group", Tags: tagsOf(tags) }],
        })
      ).GroupId ?? "";
    const owned = { [`kubernetes.io/cluster/${CLUSTER}`]: "owned" };
    const k8sElbSg = await sg("k8s-elb-a1b2c3", owned);
    const controllerSg = await sg("k8s-redis-metrics-abc", { "elbv2.k8s.aws/cluster": CLUSTER });
    const nodeSg = await sg(`${CLUSTER}-nodeSecurityGroup-1`, { ...owned, [STACK_TAG_KEY]: STACK });
    const eksSg = await sg(`k8s-eks-cluster-sg-${CLUSTER}`, {
      ...owned,
      "aws:eks:cluster-name": CLUSTER,
    });
    const otherClusterSg = await sg("k8s-elb-other", {
      "kubernetes.io/cluster/andyredis-dev2": "owned",
    });
    // The service controller's rule on the node group lets the ELB in: it must go first.
    await ec2.authorizeSecurityGroupIngress({
      GroupId: nodeSg,
      IpPermissions: [
        {
          IpProtocol: "tcp",
          FromPort: 30000,
          ToPort: 32767,
          UserIdGroupPairs: [{ GroupId: k8sElbSg }],
        },
      ],
    });
    const eni = async (tags: Record<string, string>) =>
      (
        await ec2.createNetworkInterface({
          SubnetId: subA,
          TagSpecifications: [{ ResourceType: "network-interface", Tags: tagsOf(tags) }],
        })
      ).NetworkInterface?.NetworkInterfaceId ?? "";
    const leftoverEni = await eni({ "cluster.k8s.amazonaws.com/name": CLUSTER });
    const otherEni = await eni({ "cluster.k8s.amazonaws.com/name": "andyredis-dev2" });

    const elbv2 = clients.elbv2 as ElasticLoadBalancingV2;
    const lb = async (name: string, tags: Record<string, string>) =>
      (
        await elbv2.createLoadBalancer({
          Name: name,
          Type: "network",
          Subnets: [subA, subB],
          Tags: tagsOf(tags),
        })
      ).LoadBalancers?.[0]?.LoadBalancerArn ?? "";
    const mineV2 = await lb("k8s-redis-metrics", {
      "elbv2.k8s.aws/cluster": CLUSTER,
      "service.k8s.aws/stack": "redis/metrics",
    });
    // The stack's own ALB: Pulumi's default tags (the stack tag), and a user tag that happens
    // to be the cluster tag (config refuses it now; stacks made before may still carry it).
    const pulumiAlb = await lb("andyredis-alb", { [STACK_TAG_KEY]: STACK, ...owned });
    const otherV2 = await lb("k8s-other", { "elbv2.k8s.aws/cluster": "andyredis-dev2" });
    const elb = clients.elb as ElasticLoadBalancing;
    const classic = async (name: string, tags: Record<string, string>) =>
      elb.createLoadBalancer({
        LoadBalancerName: name,
        Listeners: [{ Protocol: "TCP", LoadBalancerPort: 80, InstancePort: 30080 }],
        Subnets: [subA],
        Tags: tagsOf(tags),
      });
    await classic("a1b2c3", owned);
    await classic("sharedlb", { [`kubernetes.io/cluster/${CLUSTER}`]: "shared" });
    await classic("pulumiclassic", { ...owned, [STACK_TAG_KEY]: STACK });

    const report = await run(settings("delete", 20, vpc));
    assert.deepEqual([...report.network.loadBalancersDeleted].sort(), ["a1b2c3", mineV2].sort());
    assert.deepEqual(
      [...report.network.securityGroupsDeleted].sort(),
      [controllerSg, k8sElbSg].sort(),
    );
    assert.deepEqual(report.network.networkInterfacesDeleted, [leftoverEni]);

    const lbs = (await elbv2.describeLoadBalancers({})).LoadBalancers?.map(
      (l) => l.LoadBalancerArn,
    ).sort();
    assert.deepEqual(lbs, [pulumiAlb, otherV2].sort());
    const classics = (await elb.describeLoadBalancers({})).LoadBalancerDescriptions?.map(
      (l) => l.LoadBalancerName,
    );
    assert.deepEqual([...(classics ?? [])].sort(), ["pulumiclassic", "sharedlb"]);
    const groups =
      (await ec2.describeSecurityGroups({ Filters: [{ Name: "vpc-id", Values: [vpc] }] }))
        .SecurityGroups ?? [];
    const ids = new Set(groups.map((g) => g.GroupId));
    for (const kept of [nodeSg, eksSg, otherClusterSg]) assert.ok(ids.has(kept), kept);
    for (const gone of [k8sElbSg, controllerSg]) assert.ok(!ids.has(gone), gone);
    const node = groups.find((g) => g.GroupId === nodeSg);
    assert.ok(
      !(node?.IpPermissions ?? []).some((p) =>
        (p.UserIdGroupPairs ?? []).some((u) => u.GroupId === k8sElbSg),
      ),
    );
    const enis =
      (await ec2.describeNetworkInterfaces({})).NetworkInterfaces?.map(
        (n) => n.NetworkInterfaceId,
      ) ?? [];
    assert.ok(enis.includes(otherEni) && !enis.includes(leftoverEni));
  });

  it("two stacks with one <org>/<project>/<stack>, one cluster name and the same PVCs: destroying one leaves the other whole", async () => {
    // Two people's file-backend `dev` stacks: the same name, told apart only by their ids.
    const tagA = "organization/andyredis/dev/0a0a0a0a0a0a0a0a";
    const tagB = "organization/andyredis/dev/0b0b0b0b0b0b0b0b";
    const tagsOf = (t: Record<string, string>) =>
      Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
    const elbv2 = clients.elbv2 as ElasticLoadBalancingV2;
    /** One stack's world: its VPC, the release's volumes, a CSI backup, an NLB, its SG, an ENI. */
    const world = async (tag: string, cidr: number) => {
      const vpc = (await ec2.createVpc({ CidrBlock: `10.${cidr}.0.0/16` })).Vpc?.VpcId ?? "";
      const subnet = async (i: number, zone: string) =>
        (
          await ec2.createSubnet({
            VpcId: vpc,
            CidrBlock: `10.${cidr}.${i}.0/24`,
            AvailabilityZone: zone,
          })
        ).Subnet?.SubnetId ?? "";
      const subnets = [await subnet(1, ZONE), await subnet(2, "us-east-1b")];
      const volumes: string[] = [];
      for (const n of [0, 1, 2]) {
        volumes.push(
          await volume({
            [STACK_TAG_KEY]: tag,
            [`kubernetes.io/cluster/${CLUSTER}`]: "owned",
            "kubernetes.io/created-for/pvc/namespace": "redis",
            "kubernetes.io/created-for/pvc/name": `redis-data-redis-node-${n}`,
          }),
        );
      }
      const snapshot =
        (
          await ec2.createSnapshot({
            VolumeId: volumes[0],
            TagSpecifications: [
              {
                ResourceType: "snapshot",
                Tags: tagsOf({ [STACK_TAG_KEY]: tag, CSIVolumeSnapshotName: "backup" }),
              },
            ],
          })
        ).SnapshotId ?? "";
      const loadBalancer =
        (
          await elbv2.createLoadBalancer({
            Name: `k8s-redis-metrics-${cidr}`,
            Type: "network",
            Subnets: subnets,
            Tags: tagsOf({
              "elbv2.k8s.aws/cluster": CLUSTER,
              "service.k8s.aws/stack": "redis/metrics",
            }),
          })
        ).LoadBalancers?.[0]?.LoadBalancerArn ?? "";
      const securityGroup =
        (
          await ec2.createSecurityGroup({
            GroupName: "k8s-redis-metrics-abc",
            Description: "controller",
            VpcId: vpc,
            TagSpecifications: [
              {
                ResourceType: "security-group",
                Tags: tagsOf({ "elbv2.k8s.aws/cluster": CLUSTER }),
              },
            ],
          })
        ).GroupId ?? "";
      const networkInterface =
        (
          await ec2.createNetworkInterface({
            SubnetId: subnets[0],
            TagSpecifications: [
              {
                ResourceType: "network-interface",
                Tags: tagsOf({ "cluster.k8s.amazonaws.com/name": CLUSTER }),
              },
            ],
          })
        ).NetworkInterface?.NetworkInterfaceId ?? "";
      return { tag, vpc, volumes, snapshot, loadBalancer, securityGroup, networkInterface };
    };
    const a = await world(tagA, 10);
    const b = await world(tagB, 11);

    const report = await run({ ...settings("delete"), stackTag: tagA, vpcId: a.vpc });
    assert.deepEqual([...report.volumes.deleted].sort(), [...a.volumes].sort());
    assert.deepEqual(report.network.loadBalancersDeleted, [a.loadBalancer]);
    assert.deepEqual(report.network.securityGroupsDeleted, [a.securityGroup]);
    assert.deepEqual(report.network.networkInterfacesDeleted, [a.networkInterface]);

    // Every one of B's resources is still there, tagged as before.
    assert.deepEqual(await existing(b.volumes), [...b.volumes].sort());
    const bVolumes = (await ec2.describeVolumes({ VolumeIds: b.volumes })).Volumes ?? [];
    for (const v of bVolumes) {
      assert.equal(v.Tags?.find((t) => t.Key === STACK_TAG_KEY)?.Value, tagB);
    }
    const snaps = (await ec2.describeSnapshots({ SnapshotIds: [a.snapshot, b.snapshot] }))
      .Snapshots;
    assert.deepEqual(snaps?.map((x) => x.SnapshotId).sort(), [a.snapshot, b.snapshot].sort());
    const lbs = (await elbv2.describeLoadBalancers({})).LoadBalancers?.map(
      (l) => l.LoadBalancerArn,
    );
    // B's load balancer carries this cluster's tag, in another VPC: it survives.
    assert.deepEqual(lbs, [b.loadBalancer]);
    const groups = (await ec2.describeSecurityGroups({ GroupIds: [b.securityGroup] }))
      .SecurityGroups;
    assert.equal(groups?.length, 1);
    const enis = (await ec2.describeNetworkInterfaces({})).NetworkInterfaces?.map(
      (n) => n.NetworkInterfaceId,
    );
    assert.ok(enis?.includes(b.networkInterface) && !enis.includes(a.networkInterface));

    // Each audit lists only its own stack's resources.
    const ids = (lines: readonly string[]) => lines.map((l) => l.split(" ")[1]).sort();
    const auditA = await auditLeftovers({ region: "us-east-1", stackTag: tagA }, auditClients);
    assert.deepEqual(ids(auditA.leftovers), [a.snapshot]);
    const auditB = await auditLeftovers({ region: "us-east-1", stackTag: tagB }, auditClients);
    assert.deepEqual(ids(auditB.leftovers), [...b.volumes, b.snapshot].sort());
  });

  it("migrating a legacy tag retags this cluster's volumes and snapshots only, deleting nothing", async () => {
    const legacy = "organization/andyredis/dev";
    const migrated = `${legacy}/0c0c0c0c0c0c0c0c`;
    const mine = await volume({
      [STACK_TAG_KEY]: legacy,
      [`kubernetes.io/cluster/${CLUSTER}`]: "owned",
      "kubernetes.io/created-for/pvc/name": "redis-data-redis-node-0",
    });
    const backup =
      (
        await ec2.createSnapshot({
          VolumeId: mine,
          TagSpecifications: [
            {
              ResourceType: "snapshot",
              Tags: [
                { Key: STACK_TAG_KEY, Value: legacy },
                { Key: `kubernetes.io/cluster/${CLUSTER}`, Value: "owned" },
              ],
            },
          ],
        })
      ).SnapshotId ?? "";
    // Another person's legacy stack of the same name: another cluster.
    const theirs = await volume({
      [STACK_TAG_KEY]: legacy,
      "kubernetes.io/cluster/andyredis-dev-2": "owned",
      "kubernetes.io/created-for/pvc/name": "redis-data-redis-node-0",
    });
    const untagged = await volume({ [`kubernetes.io/cluster/${CLUSTER}`]: "owned" });
    const report = await migrateStackTag(ec2, legacy, migrated, CLUSTER, (m) => logs.push(m));
    assert.deepEqual(report, { volumes: [mine], snapshots: [backup] });
    const tagOf = async (id: string) =>
      (await ec2.describeVolumes({ VolumeIds: [id] })).Volumes?.[0]?.Tags?.find(
        (t) => t.Key === STACK_TAG_KEY,
      )?.Value;
    assert.equal(await tagOf(mine), migrated);
    assert.equal(await tagOf(theirs), legacy);
    assert.equal(await tagOf(untagged), undefined);
    const snap = (await ec2.describeSnapshots({ SnapshotIds: [backup] })).Snapshots?.[0];
    assert.equal(snap?.Tags?.find((t) => t.Key === STACK_TAG_KEY)?.Value, migrated);
    assert.deepEqual(await existing([mine, theirs, untagged]), [mine, theirs, untagged].sort());
    assert.ok(!calls.some((c) => /Delete|Detach/.test(c)), calls.join("\n"));
  });

  it("the audit lists what still carries the stack tag before, and only the kept snapshots after", async () => {
    const seed = await seedVolumes();
    await ec2.detachVolume({ VolumeId: seed.inUse, InstanceId: seed.instanceId });
    const efs = auditClients.efs as EFS;
    const fs = await efs.createFileSystem({
      CreationToken: "andyredis",
      Tags: [{ Key: STACK_TAG_KEY, Value: STACK }],
    });
    await efs.createFileSystem({
      CreationToken: "other",
      Tags: [{ Key: STACK_TAG_KEY, Value: OTHER_STACK }],
    });
    const vpc = (await ec2.createVpc({ CidrBlock: "10.1.0.0/16" })).Vpc?.VpcId ?? "";
    const stackSg = (
      await ec2.createSecurityGroup({
        GroupName: "andyredis-sg",
        Description: "x",
        VpcId: vpc,
        TagSpecifications: [
          { ResourceType: "security-group", Tags: [{ Key: STACK_TAG_KEY, Value: STACK }] },
        ],
      })
    ).GroupId;

    const before = await auditLeftovers({ region: "us-east-1", stackTag: STACK }, auditClients);
    assert.equal(before.ok, false);
    for (const id of [...seed.mine, fs.FileSystemId ?? "?"]) {
      assert.ok(
        before.leftovers.some((l) => l.includes(id)),
        `${id} in ${before.leftovers.join("\n")}`,
      );
    }
    for (const id of seed.others) {
      const listed = before.resources.some((r) => r.id === id);
      assert.equal(listed, seed.foreign.includes(id), id);
    }
    const sgEntry = before.resources.find((r) => r.id === stackSg);
    assert.equal(sgEntry?.billable, false, "a security group is listed, not billable");

    await run(settings("snapshot"));
    await efs.deleteFileSystem({ FileSystemId: fs.FileSystemId });

    const strict = await auditLeftovers({ region: "us-east-1", stackTag: STACK }, auditClients);
    assert.equal(strict.ok, false, "snapshots are billable: a failure unless expected");
    // The snapshots, and the stack-tagged volumes that are not the release's (left by the hook).
    assert.equal(strict.leftovers.length, seed.mine.length + seed.foreign.length);
    const snapshotLines = strict.leftovers.filter((l) => l.startsWith("snapshot "));
    assert.equal(snapshotLines.length, seed.mine.length, strict.leftovers.join("\n"));
    assert.ok(snapshotLines.every((l) => /kept by the hook: snapshot/.test(l)));
    for (const id of seed.foreign)
      assert.ok(
        strict.leftovers.some((l) => l.includes(id)),
        id,
      );

    for (const id of seed.foreign) await ec2.deleteVolume({ VolumeId: id });
    const relaxed = await auditLeftovers(
      { region: "us-east-1", stackTag: STACK, expectSnapshots: true },
      auditClients,
    );
    assert.equal(relaxed.ok, true, relaxed.leftovers.join("\n"));
    assert.equal(relaxed.expected.length, seed.mine.length);
  });

  it("npm run audit: 0 clean, 15 leftover, 19 no match or look-alike tag, 2 bad flags; --json; env", async () => {
    // A real audit process (cli/audit.ts, transpiled once: `transpileForChildren`) for each
    // exit code: 0, 15 (--json, the tag from the environment), 19 (a look-alike) and 2; the
    // other cases run cli/audit.ts's chain (parse, audit, format, exit code) in-process.
    const audit = (args: string[], env: Record<string, string> = {}) =>
      runProcess(process.execPath, [auditScript, ...args], {
        cwd: PROJECT_DIR,
        env: { PATH: process.env.PATH ?? "", ...moto.env, ...env },
      });
    const auditInProcess = async (args: string[]): Promise<{ code: number; stdout: string }> => {
      const parsed = parseAuditArgs(args, moto.env);
      assert.ok(parsed !== HELP);
      const report = await auditLeftovers(parsed, auditClients);
      return {
        code: auditExitCode(report, parsed.allowNoMatch),
        stdout: formatAuditReport(report, parsed.allowNoMatch),
      };
    };
    // Touches no AWS API: runs alongside the rest.
    const badRun = audit(["--stack-tag", "dev", "--frobnicate"], { AWS_REGION: "" });
    // Nothing carries the tag: not an all-clear (exit 19), unless the caller vouches for it.
    const none = await auditInProcess(["--region", "us-east-1", "--stack-tag", STACK]);
    assert.equal(none.code, ExitCode.auditNoMatch, none.stdout);
    assert.match(none.stdout, /NO MATCH: nothing carries andyredis\/stack=org\/proj\/dev/);
    assert.doesNotMatch(none.stdout, /OK/);
    const vouched = await auditInProcess([
      "--region",
      "us-east-1",
      "--stack-tag",
      STACK,
      "--allow-no-match",
    ]);
    assert.equal(vouched.code, ExitCode.ok, vouched.stdout);

    // A free resource proves the tag: clean.
    await ec2.createSecurityGroup({
      GroupName: "andyredis-sg",
      Description: "x",
      TagSpecifications: [
        { ResourceType: "security-group", Tags: [{ Key: STACK_TAG_KEY, Value: STACK }] },
      ],
    });
    const clean = await audit(["--region", "us-east-1", "--stack-tag", STACK]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /OK: nothing billable left \(the tag matched 1 resource/);
    const bad = await badRun;
    assert.equal(bad.code, ExitCode.usage);
    assert.match(bad.stderr, /--frobnicate: unknown flag/);
    assert.match(bad.stderr, /--region: required/);
    assert.match(bad.stderr, /--stack-tag: got "dev"/);

    const id = await stackVolume(0);
    // The file backend's organization is `organization`: the user's tag matches nothing while
    // the volume exists. A look-alike: a failure that names the real tag.
    const [dirty, wrongOrg] = await Promise.all([
      audit(["--json"], { ANDYREDIS_STACK_TAG: STACK }),
      audit(["--region", "us-east-1", "--stack-tag", "organization/proj/dev"]),
    ]);
    assert.equal(dirty.code, ExitCode.leftovers, dirty.stderr);
    const report = JSON.parse(dirty.stdout) as { ok: boolean; leftovers: string[] };
    assert.equal(report.ok, false);
    assert.ok(report.leftovers.some((l) => l.includes(id)));
    assert.equal(wrongOrg.code, ExitCode.auditNoMatch, wrongOrg.stdout);
    assert.match(
      wrongOrg.stdout,
      /andyredis\/stack=org\/proj\/dev \(2 EC2 resource\(s\)\) looks like/,
    );
    assert.match(wrongOrg.stdout, /FAIL: the tag matched nothing, but a look-alike tag exists/);
    const typo = await auditInProcess([
      "--region",
      "us-east-1",
      "--stack-tag",
      "org/proj/dve",
      "--allow-no-match",
    ]);
    assert.equal(typo.code, ExitCode.auditNoMatch, "a look-alike fails even with --allow-no-match");
  });

  it("the audit with --cluster lists volumes with the cluster's tag but no stack tag", async () => {
    // What a missing extraVolumeTags setting of the CSI add-on leaks: the driver's cluster tag only.
    const leaked = await volume({
      [`kubernetes.io/cluster/${CLUSTER}`]: "owned",
      "kubernetes.io/created-for/pvc/name": "redis-data-redis-node-0",
    });
    const otherCluster = await volume({ "kubernetes.io/cluster/andyredis-dev2": "owned" });
    const mine = await stackVolume(0);
    const withCluster = await auditLeftovers(
      { region: "us-east-1", stackTag: STACK, clusterName: CLUSTER },
      auditClients,
    );
    const byId = new Map(withCluster.resources.map((r) => [r.id, r]));
    assert.equal(byId.get(leaked)?.scope, "cluster");
    assert.equal(byId.get(mine)?.scope, "stack");
    assert.ok(!byId.has(otherCluster));
    assert.ok(withCluster.leftovers.some((l) => l.includes(leaked) && /cluster-tagged/.test(l)));
    const stackOnly = await auditLeftovers({ region: "us-east-1", stackTag: STACK }, auditClients);
    assert.ok(!stackOnly.resources.some((r) => r.id === leaked));
  });

  it("the one retry policy: the hook's own clients ride out throttling (SDK retries, real requests)", async () => {
    // A proxy in front of moto that throttles the first two requests, as EC2 does under load.
    let throttled = 0;
    const target = new URL(moto.endpoint);
    const proxy = http.createServer((req, res) => {
      if (throttled < 2) {
        throttled++;
        res.writeHead(503, { "Content-Type": "text/xml" });
        res.end(
          "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit " +
            "exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>",
        );
        return;
      }
      const upstream = http.request(
        {
          hostname: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    const port = (proxy.address() as AddressInfo).port;
    const hookClients = createAwsClients("us-east-1", {
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    const id = await stackVolume(0);
    const report = await runCleanup(settings("delete"), {
      ...hookClients,
      log: (m) => logs.push(m),
      clock: systemClock,
      pollMs: 100,
    });
    proxy.close();
    assert.equal(throttled, 2, "the first two requests were throttled");
    assert.deepEqual(report.volumes.deleted, [id]);
  });
});
