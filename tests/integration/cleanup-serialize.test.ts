/**
 * The hook really runs from the state: the provider is serialized the way the engine does it
 * (@pulumi/pulumi 3.270 `dynamic/index.js` → `serializeFunction(() => provider, { allowSecrets:
 * true })`), loaded in a fresh Node process (no ts-node, cwd = the project, as the engine's
 * dynamic provider host does with `require-from-string`), and its `delete(id, props)` is called
 * against moto. No `setMocks` here: the program's placement of the hook is the lead's test.
 */
import * as assert from "node:assert/strict";
import { runProcess } from "../helpers/process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { EC2 } from "@aws-sdk/client-ec2";
import * as pulumi from "@pulumi/pulumi";

import { codeVersionOf, volumeCleanupProvider } from "../../components/volumeCleanup";
import { unwrapSecrets } from "../../lib/cleanup/executor";
import { parseCleanupSettings } from "../../lib/cleanup/plan";
import { STACK_TAG_KEY } from "../../lib/tags";
import { startMoto, type MotoServer } from "../helpers/moto";
import { secretEnvelope, unknownValue } from "../helpers/pulumiMarkers";
import { PROJECT_DIR } from "../helpers/paths";

const STACK = "org/proj/dev";

/** Loads the serialized provider like the engine and calls one method; resolves with the outcome. */
function runSerialized(
  providerFile: string,
  method: "delete",
  props: Record<string, unknown>,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    const requireFromString = require("require-from-string");
    const fs = require("fs");
    const provider = requireFromString(fs.readFileSync(process.argv[1], "utf8")).handler();
    const props = JSON.parse(process.argv[2]);
    provider.${method}("volume-cleanup-test", props).then(
      () => { process.stdout.write("DELETE-OK\\n"); },
      (err) => { process.stderr.write("DELETE-FAILED: " + err.message + "\\n"); process.exitCode = 1; },
    );`;
  return runProcess(process.execPath, ["-e", script, providerFile, JSON.stringify(props)], {
    cwd: PROJECT_DIR,
    env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env },
  });
}

describe("cleanup hook serialized into the state and run from it", function () {
  this.timeout(90_000);
  let moto: MotoServer;
  let ec2: EC2;
  let providerFile: string;
  let serializedText: string;

  before(async () => {
    moto = await startMoto();
    ec2 = new EC2(moto.clientConfig);
    // Exactly what `pulumi.dynamic.Resource` does to put the provider into the inputs.
    const sf = await pulumi.runtime.serializeFunction(() => volumeCleanupProvider, {
      allowSecrets: true,
    });
    serializedText = sf.text;
    providerFile = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-hook-")),
      "provider.js",
    );
    fs.writeFileSync(providerFile, serializedText);
  });
  after(async () => {
    await moto?.stop();
    if (providerFile) fs.rmSync(path.dirname(providerFile), { recursive: true, force: true });
  });

  const props = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    region: "us-east-1",
    kubeconfig: "", // no cluster in this test: the PVC step is a no-op
    stackTag: STACK,
    clusterName: "andyredis-dev",
    vpcId: "vpc-0000000000000001",
    namespace: "redis",
    releaseName: "redis",
    mode: "delete",
    timeoutSeconds: 5,
    __provider: "(the serialized provider, ignored by delete)",
    ...extra,
  });
  let claims = 0;
  async function volume(stack?: string): Promise<string> {
    const r = await ec2.createVolume({
      AvailabilityZone: "us-east-1a",
      Size: 8,
      TagSpecifications: stack
        ? [
            {
              ResourceType: "volume",
              Tags: [
                { Key: STACK_TAG_KEY, Value: stack },
                // What the EBS CSI driver adds: its cluster, and the release's claim.
                { Key: "kubernetes.io/cluster/andyredis-dev", Value: "owned" },
                { Key: "kubernetes.io/created-for/pvc/namespace", Value: "redis" },
                {
                  Key: "kubernetes.io/created-for/pvc/name",
                  Value: `redis-data-redis-node-${claims++}`,
                },
              ],
            },
          ]
        : undefined,
    });
    return r.VolumeId ?? assert.fail("no volume");
  }
  async function existing(ids: string[]): Promise<string[]> {
    const r = await ec2.describeVolumes({ Filters: [{ Name: "volume-id", Values: ids }] });
    return (r.Volumes ?? []).map((v) => v.VolumeId ?? "").sort();
  }

  it("serializes without capturing an SDK client or module (pulumi/pulumi#13960)", () => {
    assert.equal(typeof serializedText, "string");
    assert.match(serializedText, /exports\.handler/);
    // The SDK is required at run time, not inlined.
    assert.match(serializedText, /require\("@aws-sdk\/client-ec2"\)/);
    assert.doesNotMatch(serializedText, /\[native code\]|smithy|middlewareStack/);
    assert.ok(serializedText.length < 200_000, `${serializedText.length} bytes`);
  });

  it("its delete, loaded in a fresh process, cleans up this stack's volumes only; a rerun is fine", async () => {
    await moto.reset();
    const mine = [await volume(STACK), await volume(STACK)];
    const others = [await volume("org/proj/dev2"), await volume()];
    const first = await runSerialized(providerFile, "delete", props(), moto.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /DELETE-OK/);
    assert.match(
      first.stderr,
      /\[andyredis cleanup\] cleanup of org\/proj\/dev/,
      "progress on stderr",
    );
    assert.match(first.stderr, /Kubernetes step skipped: no kubeconfig/);
    assert.deepEqual(await existing(mine), []);
    assert.deepEqual(await existing(others), [...others].sort());

    const again = await runSerialized(providerFile, "delete", props(), moto.env);
    assert.equal(again.code, 0, again.stderr);
  });

  it("snapshot mode from the state: the snapshot is tagged and the volume gone", async () => {
    await moto.reset();
    const id = await volume(STACK);
    const r = await runSerialized(
      providerFile,
      "delete",
      // As the engine may hand it over: the kubeconfig still in its secret envelope.
      props({
        mode: "snapshot",
        kubeconfig: secretEnvelope(""),
      }),
      moto.env,
    );
    assert.equal(r.code, 0, r.stderr);
    const snaps = await ec2.describeSnapshots({
      OwnerIds: ["self"],
      Filters: [{ Name: `tag:${STACK_TAG_KEY}`, Values: [STACK] }],
    });
    assert.equal(snaps.Snapshots?.[0]?.VolumeId, id);
    assert.deepEqual(await existing([id]), []);
  });

  it("fails the destroy (non-zero, with the reason) on bad settings or a volume still attached", async () => {
    await moto.reset();
    const bad = await runSerialized(providerFile, "delete", props({ mode: "wipe" }), moto.env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /mode: got "wipe", allowed: delete, snapshot, retain/);

    const id = await volume(STACK);
    const inst = await ec2.runInstances({ ImageId: "ami-12c6146b", MinCount: 1, MaxCount: 1 });
    const instanceId = inst.Instances?.[0]?.InstanceId ?? "";
    await ec2.attachVolume({ VolumeId: id, InstanceId: instanceId, Device: "/dev/sdf" });
    const stuck = await runSerialized(providerFile, "delete", props({ timeoutSeconds: 1 }), {
      ...moto.env,
      ANDYREDIS_CLEANUP_POLL_SECONDS: "0.2",
    });
    assert.notEqual(stuck.code, 0);
    assert.match(stuck.stderr, new RegExp(`DELETE-FAILED: .*${id}`));
    assert.deepEqual(await existing([id]), [id]);
  });
});

describe("cleanup hook provider: create, diff, update only store the settings", () => {
  const base = {
    region: "us-east-1",
    kubeconfig: "k",
    stackTag: STACK,
    clusterName: "c1",
    vpcId: "vpc-0000000000000001",
    namespace: "redis",
    releaseName: "redis",
    mode: "delete",
    timeoutSeconds: 600,
  };

  // At destroy the engine hands `delete` the outputs stored at create: they are all it has.
  it("create stores what delete reads back: every setting, under a fresh ID", async () => {
    const inputs = { ...base, kubeconfig: secretEnvelope(base.kubeconfig) };
    const first = await volumeCleanupProvider.create(inputs);
    const second = await volumeCleanupProvider.create(inputs);
    assert.match(first.id, /^volume-cleanup-[0-9a-f-]{36}$/);
    assert.notEqual(first.id, second.id);
    assert.deepEqual(
      parseCleanupSettings(unwrapSecrets(first.outs ?? {})),
      parseCleanupSettings(base),
    );
  });

  it("a new mode or timeout is an in-place update that stores the new inputs", async () => {
    const diff = await volumeCleanupProvider.diff?.("id", base, { ...base, mode: "snapshot" });
    assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await volumeCleanupProvider.update?.("id", base, { ...base, mode: "snapshot" });
    assert.equal(updated?.outs?.mode, "snapshot");
  });

  it("new provider code alone is an in-place update (no cleanup runs), so destroy runs it", async () => {
    const v1 = { ...base, __provider: "exports.handler = () => ({ /* hook v1 */ })" };
    const v2 = { ...base, __provider: "exports.handler = () => ({ /* hook v2 */ })" };
    // As on `up`: check (new code) stamps the version, diff (new code) compares it.
    const checked = await volumeCleanupProvider.check?.(v1, v2);
    assert.equal(checked?.inputs?.codeVersion, codeVersionOf(v2.__provider));
    assert.match(String(checked?.inputs?.codeVersion), /^sha256:[0-9a-f]{16}$/);
    const created = await volumeCleanupProvider.create({
      ...v1,
      codeVersion: codeVersionOf(v1.__provider),
    });
    const stored = { ...created.outs, __provider: v1.__provider };
    const diff = await volumeCleanupProvider.diff?.("id", stored, checked?.inputs ?? {});
    assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
    // A state written before the version was an input: the provider text alone decides.
    const legacy = await volumeCleanupProvider.diff?.("id", v1, v2);
    assert.equal(legacy?.changes, true);
    assert.deepEqual(legacy?.replaces, []);
    const same = await volumeCleanupProvider.diff?.("id", v1, { ...v1 });
    assert.equal(same?.changes, false);
    // The secret envelope the engine may wrap the provider in changes nothing.
    const wrapped = {
      ...v1,
      __provider: secretEnvelope(v1.__provider),
    };
    assert.equal((await volumeCleanupProvider.diff?.("id", v1, wrapped))?.changes, false);
  });

  it("a legacy stack tag getting its id is an update (it retags), never a replacement", async () => {
    const legacy = { ...base, stackTag: "org/proj/dev" };
    const migrated = { ...base, stackTag: "org/proj/dev/0123456789abcdef" };
    const diff = await volumeCleanupProvider.diff?.("id", legacy, migrated);
    assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
    // Any other change of the tag is another stack: the old hook cleans up after itself.
    for (const other of ["org/proj/dev2/0123456789abcdef", "org/proj/dev/fedcba9876543210"]) {
      const replaced = await volumeCleanupProvider.diff?.("id", migrated, {
        ...base,
        stackTag: other,
      });
      assert.deepEqual(replaced?.replaces, ["stackTag"], other);
    }
    const back = await volumeCleanupProvider.diff?.("id", migrated, legacy);
    assert.deepEqual(back?.replaces, ["stackTag"]);
  });

  it("a hook stored before the VPC setting gets it as an update", async () => {
    const older: Record<string, unknown> = { ...base };
    delete older.vpcId;
    const diff = await volumeCleanupProvider.diff?.("id", older, base);
    assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("another release, namespace or cluster replaces the hook, so the old one cleans up", async () => {
    const diff = await volumeCleanupProvider.diff?.("id", base, { ...base, releaseName: "cache" });
    assert.deepEqual(diff?.replaces, ["releaseName"]);
    const same = await volumeCleanupProvider.diff?.("id", base, { ...base });
    assert.equal(same?.changes, false);
  });

  it("check rejects bad settings, naming the key; unknown values pass during preview", async () => {
    const bad = await volumeCleanupProvider.check?.({}, { ...base, mode: "wipe" });
    assert.match(bad?.failures?.[0]?.reason ?? "", /mode: got "wipe"/);
    const preview = await volumeCleanupProvider.check?.(
      {},
      {
        ...base,
        kubeconfig: unknownValue,
        mode: "wipe",
      },
    );
    assert.equal(preview?.failures, undefined);
  });

  // The config checks the user's values (tests/fast/config.test.ts); what the state holds is
  // checked again, by the one parseCleanupSettings, before the hook runs on it.
  it("check names every bad setting at once, with what is allowed", async () => {
    const bad = await volumeCleanupProvider.check?.(
      {},
      { ...base, mode: "keep", timeoutSeconds: 1.5 },
    );
    assert.match(
      bad?.failures?.[0]?.reason ?? "",
      /mode: got "keep", allowed: delete, snapshot, retain\n.*timeoutSeconds: got 1.5/,
    );
  });
});
