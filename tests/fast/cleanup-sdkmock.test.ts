/**
 * What moto cannot produce, with aws-sdk-client-mock: more volumes than one page, a volume that
 * never detaches, a snapshot that stays pending a while, an API error mid-way. A fake clock makes
 * the waits instant. (Throttling is retried by the SDK's retry strategy, which a mocked `send`
 * bypasses: cleanup-moto.test.ts throttles real requests instead.)
 */
import * as assert from "node:assert/strict";

import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteVolumeCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2,
  EC2Client,
  type Volume,
} from "@aws-sdk/client-ec2";
import {
  DescribeLoadBalancersCommand as DescribeClassicCommand,
  ElasticLoadBalancing,
  ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPI,
  ResourceGroupsTaggingAPIClient,
} from "@aws-sdk/client-resource-groups-tagging-api";
import { EFS, EFSClient, DescribeFileSystemsCommand } from "@aws-sdk/client-efs";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";

import { auditLeftovers } from "../../lib/cleanup/io/leftoverAudit";
import { runCleanup } from "../../lib/cleanup/executor";
import type { CleanupSettings } from "../../lib/cleanup/hookTypes";
import type { VolumeCleanupMode } from "../../lib/config/configTypes";
import { STACK_TAG_KEY } from "../../lib/tags";
import { type FakeClock, fakeClock } from "../helpers/clock";

const STACK = "org/proj/dev";
const cfg = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };

const claimOf = (id: string): number => Number(id.replace(/\D/g, "") || "0");

const v = (id: string, state: string, stack = STACK): Volume => ({
  VolumeId: id,
  State: state as Volume["State"],
  Size: 8,
  AvailabilityZone: "us-east-1a",
  Tags: [
    { Key: STACK_TAG_KEY, Value: stack },
    { Key: "kubernetes.io/cluster/c1", Value: "owned" },
    { Key: "kubernetes.io/created-for/pvc/namespace", Value: "redis" },
    // One of the release's claims (vol-3 → redis-data-redis-node-3).
    { Key: "kubernetes.io/created-for/pvc/name", Value: `redis-data-redis-node-${claimOf(id)}` },
  ],
  Attachments:
    state === "in-use"
      ? [{ InstanceId: "i-1", State: "attached", DeleteOnTermination: false }]
      : [],
});

describe("cleanup with aws-sdk-client-mock: what the emulator cannot do", () => {
  // Created in `before`, not at load time: a stub of a client class applies to every instance,
  // and must not leak into the moto tests that mocha loads in the same process.
  let ec2Mock: AwsClientStub<EC2Client>;
  let elbv2Mock: AwsClientStub<ElasticLoadBalancingV2Client>;
  let elbMock: AwsClientStub<ElasticLoadBalancingClient>;
  before(() => {
    ec2Mock = mockClient(EC2Client);
    elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
    elbMock = mockClient(ElasticLoadBalancingClient);
  });
  let logs: string[];
  let clock: FakeClock;

  beforeEach(() => {
    ec2Mock.reset();
    elbv2Mock.reset();
    elbMock.reset();
    logs = [];
    clock = fakeClock();
    // Nothing in the network step unless a test says so.
    elbv2Mock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    elbMock.on(DescribeClassicCommand).resolves({ LoadBalancerDescriptions: [] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    ec2Mock.on(DeleteVolumeCommand).resolves({});
  });
  after(() => {
    ec2Mock.restore();
    elbv2Mock.restore();
    elbMock.restore();
  });

  const settings = (mode: VolumeCleanupMode, timeoutSeconds = 60): CleanupSettings => ({
    region: "us-east-1",
    kubeconfig: "",
    stackTag: STACK,
    clusterName: "c1",
    vpcId: "vpc-0000000000000001",
    namespace: "redis",
    releaseName: "redis",
    mode,
    timeoutSeconds,
  });
  const run = (s: CleanupSettings) =>
    runCleanup(s, {
      ec2: new EC2(cfg),
      elbv2: new ElasticLoadBalancingV2(cfg),
      elb: new ElasticLoadBalancing(cfg),
      log: (m) => logs.push(m),
      clock,
      pollMs: 5000,
    });
  const deletedIds = (): string[] =>
    ec2Mock.commandCalls(DeleteVolumeCommand).map((c) => c.args[0].input.VolumeId ?? "");

  it("follows NextToken over several pages, and still checks each volume's tag itself", async () => {
    const pages: Record<string, { Volumes: Volume[]; NextToken?: string }> = {
      first: { Volumes: [v("vol-1", "available"), v("vol-2", "available")], NextToken: "p2" },
      p2: {
        Volumes: [v("vol-3", "available"), v("vol-x", "available", "org/proj/dev2")],
        NextToken: "p3",
      },
      p3: { Volumes: [v("vol-4", "available")] },
    };
    // Recorded at call time: the SDK's paginator reuses one input object for every page.
    const tokens: (string | undefined)[] = [];
    ec2Mock.on(DescribeVolumesCommand).callsFake((input: { NextToken?: string }) => {
      tokens.push(input.NextToken);
      return pages[input.NextToken ?? "first"];
    });
    await run(settings("delete"));
    assert.deepEqual(tokens, [undefined, "p2", "p3"]);
    // vol-x came back although the filter asked for this stack's tag: it is still not touched.
    assert.deepEqual(deletedIds(), ["vol-1", "vol-2", "vol-3", "vol-4"]);
  });

  it("a volume that never detaches: fails after the timeout, with its ID; the others are done", async () => {
    ec2Mock.on(DescribeVolumesCommand).callsFake((input: { Filters?: { Name: string }[] }) => {
      const byId = input.Filters?.some((f) => f.Name === "volume-id");
      return byId
        ? { Volumes: [v("vol-stuck", "in-use")] }
        : { Volumes: [v("vol-stuck", "in-use"), v("vol-free", "available")] };
    });
    await assert.rejects(run(settings("delete", 120)), (err: Error) => {
      assert.match(err.message, /still attached after 120s: vol-stuck \(on i-1\)/);
      assert.match(err.message, /aws ec2 detach-volume/);
      assert.match(err.message, /pulumi destroy` again/);
      return true;
    });
    assert.deepEqual(deletedIds(), ["vol-free"]);
    const waited = clock.slept.reduce((a, b) => a + b, 0);
    assert.ok(waited >= 120_000 && waited <= 125_000, `waited ${waited} ms`);
  });

  it("snapshot mode: a pending snapshot is waited for; its volume goes only once it completed", async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [v("vol-1", "available")] });
    const order: string[] = [];
    ec2Mock.on(CreateSnapshotCommand).callsFake(() => {
      order.push("create");
      return { SnapshotId: "snap-1", State: "pending" };
    });
    let polls = 0;
    ec2Mock.on(DescribeSnapshotsCommand).callsFake((input: { SnapshotIds?: string[] }) => {
      if (input.SnapshotIds === undefined) return { Snapshots: [] }; // no earlier snapshot
      polls++;
      const state = polls < 3 ? "pending" : "completed";
      order.push(state);
      return { Snapshots: [{ SnapshotId: "snap-1", VolumeId: "vol-1", State: state }] };
    });
    ec2Mock.on(DeleteVolumeCommand).callsFake(() => {
      order.push("delete");
      return {};
    });
    const report = await run(settings("snapshot"));
    assert.deepEqual(order, ["create", "pending", "pending", "completed", "delete"]);
    assert.deepEqual(report.volumes.snapshots, { "vol-1": "snap-1" });
    const tags =
      ec2Mock.commandCalls(CreateSnapshotCommand)[0].args[0].input.TagSpecifications?.[0]?.Tags ??
      [];
    assert.ok(tags.some((t) => t.Key === STACK_TAG_KEY && t.Value === STACK));
  });

  it("a snapshot still pending at the timeout keeps its volume and fails with the snapshot ID", async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [v("vol-1", "available")] });
    ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: "snap-1" });
    ec2Mock
      .on(DescribeSnapshotsCommand)
      .resolves({ Snapshots: [{ SnapshotId: "snap-1", VolumeId: "vol-1", State: "pending" }] });
    await assert.rejects(
      run(settings("snapshot", 30)),
      /snapshot\(s\) not completed after 30s .*: snap-1/,
    );
    assert.deepEqual(deletedIds(), []);
  });

  it("an API error mid-way fails the run (after what was done), and the rerun resumes", async () => {
    ec2Mock
      .on(DescribeVolumesCommand)
      .resolvesOnce({
        Volumes: [v("vol-1", "available"), v("vol-2", "available"), v("vol-3", "available")],
      })
      .resolves({ Volumes: [v("vol-2", "available"), v("vol-3", "available")] });
    ec2Mock
      .on(DeleteVolumeCommand)
      .resolvesOnce({})
      .rejectsOnce(
        Object.assign(new Error("not authorized to delete vol-2"), {
          name: "UnauthorizedOperation",
        }),
      )
      .resolves({});
    await assert.rejects(run(settings("delete")), /not authorized to delete vol-2/);
    assert.deepEqual(deletedIds(), ["vol-1", "vol-2"]);
    const report = await run(settings("delete"));
    assert.deepEqual(report.volumes.deleted, ["vol-2", "vol-3"]);
  });

  it("a volume deleted between listing and deletion is fine (idempotent)", async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [v("vol-1", "available")] });
    ec2Mock
      .on(DeleteVolumeCommand)
      .rejects(Object.assign(new Error("gone"), { name: "InvalidVolume.NotFound" }));
    const report = await run(settings("delete"));
    assert.deepEqual(report.volumes.deleted, ["vol-1"]);
  });

  it("retain mode tags the volumes it keeps and deletes nothing", async () => {
    ec2Mock
      .on(DescribeVolumesCommand)
      .resolves({ Volumes: [v("vol-1", "in-use"), v("vol-2", "available")] });
    ec2Mock.on(CreateTagsCommand).resolves({});
    const report = await run(settings("retain"));
    assert.deepEqual(report.volumes.retained, ["vol-1", "vol-2"]);
    assert.deepEqual(deletedIds(), []);
    assert.deepEqual(ec2Mock.commandCalls(CreateTagsCommand)[0].args[0].input.Resources, [
      "vol-1",
      "vol-2",
    ]);
  });
});

describe("audit with aws-sdk-client-mock: pagination and failures", () => {
  let tagMock: AwsClientStub<ResourceGroupsTaggingAPIClient>;
  let ec2Mock: AwsClientStub<EC2Client>;
  let elbv2Mock: AwsClientStub<ElasticLoadBalancingV2Client>;
  let elbMock: AwsClientStub<ElasticLoadBalancingClient>;
  let efsMock: AwsClientStub<EFSClient>;
  before(() => {
    tagMock = mockClient(ResourceGroupsTaggingAPIClient);
    ec2Mock = mockClient(EC2Client);
    elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
    elbMock = mockClient(ElasticLoadBalancingClient);
    efsMock = mockClient(EFSClient);
  });
  const clients = () => ({
    tagging: new ResourceGroupsTaggingAPI(cfg),
    ec2: new EC2(cfg),
    elbv2: new ElasticLoadBalancingV2(cfg),
    elb: new ElasticLoadBalancing(cfg),
    efs: new EFS(cfg),
  });
  beforeEach(() => {
    for (const m of [tagMock, ec2Mock, elbv2Mock, elbMock, efsMock]) m.reset();
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    elbv2Mock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    elbMock.on(DescribeClassicCommand).resolves({ LoadBalancerDescriptions: [] });
    efsMock.on(DescribeFileSystemsCommand).resolves({ FileSystems: [] });
  });
  after(() => {
    for (const m of [tagMock, ec2Mock, elbv2Mock, elbMock, efsMock]) m.restore();
  });

  it("follows the tagging API's PaginationToken and reports resources only it knows", async () => {
    const tag = [{ Key: STACK_TAG_KEY, Value: STACK }];
    tagMock
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: "arn:aws:ec2:us-east-1:1:natgateway/nat-1", Tags: tag },
        ],
        PaginationToken: "t2",
      })
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: "arn:aws:ec2:us-east-1:1:elastic-ip/eipalloc-1", Tags: tag },
        ],
        PaginationToken: "",
      });
    const report = await auditLeftovers({ region: "us-east-1", stackTag: STACK }, clients());
    assert.equal(tagMock.commandCalls(GetResourcesCommand).length, 2);
    assert.equal(report.ok, false);
    assert.equal(report.leftovers.length, 2);
  });

  it("an API error fails the audit instead of reporting it clean", async () => {
    tagMock
      .on(GetResourcesCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    await assert.rejects(
      auditLeftovers({ region: "us-east-1", stackTag: STACK }, clients()),
      /denied/,
    );
  });

  it("rejects a missing region or a malformed stack tag, naming the flag", async () => {
    await assert.rejects(
      auditLeftovers({ region: "", stackTag: "dev" }, clients()),
      /region: required[\s\S]*stackTag: got "dev", expected <org>\/<project>\/<stack>/,
    );
  });
});
