/**
 * The destroy hook under the real engine: a program holding only the `VolumeCleanup` component
 * (tests/e2e/destroy-hook/program), run with the Pulumi CLI of ../shared/e2e-toolchain (3.274.1) on a
 * file backend, against moto (the AWS endpoint) and a real Kubernetes API (kube-apiserver and
 * kube-controller-manager, kwok nodes). `pulumi destroy` runs the hook from the state, in the
 * engine's own dynamic-provider process; nothing here calls the hook's code directly.
 *
 * Per mode, after `pulumi up` the test creates the release's PVCs (bound to PVs whose volumes
 * are moto volumes, as the EBS CSI driver makes them) and look-alikes: another stack's volume,
 * an untagged one, an in-use volume of a live claim outside the release, a monitoring volume
 * kept on purpose (Retain PV, claim gone) and an older CSI backup snapshot. Then: PVCs gone, the
 * release's volumes deleted / snapshotted (each with a new snapshot) / retained, the rest
 * untouched, and the audit agrees. Last, new hook code: `pulumi up` is an in-place update that
 * runs no cleanup, and `pulumi destroy` runs the new code.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { EC2 } from "@aws-sdk/client-ec2";
import { EFS } from "@aws-sdk/client-efs";
import { ElasticLoadBalancing } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ResourceGroupsTaggingAPI } from "@aws-sdk/client-resource-groups-tagging-api";

import { auditLeftovers } from "../../lib/cleanup/io/leftoverAudit";
import type { VolumeCleanupMode } from "../../lib/config/configTypes";
import { STACK_TAG_KEY } from "../../lib/tags";
import { startMoto, MOTO_REGION, type MotoServer } from "../helpers/moto";
import { environment } from "./helpers/environment";
import { eventually } from "./helpers/kube";
import { history, PulumiProject, runCommand, type CommandResult } from "./helpers/pulumi";

type Run = (args: string[]) => Promise<CommandResult>;

/** The program, in a project copy (`PulumiProject`): a directory with its own package.json. */
const PROGRAM_DIR = "tests/e2e/destroy-hook/program";
const ZONE = "us-east-1a";
const CLUSTER = "hook-e2e";
const RELEASE = "redis";
const CSI_DRIVER = "ebs.csi.aws.com";

type Tags = Record<string, string>;
const tagList = (t: Tags) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const tagsOf = (l?: { Key?: string; Value?: string }[]): Tags =>
  Object.fromEntries((l ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
const pvcTags = (namespace: string, name: string): Tags => ({
  "kubernetes.io/created-for/pvc/namespace": namespace,
  "kubernetes.io/created-for/pvc/name": name,
  [`kubernetes.io/cluster/${CLUSTER}`]: "owned",
});

/** What one stack's test seeded: the release's volumes, and everything the hook must leave. */
interface Seeded {
  readonly ours: string[];
  readonly anotherStack: string;
  readonly untagged: string;
  readonly inUse: string;
  readonly monitoring: string;
  readonly backupSnapshot: string;
}

describe("destroy hook under the real engine (e2e: Pulumi CLI, Kubernetes API, moto)", function () {
  this.timeout(15 * 60_000);
  let moto: MotoServer;
  let ec2: EC2;
  const timings: Record<string, number> = {};

  before(async () => {
    moto = await startMoto();
    ec2 = new EC2(moto.clientConfig);
  });
  after(async () => {
    process.stdout.write(`      destroy-hook e2e timings (s): ${JSON.stringify(timings)}\n`);
    await moto?.stop();
  });

  async function kubectl(args: string[], input?: string): Promise<string> {
    const env = environment();
    const r = await runCommand(
      env.env.KUBECTL ?? "kubectl",
      ["--kubeconfig", env.kubeconfigPath, ...args],
      env.workDir,
      env.env,
      { input },
    );
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  }
  const apply = (objects: object[]): Promise<string> =>
    kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    );
  async function names(kind: string, namespace?: string): Promise<string[]> {
    const ns = namespace === undefined ? [] : ["-n", namespace];
    const out = await kubectl(["get", kind, ...ns, "-o", "json"]);
    const list = JSON.parse(out) as { items: { metadata: { name: string } }[] };
    return list.items.map((i) => i.metadata.name).sort();
  }

  async function volume(tags: Tags): Promise<string> {
    const v = await ec2.createVolume({
      AvailabilityZone: ZONE,
      Size: 8,
      TagSpecifications: [{ ResourceType: "volume", Tags: tagList(tags) }],
    });
    return v.VolumeId ?? assert.fail("no volume id");
  }
  async function existingVolumes(ids: string[]): Promise<string[]> {
    const r = await ec2.describeVolumes({ Filters: [{ Name: "volume-id", Values: ids }] });
    return (r.Volumes ?? []).map((v) => v.VolumeId ?? "").sort();
  }

  const pv = (name: string, volumeId: string, policy: string, claim: [string, string]) => ({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      capacity: { storage: "8Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: policy,
      storageClassName: "",
      claimRef: { namespace: claim[0], name: claim[1] },
      csi: { driver: CSI_DRIVER, volumeHandle: volumeId, fsType: "ext4" },
    },
  });
  const pvc = (namespace: string, name: string, volumeName: string, labels: Tags = {}) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { namespace, name, labels },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "",
      volumeName,
      resources: { requests: { storage: "8Gi" } },
    },
  });
  const namespaceObject = (name: string) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name },
  });

  /** The release's claims and volumes, and the look-alikes, for one stack. */
  async function seed(stack: string, stackTag: string, namespace: string): Promise<Seeded> {
    const mine = (ns: string, claim: string): Tags => ({
      [STACK_TAG_KEY]: stackTag,
      ...pvcTags(ns, claim),
    });
    const claims = [0, 1, 2].map((i) => `redis-data-${RELEASE}-node-${i}`);
    const ours: string[] = [];
    for (const claim of claims) ours.push(await volume(mine(namespace, claim)));
    // An older CSI VolumeSnapshot backup of node 0: the add-on's extra tags, no hook marker.
    const backup = await ec2.createSnapshot({
      VolumeId: ours[0],
      TagSpecifications: [
        {
          ResourceType: "snapshot",
          Tags: tagList({ [STACK_TAG_KEY]: stackTag, CSIVolumeSnapshotName: `snapshot-${stack}` }),
        },
      ],
    });
    const anotherStack = await volume({
      [STACK_TAG_KEY]: `${stackTag}2`,
      ...pvcTags(namespace, claims[0]),
    });
    const untagged = await volume({ Name: claims[0] });
    // A live claim of another workload, its volume attached to a node.
    const appsNs = `apps-${stack}`;
    const inUse = await volume(mine(appsNs, "data-0"));
    const instance = await ec2.runInstances({
      ImageId: "ami-12c6146b",
      MinCount: 1,
      MaxCount: 1,
      Placement: { AvailabilityZone: ZONE },
    });
    await ec2.attachVolume({
      VolumeId: inUse,
      InstanceId: instance.Instances?.[0]?.InstanceId ?? "",
      Device: "/dev/sdf",
    });
    // Kept on purpose by monitoring: PV Retain, its claim deleted (Released).
    const monitoringNs = `monitoring-${stack}`;
    const monitoring = await volume(mine(monitoringNs, "prometheus-data-0"));

    await apply([
      namespaceObject(namespace),
      namespaceObject(appsNs),
      namespaceObject(monitoringNs),
    ]);
    await apply([
      ...claims.map((c, i) => pv(`${stack}-${c}`, ours[i], "Delete", [namespace, c])),
      ...claims.map((c) =>
        pvc(namespace, c, `${stack}-${c}`, { "app.kubernetes.io/instance": RELEASE }),
      ),
      pv(`${stack}-apps-data-0`, inUse, "Delete", [appsNs, "data-0"]),
      pvc(appsNs, "data-0", `${stack}-apps-data-0`),
      pv(`${stack}-prometheus`, monitoring, "Retain", [monitoringNs, "prometheus-data-0"]),
    ]);
    for (const ns of [namespace, appsNs]) {
      await kubectl([
        "wait",
        "-n",
        ns,
        "pvc",
        "--all",
        "--for=jsonpath={.status.phase}=Bound",
        "--timeout=60s",
      ]);
    }
    return {
      ours,
      anotherStack,
      untagged,
      inUse,
      monitoring,
      backupSnapshot: backup.SnapshotId ?? "",
    };
  }

  /**
   * What the EBS CSI driver does for a released PV with reclaim policy Delete: delete its volume,
   * then the PV. There is no driver here; without this, `delete` mode waits for it in vain.
   */
  function fakeCsiDriver(): { stop(): Promise<void>; deleted: string[] } {
    const deleted: string[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const out = await kubectl(["get", "pv", "-o", "json"]).catch(() => '{"items":[]}');
        const pvs = (
          JSON.parse(out) as {
            items: {
              metadata: { name: string };
              spec: {
                persistentVolumeReclaimPolicy?: string;
                csi?: { driver?: string; volumeHandle?: string };
              };
              status?: { phase?: string };
            }[];
          }
        ).items;
        for (const p of pvs) {
          const released = ["Released", "Failed"].includes(p.status?.phase ?? "");
          if (
            released &&
            p.spec.csi?.driver === CSI_DRIVER &&
            p.spec.persistentVolumeReclaimPolicy === "Delete"
          ) {
            await ec2.deleteVolume({ VolumeId: p.spec.csi.volumeHandle }).catch(() => undefined);
            await kubectl(["delete", "pv", p.metadata.name, "--wait=false"]);
            deleted.push(p.spec.csi.volumeHandle ?? "");
          }
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    return {
      deleted,
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  /** A stack of the program in its own project copy, configured for one release. */
  async function newStack(
    copyName: string,
    stack: string,
    mode: VolumeCleanupMode,
    namespace: string,
  ): Promise<{
    project: PulumiProject;
    run: Run;
    stackName: string;
    upAndTag: () => Promise<string>;
  }> {
    const project = new PulumiProject(copyName);
    const awsEnv = {
      ...moto.env,
      // Short polls: the waits of the hook are real here.
      ANDYREDIS_CLEANUP_POLL_SECONDS: "0.5",
    };
    const run: Run = (args) =>
      project.pulumi([...args, "--stack", stack], { cwd: PROGRAM_DIR, env: awsEnv });
    const stackName = `organization/hook-e2e/${stack}`;
    await project.pulumiOk(["stack", "init", stackName], { cwd: PROGRAM_DIR });
    await project.setConfig(
      stack,
      {
        "hooke2e:region": MOTO_REGION,
        // The stack identity (a random id in the state) makes the tag from this name.
        "hooke2e:stackName": stackName,
        "hooke2e:vpcId": "vpc-0000000000000e2e",
        "hooke2e:clusterName": CLUSTER,
        "hooke2e:namespace": namespace,
        "hooke2e:releaseName": RELEASE,
        "hooke2e:mode": mode,
        "hooke2e:timeoutSeconds": "120",
      },
      PROGRAM_DIR,
    );
    // The kubeconfig goes in on stdin, never on a command line.
    await project.setSecret(stack, "hooke2e:kubeconfig", environment().kubeconfig, PROGRAM_DIR);
    /** `pulumi up`, then the stack tag it made: the name and the stack's random id. */
    const upAndTag = async (): Promise<string> => {
      const up = await run(["up", "--yes", "--skip-preview"]);
      if (up.code !== 0)
        throw new Error(`pulumi up exited ${up.code}:\n${up.stdout}\n${up.stderr}`);
      timings[`${stack}.up`] = up.seconds;
      const out = await run(["stack", "output", "stackTag"]);
      const stackTag = out.stdout.trim();
      assert.match(stackTag, new RegExp(`^${stackName}/[0-9a-z]{16}$`), "the identity's tag");
      return stackTag;
    };
    return { project, run, stackName, upAndTag };
  }

  async function ok(run: Run, args: string[]): Promise<CommandResult> {
    const r = await run(args);
    if (r.code !== 0)
      throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  async function snapshotsOf(volumeId: string) {
    const r = await ec2.describeSnapshots({
      OwnerIds: ["self"],
      Filters: [{ Name: "volume-id", Values: [volumeId] }],
    });
    return r.Snapshots ?? [];
  }

  function auditClients() {
    return {
      ec2,
      elbv2: new ElasticLoadBalancingV2(moto.clientConfig),
      elb: new ElasticLoadBalancing(moto.clientConfig),
      efs: new EFS(moto.clientConfig),
      tagging: new ResourceGroupsTaggingAPI(moto.clientConfig),
    };
  }

  const modes: VolumeCleanupMode[] = ["delete", "snapshot", "retain"];
  for (const mode of modes) {
    it(`${mode} mode: pulumi destroy runs the hook from the state; only the release's volumes`, async () => {
      const stack = `m-${mode}`;
      const namespace = `redis-${mode}`;
      const { run, upAndTag } = await newStack(`hook-${mode}`, stack, mode, namespace);
      const stackTag = await upAndTag();
      const seeded = await seed(stack, stackTag, namespace);

      const csi = mode === "delete" ? fakeCsiDriver() : undefined;
      const destroy = await run(["destroy", "--yes", "--skip-preview"]);
      await csi?.stop();
      timings[`${mode}.destroy`] = destroy.seconds;
      const output = destroy.stdout + destroy.stderr;
      assert.equal(destroy.code, 0, output);
      // The hook ran in the engine's dynamic-provider process, from the state.
      assert.match(output, /\[andyredis cleanup\] cleanup of organization\/hook-e2e\/m-/);
      // The stack, the hook (a component and its dynamic resource) and the stack identity (a
      // component and its random id).
      assert.match(output, /- 5 deleted/);

      // Kubernetes: the release's claims and PVs are gone (their protection finalizers are
      // removed asynchronously); the others are not.
      await eventually("the release's PVCs and PVs to go", async () => {
        const pvcs = await names("pvc", namespace);
        const pvs = await names("pv");
        return pvcs.length === 0 && !pvs.some((p) => p.startsWith(`${stack}-redis-data`))
          ? true
          : undefined;
      });
      const pvs = await names("pv");
      assert.ok(pvs.includes(`${stack}-apps-data-0`) && pvs.includes(`${stack}-prometheus`));
      assert.deepEqual(await names("pvc", `apps-${stack}`), ["data-0"]);

      // AWS: the release's volumes per mode; every look-alike untouched.
      const foreign = [seeded.anotherStack, seeded.untagged, seeded.inUse, seeded.monitoring];
      assert.deepEqual(await existingVolumes(foreign), [...foreign].sort());
      const remaining = await existingVolumes(seeded.ours);
      const hookSnapshots: string[] = [];
      if (mode === "retain") {
        assert.deepEqual(remaining, [...seeded.ours].sort());
        const vols = await ec2.describeVolumes({ VolumeIds: seeded.ours });
        for (const v of vols.Volumes ?? [])
          assert.equal(tagsOf(v.Tags)["andyredis/cleanup"], "retained");
      } else {
        assert.deepEqual(remaining, []);
      }
      if (mode === "delete") {
        assert.deepEqual(
          [...(csi?.deleted ?? [])].sort(),
          [...seeded.ours].sort(),
          "by the CSI driver",
        );
      }
      for (const id of seeded.ours) {
        const hook = (await snapshotsOf(id)).filter(
          (s) => tagsOf(s.Tags)["andyredis/cleanup"] === "snapshot",
        );
        if (mode === "snapshot") {
          assert.equal(hook.length, 1, `one new snapshot of ${id}`);
          assert.notEqual(hook[0].SnapshotId, seeded.backupSnapshot);
          assert.equal(hook[0].State, "completed");
          assert.equal(tagsOf(hook[0].Tags)["andyredis/source-volume"], id);
          hookSnapshots.push(hook[0].SnapshotId ?? "");
        } else {
          assert.equal(hook.length, 0);
        }
      }
      const backup = await ec2.describeSnapshots({ SnapshotIds: [seeded.backupSnapshot] });
      assert.equal(backup.Snapshots?.length, 1, "the CSI backup is untouched");

      // The audit agrees: what carries the stack tag is exactly what the hook left on purpose.
      const report = await auditLeftovers(
        {
          region: MOTO_REGION,
          stackTag,
          clusterName: CLUSTER,
          expectSnapshots: mode === "snapshot",
          expectRetained: mode === "retain",
        },
        auditClients(),
      );
      const ids = (lines: readonly string[]) => lines.map((l) => l.split(" ")[1]).sort();
      assert.deepEqual(
        ids(report.leftovers),
        [seeded.inUse, seeded.monitoring, seeded.backupSnapshot].sort(),
        report.leftovers.join("\n"),
      );
      const expectedKept =
        mode === "snapshot" ? hookSnapshots : mode === "retain" ? seeded.ours : [];
      assert.deepEqual(ids(report.expected), [...expectedKept].sort());
      assert.ok(report.matched > 0);
    });
  }

  it("new hook code: pulumi up is an in-place update that runs no cleanup; destroy runs the new code", async () => {
    const stack = "code";
    const namespace = "redis-code";
    const { project, run, upAndTag } = await newStack("hook-code", stack, "delete", namespace);
    const stackTag = await upAndTag();
    const seeded = await seed(stack, stackTag, namespace);

    // A new implementation of the hook, in the project copy the program runs from.
    const executor = path.join(project.dir, "lib/cleanup/executor.ts");
    const source = fs.readFileSync(executor, "utf8");
    const marker = 'log("hook build e2e-v2");';
    const changed = source.replace(
      "const kube = await runKubernetesStep(",
      `${marker}\n  const kube = await runKubernetesStep(`,
    );
    assert.notEqual(changed, source, "the executor still has the line to patch");
    fs.writeFileSync(executor, changed);

    const up = await ok(run, ["up", "--yes", "--skip-preview", "--diff"]);
    timings["code.update"] = up.seconds;
    assert.match(up.stdout, /~ 1 updated/, up.stdout);
    const [last] = await history(project, stack, PROGRAM_DIR);
    // Unchanged: the stack, the hook's component, the identity and its random id.
    assert.deepEqual(last.resourceChanges, { same: 4, update: 1 });
    assert.match(up.stdout, /~ codeVersion\s*: "sha256:[0-9a-z]{16}" => "sha256:[0-9a-z]{16}"/);
    assert.doesNotMatch(up.stdout + up.stderr, /\[andyredis cleanup\]/, "no cleanup on update");
    assert.deepEqual(
      await names("pvc", namespace),
      seeded.ours.map((_, i) => `redis-data-${RELEASE}-node-${i}`),
    );
    assert.deepEqual(await existingVolumes(seeded.ours), [...seeded.ours].sort());

    const csi = fakeCsiDriver();
    const destroy = await run(["destroy", "--yes", "--skip-preview"]);
    await csi.stop();
    const output = destroy.stdout + destroy.stderr;
    assert.equal(destroy.code, 0, output);
    assert.match(output, /\[andyredis cleanup\] hook build e2e-v2/, "destroy ran the new code");
    assert.deepEqual(await existingVolumes(seeded.ours), []);
    await eventually("the release's PVCs to go", async () =>
      (await names("pvc", namespace)).length === 0 ? true : undefined,
    );
  });
});
