/**
 * Faults in the lifecycle, injected for real on the real engine and a real API server
 * (clusterOnly), each followed by the recovery the docs name (docs/faults.md) and a check that
 * the stack converged: release deployed, 3 pods ready, outputs passing the contract, no pending
 * operations, nothing orphaned in the cluster. One stack serves every fault in turn, and ends
 * with a clean destroy (through `protectData`). The cluster-gone fault runs on a second,
 * throw-away control plane, with the destroy hook's AWS side against moto.
 *
 * Kills are injected at points read from the engine's output and the cluster's state (the Helm
 * release record appearing), never after a fixed sleep. The table of what happened is printed at
 * the end (and kept in $ANDYREDIS_E2E_FAULT_TABLE when set).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { EC2 } from "@aws-sdk/client-ec2";

import { parseStackOutputs } from "../../lib/contract";
import { passwordHash } from "../../lib/redis/acl";
import { STACK_TAG_KEY } from "../../lib/tags";
import { MOTO_REGION, startMoto, type MotoServer } from "../helpers/moto";
import { environment } from "./helpers/environment";
import {
  kubectl,
  restartApiServer,
  startCommand,
  startDisposableCluster,
  type DisposableCluster,
  until,
  type RunningCommand,
} from "./helpers/faults";
import { helmRelease, isNotFound, kube, namespaceDeleted, type Kube } from "./helpers/kube";
import { PulumiProject, type CommandResult } from "./helpers/pulumi";
import { assertNoSecretPrinted } from "./helpers/secrets";
import { createClusterOnlyStack, e2eChart } from "./helpers/stack";

const STACK = "faults";
const NAMESPACE = "redis";
const RELEASE = "redis";
const NODES = 3;
/**
 * The program is type-checked by `npm run check` and run type-checked by cluster-only.test.ts;
 * here each of a dozen runs skips ts-node's type check (README: most of an `up`'s time).
 */
const FAST: NodeJS.ProcessEnv = { PULUMI_NODEJS_TRANSPILE_ONLY: "true" };

interface Row {
  readonly fault: string;
  readonly happened: string;
  readonly recover: string;
  readonly converged: boolean;
  /** From the fault to a converged stack. */
  readonly seconds: number;
}

describe("e2e: faults in the lifecycle end in a converged stack", function () {
  this.timeout(20 * 60_000);
  let project: PulumiProject;
  let k: Kube;
  let password = "";
  const rows: Row[] = [];

  const upArgs = ["up", "--yes", "--skip-preview", "--stack", STACK];
  const start = (args: readonly string[]): RunningCommand =>
    startCommand("pulumi", args, project.dir, { ...project.env(), ...FAST });
  const pulumi = (args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> =>
    project.pulumi(args, { env: { ...FAST, ...env } });
  const ok = async (args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> => {
    const r = await pulumi(args, env);
    assert.equal(r.code, 0, `pulumi ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  /** Every way the stack is not converged, one line each; empty when it is. */
  async function notConverged(): Promise<string[]> {
    const problems: string[] = [];
    const release = await helmRelease(k, NAMESPACE, RELEASE).catch(() => undefined);
    if (release?.info.status !== "deployed") {
      problems.push(`Helm release: ${release?.info.status ?? "none"}`);
    }
    try {
      await until(
        "3 ready pods",
        async () => {
          const s = await k.apps.readNamespacedStatefulSet({
            name: `${RELEASE}-node`,
            namespace: NAMESPACE,
          });
          return s.spec?.replicas === NODES && s.status?.readyReplicas === NODES;
        },
        90_000,
      );
    } catch {
      problems.push("the StatefulSet does not have 3 ready pods");
    }
    const exported = JSON.parse((await ok(["stack", "export", "--stack", STACK])).stdout) as {
      deployment?: { pending_operations?: unknown[]; resources?: { type: string }[] };
    };
    const pending = exported.deployment?.pending_operations ?? [];
    if (pending.length > 0) problems.push(`${pending.length} pending operation(s) in the state`);
    const types = (exported.deployment?.resources ?? []).map((r) => r.type).sort();
    for (const type of [
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Secret",
      "kubernetes:helm.sh/v3:Release",
    ]) {
      if (!types.includes(type)) problems.push(`${type} is not in the state`);
    }
    try {
      const shown = await project.outputs(STACK, true);
      const outputs = parseStackOutputs(`organization/andyredis/${STACK}`, shown);
      password = outputs.redisPassword;
      // The output is the app user's password; the pods read its hash from the ACL Secret.
      const acl = await k.core.readNamespacedSecret({
        name: `${RELEASE}-acl`,
        namespace: NAMESPACE,
      });
      const users = Buffer.from(acl.data?.["users.acl"] ?? "", "base64").toString();
      if (!users.includes(`user app reset on #${passwordHash(password)} `)) {
        problems.push("the ACL Secret does not hold the output password's hash for the app user");
      }
    } catch (error) {
      problems.push(`outputs or Secret: ${String(error)}`);
    }
    const ns = await k.core.readNamespace({ name: NAMESPACE }).catch(() => undefined);
    if (ns?.metadata?.labels?.["pod-security.kubernetes.io/enforce"] !== "restricted") {
      problems.push("the namespace does not enforce Pod Security restricted");
    }
    // Nothing orphaned: one release, its own records only, no stray namespace.
    const records = await k.core.listSecretForAllNamespaces({ labelSelector: "owner=helm" });
    const foreign = records.items.filter(
      (s) => s.metadata?.namespace !== NAMESPACE || s.metadata?.labels?.name !== RELEASE,
    );
    if (foreign.length > 0) problems.push(`stray Helm records: ${foreign.length}`);
    const pending2 = records.items.filter((s) => /^pending/.test(s.metadata?.labels?.status ?? ""));
    if (pending2.length > 0) problems.push(`Helm records still pending: ${pending2.length}`);
    return problems;
  }

  async function assertConverged(
    fault: string,
    happened: string,
    recover: string,
    since: number,
  ): Promise<void> {
    const problems = await notConverged();
    const seconds = (Date.now() - since) / 1000;
    rows.push({ fault, happened, recover, converged: problems.length === 0, seconds });
    assert.deepEqual(problems, [], `${fault}: not converged after \`${recover}\``);
  }

  /** The last line of an output that says what went wrong, for the table. */
  const gist = (r: CommandResult): string =>
    (r.stdout + r.stderr)
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /error:|locked|interrupted|cancel/i.test(l))
      .slice(0, 2)
      .join(" / ")
      .slice(0, 240) || `exit ${r.code}`;

  /**
   * docs/faults.md's recovery after a killed up: the lock, Helm's record of the killed install or
   * upgrade (left pending: Helm refuses any other operation on the release while it is), the
   * engine's pending create, then an up.
   */
  const KILLED_RECOVERY =
    "pulumi cancel --yes; kubectl -n redis delete secret -l 'owner=helm,name=redis,status in (pending-install,pending-upgrade)'; pulumi refresh --yes --clear-pending-creates; pulumi up";
  async function recoverAfterKill(): Promise<void> {
    await ok(["cancel", "--yes", "--stack", STACK]);
    await kubectl([
      "delete",
      "secret",
      "-n",
      NAMESPACE,
      "-l",
      `owner=helm,name=${RELEASE},status in (pending-install,pending-upgrade)`,
    ]);
    await ok(["refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--stack", STACK]);
    await ok(upArgs);
  }

  const helmRecordExists = (version: number) => async (): Promise<boolean> => {
    try {
      await k.core.readNamespacedSecret({
        name: `sh.helm.release.v1.${RELEASE}.v${version}`,
        namespace: NAMESPACE,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };

  before(async () => {
    project = new PulumiProject("faults");
    k = kube(environment().kubeconfig);
    await createClusterOnlyStack(project, STACK);
  });

  after(() => {
    const table = [
      "| fault | what happened | command to recover | converged | seconds |",
      "| --- | --- | --- | --- | --- |",
      ...rows.map(
        (r) =>
          `| ${r.fault} | ${r.happened.replace(/\|/g, "\\|")} | \`${r.recover}\` | ${r.converged ? "yes" : "no"} | ${r.seconds.toFixed(1)} |`,
      ),
    ].join("\n");
    process.stdout.write(`\n${table}\n`);
    const out = process.env.ANDYREDIS_E2E_FAULT_TABLE;
    if (out !== undefined && out !== "") fs.writeFileSync(out, `${table}\n`);
  });

  it("SIGKILL of the first pulumi up while Helm installs: cancel, then up", async () => {
    const up = start(upArgs);
    await up.waitFor(/redis-release\s+creating/);
    await until("the Helm release record", helmRecordExists(1));
    up.kill("SIGKILL");
    const killed = await up.done;
    const since = Date.now();
    assert.equal(killed.code, -1, "ended by the signal");
    // The file backend's lock outlives the killed process; the message names the way out.
    const locked = await pulumi(upArgs);
    assert.notEqual(locked.code, 0);
    assert.match(
      locked.stdout + locked.stderr,
      /the stack is currently locked[\s\S]*pulumi cancel/,
    );
    await recoverAfterKill();
    await assertConverged(
      "1a. SIGKILL during the first up (Helm installing)",
      `lock left: "${gist(locked)}"; Helm record pending-install; pending create in the state`,
      KILLED_RECOVERY,
      since,
    );
  });

  it("SIGINT of an update while Helm upgrades: a plain up", async () => {
    await project.setConfig(STACK, { "andyredis:sentinelDownAfterMs": "1500" });
    const before = (await helmRelease(k, NAMESPACE, RELEASE))?.version ?? 0;
    const up = start(upArgs);
    await up.waitFor(/redis-release\s+updating/);
    await until("the new Helm release record", helmRecordExists(before + 1));
    up.kill("SIGINT");
    const interrupted = await up.done;
    const since = Date.now();
    const rerun = await ok(upArgs);
    await assertConverged(
      "1b. SIGINT during an update (Helm upgrading)",
      `${gist(interrupted)}; rerun: exit ${rerun.code}`,
      "pulumi up",
      since,
    );
  });

  it("SIGKILL of an update while Helm upgrades: cancel, then up", async () => {
    await project.setConfig(STACK, { "andyredis:sentinelDownAfterMs": "1800" });
    const before = (await helmRelease(k, NAMESPACE, RELEASE))?.version ?? 0;
    const up = start(upArgs);
    await up.waitFor(/redis-release\s+updating/);
    await until("the new Helm release record", helmRecordExists(before + 1));
    up.kill("SIGKILL");
    await up.done;
    const since = Date.now();
    await recoverAfterKill();
    await assertConverged(
      "1c. SIGKILL during an update (Helm upgrading)",
      "lock left; Helm record pending-upgrade",
      KILLED_RECOVERY,
      since,
    );
  });

  it("two pulumi up at once: the second is refused by the lock, the first finishes", async () => {
    await project.setConfig(STACK, { "andyredis:sentinelDownAfterMs": "2000" });
    const first = start(upArgs);
    await first.waitFor(/redis-release\s+updating/);
    const since = Date.now();
    const second = await pulumi(upArgs);
    assert.notEqual(second.code, 0);
    assert.match(second.stdout + second.stderr, /the stack is currently locked/);
    const done = await first.done;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    await assertConverged(
      "5. two pulumi up at once",
      `the second: "${gist(second)}"; the first: exit 0`,
      "none (wait for the first)",
      since,
    );
  });

  it("the API server stopped for 10 s during an up: it rides it out or fails clearly; a rerun converges", async () => {
    await project.setConfig(STACK, { "andyredis:sentinelDownAfterMs": "1700" });
    const up = start(upArgs);
    await up.waitFor(/redis-release\s+updating/);
    const since = Date.now();
    const { downSeconds } = await restartApiServer(10_000);
    const first = await up.done;
    const output = first.stdout + first.stderr;
    if (first.code !== 0) {
      assert.match(output, /error:/, "a failed up says why");
      assert.doesNotMatch(output, /\s+at .+:\d+:\d+\)?\n/, "no stack trace");
    }
    await ok(upArgs);
    await assertConverged(
      "2. API server down ~10 s during an update",
      `down ${downSeconds.toFixed(0)} s; up ${first.code === 0 ? "rode it out" : `failed: "${gist(first)}"`}`,
      first.code === 0 ? "none" : "pulumi up",
      since,
    );
  });

  it("drift (Secret deleted, Pod Security label removed, StatefulSet scaled to 1): preview --refresh shows it, up --refresh restores it", async () => {
    await k.core.deleteNamespacedSecret({ name: `${RELEASE}-password`, namespace: NAMESPACE });
    await kubectl(["label", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce-"]);
    await kubectl(["scale", "statefulset", `${RELEASE}-node`, "-n", NAMESPACE, "--replicas=1"]);
    const since = Date.now();
    const preview = await ok(["preview", "--refresh", "--json", "--stack", STACK]);
    const steps = (JSON.parse(preview.stdout) as { steps?: { op: string; urn: string }[] }).steps;
    const changed = (steps ?? [])
      .filter((st) => !["same", "refresh"].includes(st.op))
      .map((st) => `${st.op} ${st.urn.split("::").slice(-2).join("::")}`);
    assert.ok(
      changed.some((c) => /^create .*Secret::redis-password$/.test(c)),
      `the deleted Secret shows: ${changed.join(", ")}`,
    );
    assert.ok(
      changed.some((c) => /^update .*Namespace::redis-namespace$/.test(c)),
      `the removed label shows: ${changed.join(", ")}`,
    );
    await ok(["up", "--refresh", "--yes", "--skip-preview", "--stack", STACK]);
    // The StatefulSet is Helm's object: Pulumi reads only Helm's release record, so the scale
    // is put back by hand (or by the next up that changes the release: Helm's three-way merge).
    const sts = await k.apps.readNamespacedStatefulSet({
      name: `${RELEASE}-node`,
      namespace: NAMESPACE,
    });
    const scaledBack = sts.spec?.replicas === NODES;
    if (!scaledBack) {
      await kubectl([
        "scale",
        "statefulset",
        `${RELEASE}-node`,
        "-n",
        NAMESPACE,
        `--replicas=${NODES}`,
      ]);
    }
    await assertConverged(
      "3a. drift: Secret deleted, PSA label removed, StatefulSet at 1",
      `preview --refresh: ${changed.join(", ")}; replicas after up --refresh: ${sts.spec?.replicas}`,
      scaledBack
        ? "pulumi up --refresh"
        : "pulumi up --refresh; kubectl -n redis scale statefulset redis-node --replicas=3",
      since,
    );
  });

  it("drift: the release uninstalled by hand (what helm uninstall deletes): up --refresh reinstalls it", async () => {
    // No helm binary here: delete what `helm uninstall redis -n redis` deletes, the release's
    // objects and its records.
    await kubectl([
      "delete",
      "statefulset,service,configmap,poddisruptionbudget,networkpolicy,serviceaccount",
      "-n",
      NAMESPACE,
      "-l",
      `app.kubernetes.io/instance=${RELEASE}`,
      "--wait=true",
    ]);
    await kubectl(["delete", "secret", "-n", NAMESPACE, "-l", `owner=helm,name=${RELEASE}`]);
    const since = Date.now();
    const preview = await ok(["preview", "--refresh", "--stack", STACK]);
    assert.match(preview.stdout, /redis-release/, "the missing release shows");
    await ok(["up", "--refresh", "--yes", "--skip-preview", "--stack", STACK]);
    await assertConverged(
      "3b. drift: release uninstalled",
      "preview --refresh shows the release to create",
      "pulumi up --refresh",
      since,
    );
  });

  it("protectData: destroy refuses and deletes nothing; off, then up, then a clean destroy", async () => {
    await project.setConfig(STACK, { "andyredis:protectData": "true" });
    await ok(upArgs);
    const refused = await pulumi(["destroy", "--yes", "--skip-preview", "--stack", STACK]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /protect/);
    assert.deepEqual(await notConverged(), [], "nothing was deleted");
    await project.setConfig(STACK, { "andyredis:protectData": "false" });
    const since = Date.now();
    await ok(upArgs);
    await ok(["destroy", "--yes", "--skip-preview", "--stack", STACK]);
    await namespaceDeleted(k, NAMESPACE);
    // The release's claims only: other suites leave claims of their own in other namespaces.
    const pvcs = await k.core.listPersistentVolumeClaimForAllNamespaces();
    assert.deepEqual(
      pvcs.items.filter((c) => c.metadata?.namespace === NAMESPACE).map((c) => c.metadata?.name),
      [],
    );
    rows.push({
      fault: "7. protectData on, pulumi destroy",
      happened: `refused: "${gist(refused)}", nothing deleted`,
      recover: "pulumi config set andyredis:protectData false && pulumi up && pulumi destroy",
      converged: true,
      seconds: (Date.now() - since) / 1000,
    });
  });

  describe("the cluster gone before destroy", () => {
    let moto: MotoServer;
    let cluster: DisposableCluster | undefined;
    before(async () => {
      moto = await startMoto();
    });
    after(async () => {
      // Also when the test failed before it made the cluster vanish.
      await cluster?.destroy();
      await moto?.stop();
    });

    it("destroy finishes with PULUMI_K8S_DELETE_UNREACHABLE; the hook finds the cluster gone and still deletes the volumes", async () => {
      cluster = await startDisposableCluster("gone");
      // The andyredis stack on that cluster.
      const gone = new PulumiProject("faults-gone");
      await gone.pulumiOk(["stack", "init", "gone", "--secrets-provider", "passphrase"]);
      const chart = e2eChart();
      await gone.setConfig("gone", {
        "andyredis:mode": "clusterOnly",
        ...(chart === undefined ? {} : { "andyredis:redisChart": chart }),
      });
      await gone.setSecret("gone", "andyredis:kubeconfig", cluster.kubeconfig);
      await gone.pulumiOk(["up", "--yes", "--skip-preview", "--stack", "gone"], { env: FAST });

      // The destroy hook (aws mode's) against moto, with the same cluster's kubeconfig.
      const hookDir = "tests/e2e/destroy-hook/program";
      const stackName = "organization/hook-e2e/gone";
      await gone.pulumiOk(["stack", "init", stackName], { cwd: hookDir });
      const hookEnv = { ...moto.env, ANDYREDIS_CLEANUP_POLL_SECONDS: "0.5" };
      await gone.setConfig(
        "gone",
        {
          "hooke2e:region": MOTO_REGION,
          "hooke2e:stackName": stackName,
          "hooke2e:vpcId": "vpc-0000000000000e2e",
          "hooke2e:clusterName": "gone",
          "hooke2e:namespace": NAMESPACE,
          "hooke2e:releaseName": RELEASE,
          "hooke2e:mode": "delete",
          "hooke2e:timeoutSeconds": "60",
        },
        hookDir,
      );
      await gone.setSecret("gone", "hooke2e:kubeconfig", cluster.kubeconfig, hookDir);
      await gone.pulumiOk(["up", "--yes", "--skip-preview", "--stack", "gone"], {
        cwd: hookDir,
        env: { ...hookEnv, ...FAST },
      });
      // The identity's tag: the name and the random id the hook's stack keeps in its state.
      const stackTag = (
        await gone.pulumiOk(["stack", "output", "stackTag", "--stack", "gone"], { cwd: hookDir })
      ).stdout.trim();
      const ec2 = new EC2(moto.clientConfig);
      const volumes: string[] = [];
      for (let i = 0; i < NODES; i++) {
        const v = await ec2.createVolume({
          AvailabilityZone: `${MOTO_REGION}a`,
          Size: 8,
          TagSpecifications: [
            {
              ResourceType: "volume",
              Tags: [
                { Key: STACK_TAG_KEY, Value: stackTag },
                // As the EBS CSI driver of that cluster tags what it makes.
                { Key: "kubernetes.io/cluster/gone", Value: "owned" },
                { Key: "kubernetes.io/created-for/pvc/namespace", Value: NAMESPACE },
                {
                  Key: "kubernetes.io/created-for/pvc/name",
                  Value: `redis-data-${RELEASE}-node-${i}`,
                },
              ],
            },
          ],
        });
        volumes.push(v.VolumeId ?? "");
      }

      await cluster.destroy();
      const since = Date.now();
      const plain = await gone.pulumi(["destroy", "--yes", "--skip-preview", "--stack", "gone"]);
      assert.notEqual(plain.code, 0, "without the setting, the deletes fail on the gone cluster");
      // docs/destroy.md, "When the cluster is gone": the provider refuses to drop a Helm release
      // of an unreachable cluster by itself, so its state entry goes first, by its URN.
      const urns = (await gone.pulumiOk(["stack", "--show-urns", "--stack", "gone"])).stdout;
      const releaseUrn = /urn:pulumi:\S*helm\.sh\/v3:Release::redis-release/.exec(urns)?.[0];
      assert.ok(releaseUrn !== undefined, `no release URN in:\n${urns}`);
      await gone.pulumiOk(["state", "delete", releaseUrn, "--yes", "--stack", "gone"]);
      await gone.pulumiOk(["destroy", "--yes", "--skip-preview", "--stack", "gone"], {
        env: { PULUMI_K8S_DELETE_UNREACHABLE: "true" },
      });
      const hook = await gone.pulumiOk(["destroy", "--yes", "--skip-preview", "--stack", "gone"], {
        cwd: hookDir,
        env: hookEnv,
      });
      assert.match(hook.stdout + hook.stderr, /the cluster is gone \(/);
      const left = await ec2.describeVolumes({
        Filters: [{ Name: "volume-id", Values: volumes }],
      });
      assert.deepEqual(left.Volumes ?? [], [], "the stack's volumes are deleted");
      for (const [args, cwd] of [
        [["stack", "export", "--stack", "gone"], undefined],
        [["stack", "export", "--stack", "gone"], hookDir],
      ] as const) {
        const state = JSON.parse((await gone.pulumiOk(args, { cwd })).stdout) as {
          deployment?: { resources?: unknown[] };
        };
        assert.deepEqual(state.deployment?.resources ?? [], [], "nothing left in the state");
      }
      rows.push({
        fault: "4. cluster gone before destroy",
        happened: `plain destroy: "${gist(plain)}"; the hook: cluster gone, ${volumes.length} volumes deleted`,
        recover:
          "pulumi state delete <the Helm release's URN>; PULUMI_K8S_DELETE_UNREACHABLE=true pulumi destroy",
        converged: true,
        seconds: (Date.now() - since) / 1000,
      });
    });
  });

  it("never printed a secret", () => {
    assert.ok(password !== "", "the password was never read");
    assertNoSecretPrinted({ "redis password": password, passphrase: project.passphrase });
  });
});
