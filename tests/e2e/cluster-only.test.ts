/**
 * The program itself on the real engine, clusterOnly mode: `pulumi up`, what the cluster then
 * holds, the outputs a consumer reads, a no-op and an in-place update, a real StackReference,
 * and `pulumi destroy` leaving nothing of the release.
 */
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { parseStackOutputs } from "../../lib/contract";
import {
  ACL_FILE_KEY,
  ACL_MOUNT_PATH,
  passwordHash,
  SENTINEL_ACL_FILE_KEY,
} from "../../lib/redis/acl";
import { LABEL_PUSH_CONTAINER, TOKEN_MOUNT_PATH } from "../../lib/redis/rbac";
import {
  TLS_CHECKSUM_ANNOTATION,
  TLS_SECRET_FILES,
  tlsSecretName,
} from "../../lib/redis/tlsCertificates";
import { DEFAULT_ALT_NAMES, makeCertificates } from "../helpers/certificates";
import { DEFAULT_TUNING } from "../../lib/tuning";
import { environment } from "./helpers/environment";
import { Kube, eventually, helmRelease, kube, namespaceDeleted } from "./helpers/kube";
import { PulumiProject, history } from "./helpers/pulumi";
import { assertNoSecretPrinted } from "./helpers/secrets";
import { createClusterOnlyStack } from "./helpers/stack";

const STACK = "e2e";
const NAMESPACE = "redis";
const RELEASE = "redis";
const NODES = 3;
/** Where the consumer example lives in the project, with its own Pulumi.yaml. */
const CONSUMER_DIR = "examples/consumer";

/** `pulumi preview --json`'s steps: what the engine would do to each resource. */
interface PreviewStep {
  readonly op: string;
  readonly urn: string;
}

describe("e2e: clusterOnly stack, pulumi up to pulumi destroy", function () {
  let project: PulumiProject;
  let k: Kube;
  let password = "";
  let caCertificate = "";
  /** The server certificate the chart made at the first up: kept by every later up. */
  let serverCertificate = "";
  const readServerCertificate = async (): Promise<string> => {
    const crt = await k.core.readNamespacedSecret({ name: `${RELEASE}-crt`, namespace: NAMESPACE });
    return Buffer.from(crt.data?.["tls.crt"] ?? "", "base64").toString();
  };

  before(async () => {
    project = new PulumiProject("andyredis");
    k = kube(environment().kubeconfig);
    await createClusterOnlyStack(project, STACK);
  });

  it("pulumi up deploys the release", async () => {
    const result = await project.pulumiOk(["up", "--yes", "--stack", STACK]);
    const [update] = await history(project, STACK);
    assert.equal(update.result, "succeeded");
    assert.ok((update.resourceChanges?.create ?? 0) >= 5, JSON.stringify(update));
    process.stdout.write(`      (up: ${result.seconds.toFixed(1)} s)\n`);
  });

  it("the outputs pass the contract with --show-secrets; masked, they are refused", async () => {
    const shown = await project.outputs(STACK, true);
    const outputs = parseStackOutputs(`organization/andyredis/${STACK}`, shown);
    assert.equal(outputs.deploymentMode, "clusterOnly");
    // The stack identity: the name (organization on the file backend) and the random id.
    assert.match(outputs.stackTag, new RegExp(`^organization/andyredis/${STACK}/[0-9a-z]{16}$`));
    assert.equal(outputs.sentinelHosts.length, NODES);
    assert.equal(outputs.sentinelEndpoint, `${RELEASE}.${NAMESPACE}.svc.cluster.local:26379`);
    // `pulumi config set` from standard input drops the final newline.
    assert.equal(outputs.kubeconfig.trimEnd(), environment().kubeconfig.trimEnd());
    password = outputs.redisPassword;
    assert.match(password, /^[A-Za-z0-9]{32}$/);
    assert.equal(outputs.redisUsername, "app");
    caCertificate = outputs.redisCaCertificate ?? "";
    assert.match(caCertificate, /^-----BEGIN CERTIFICATE-----/);

    const masked = await project.outputs(STACK, false);
    assert.equal(masked.redisPassword, "[secret]");
    assert.equal(masked.kubeconfig, "[secret]");
    assert.throws(
      () => parseStackOutputs(STACK, masked),
      /"kubeconfig" is masked[\s\S]*"redisPassword" is masked/,
    );
  });

  it("Helm's release record says deployed, and its values hold no password", async () => {
    const release = await helmRelease(k, NAMESPACE, RELEASE);
    assert.ok(release, "no Helm release secret");
    assert.equal(release.info.status, "deployed");
    assert.equal(release.chart.metadata.name, "redis");
    assert.equal(release.chart.metadata.version, "23.1.1");
    const values = JSON.stringify(release.config);
    assert.ok(password.length > 0, "the password was not read from the outputs");
    assert.ok(!values.includes(password), "the password is in the release values");
    assert.match(values, /"existingSecret":"redis-password"/);
  });

  it("runs 3 ready pods of one StatefulSet, one per zone, on bound PVCs", async () => {
    const sts = await eventually("the StatefulSet to be ready", async () => {
      const s = await k.apps.readNamespacedStatefulSet({
        name: `${RELEASE}-node`,
        namespace: NAMESPACE,
      });
      return s.status?.readyReplicas === NODES ? s : undefined;
    });
    assert.equal(sts.spec?.replicas, NODES);
    assert.equal(sts.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted, "Delete");

    const pods = await k.core.listNamespacedPod({
      namespace: NAMESPACE,
      labelSelector: "app.kubernetes.io/component=node",
    });
    const nodes = await k.core.listNode();
    const zoneOf = new Map(
      nodes.items.map((n) => [
        n.metadata?.name,
        n.metadata?.labels?.["topology.kubernetes.io/zone"],
      ]),
    );
    const zones = pods.items.map((p) => zoneOf.get(p.spec?.nodeName));
    assert.equal(new Set(zones).size, NODES, `pods in zones ${zones.join(", ")}`);

    const pvcs = await k.core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE });
    assert.equal(pvcs.items.length, NODES);
    assert.ok(pvcs.items.every((c) => c.status?.phase === "Bound"));
    // The controller-manager enforces the retention policy by making the StatefulSet own each
    // claim: deleting the release deletes them.
    const owned = await eventually("the claims to be owned by the StatefulSet", async () => {
      const claims = await k.core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE });
      return claims.items.every((c) =>
        (c.metadata?.ownerReferences ?? []).some(
          (o) => o.kind === "StatefulSet" && o.name === `${RELEASE}-node`,
        ),
      )
        ? true
        : undefined;
    });
    assert.equal(owned, true);
  });

  it("runs the real chart's TLS-only start scripts with the ACL files, the token in the label push only", async () => {
    // What chart 23.1.1 rendered with the program's values, read back from the API server.
    const scripts = await k.core.readNamespacedConfigMap({
      name: `${RELEASE}-scripts`,
      namespace: NAMESPACE,
    });
    const startNode = scripts.data?.["start-node.sh"] ?? "";
    assert.match(startNode, /ARGS=\("--port" "0"\)\n\s*ARGS\+=\("--tls-port" /);
    assert.doesNotMatch(startNode, /ARGS=\("--port" "\$\{REDIS_PORT\}"\)/, "a plaintext port");
    const startSentinel = scripts.data?.["start-sentinel.sh"] ?? "";
    assert.match(startSentinel, /ARGS=\("--port" "0"\)/);

    const sts = await k.apps.readNamespacedStatefulSet({
      name: `${RELEASE}-node`,
      namespace: NAMESPACE,
    });
    const pod = sts.spec?.template.spec;
    const containers = pod?.containers ?? [];
    // replica.extraFlags, one ARGS+= each, after the chart's --include lines.
    const aclFlag = `ARGS+=("--aclfile")\nARGS+=("${ACL_MOUNT_PATH}/${ACL_FILE_KEY}")`;
    assert.ok(startNode.replace(/^[ \t]+/gm, "").includes(aclFlag), startNode);
    const config = await k.core.readNamespacedConfigMap({
      name: `${RELEASE}-configuration`,
      namespace: NAMESPACE,
    });
    assert.match(
      config.data?.["sentinel.conf"] ?? "",
      new RegExp(`aclfile ${ACL_MOUNT_PATH}/${SENTINEL_ACL_FILE_KEY}`),
    );

    assert.equal(pod?.automountServiceAccountToken, false);
    const withToken = containers
      .filter((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH))
      .map((c) => c.name);
    assert.deepEqual(withToken, [LABEL_PUSH_CONTAINER]);
    // The pods as the API server admitted them: no other container got a token either.
    const pods = await k.core.listNamespacedPod({
      namespace: NAMESPACE,
      labelSelector: "app.kubernetes.io/component=node",
    });
    for (const p of pods.items) {
      const mounted = (p.spec?.containers ?? [])
        .filter((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH))
        .map((c) => c.name);
      assert.deepEqual(mounted, [LABEL_PUSH_CONTAINER], p.metadata?.name);
    }
  });

  it("has a PDB, a NetworkPolicy, the password Secret, and no LoadBalancer Service", async () => {
    const pdbs = await k.policy.listNamespacedPodDisruptionBudget({ namespace: NAMESPACE });
    assert.equal(pdbs.items.length, 1);
    assert.equal(pdbs.items[0].spec?.maxUnavailable, 1);

    const policies = await k.networking.listNamespacedNetworkPolicy({ namespace: NAMESPACE });
    assert.equal(policies.items.length, 1);
    const ports = (policies.items[0].spec?.ingress ?? []).flatMap((rule) =>
      (rule.ports ?? []).map((p) => p.port),
    );
    assert.ok(ports.includes(6379) && ports.includes(26379), `ingress ports ${ports.join(",")}`);

    // The chart's own (internal `default` user) password is another one than the app user's.
    const secret = await k.core.readNamespacedSecret({
      name: `${RELEASE}-password`,
      namespace: NAMESPACE,
    });
    const stored = Buffer.from(secret.data?.["redis-password"] ?? "", "base64").toString();
    assert.match(stored, /^[A-Za-z0-9]{32}$/);
    assert.notEqual(stored, password);
    // The ACL users, hashes only, in the Secret the pods mount; the app user's is the output's.
    const acl = await k.core.readNamespacedSecret({ name: `${RELEASE}-acl`, namespace: NAMESPACE });
    const users = Buffer.from(acl.data?.["users.acl"] ?? "", "base64").toString();
    assert.ok(users.includes(`user app reset on #${passwordHash(password)} `), users);
    assert.ok(!users.includes(password) && !users.includes(stored), "a password in the ACL file");
    // TLS: the chart's kept certificates, and their CA as the output.
    const crt = await k.core.readNamespacedSecret({ name: `${RELEASE}-crt`, namespace: NAMESPACE });
    assert.equal(Buffer.from(crt.data?.["ca.crt"] ?? "", "base64").toString(), caCertificate);
    serverCertificate = await readServerCertificate();
    assert.match(serverCertificate, /^-----BEGIN CERTIFICATE-----/);

    const services = await k.core.listNamespacedService({ namespace: NAMESPACE });
    const types = services.items.map((s) => `${s.metadata?.name}:${s.spec?.type}`);
    assert.ok(!types.some((t) => t.endsWith(":LoadBalancer")), types.join(", "));
  });

  it("lets the pods' ServiceAccount list and patch the release's own pods only: the chart's Role is gone", async () => {
    const roles = await k.rbac.listNamespacedRole({ namespace: NAMESPACE });
    assert.deepEqual(
      roles.items.map((r) => r.metadata?.name),
      [`${RELEASE}-master-label`],
      "only our Role: the post-renderer dropped the chart's",
    );
    const pods = Array.from({ length: NODES }, (_, i) => `${RELEASE}-node-${i}`);
    assert.deepEqual(
      roles.items[0].rules?.map((r) => ({ ...r })),
      [{ apiGroups: [""], resources: ["pods"], resourceNames: pods, verbs: ["list", "patch"] }],
    );
    const bindings = await k.rbac.listNamespacedRoleBinding({ namespace: NAMESPACE });
    assert.deepEqual(
      bindings.items.map((b) => [b.metadata?.name, b.roleRef.name, b.subjects?.map((s) => s.name)]),
      [[`${RELEASE}-master-label`, `${RELEASE}-master-label`, [RELEASE]]],
    );
    // What the API server's authorizer answers for the pods' identity.
    const allowed = async (verb: string, name: string, resource = "pods"): Promise<boolean> => {
      const review = await k.authorization.createSubjectAccessReview({
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: `system:serviceaccount:${NAMESPACE}:${RELEASE}`,
            groups: ["system:serviceaccounts", `system:serviceaccounts:${NAMESPACE}`],
            resourceAttributes: { namespace: NAMESPACE, verb, resource, name },
          },
        },
      });
      return review.status?.allowed === true;
    };
    for (const pod of pods) {
      assert.equal(await allowed("list", pod), true, `list ${pod}`);
      assert.equal(await allowed("patch", pod), true, `patch ${pod}`);
    }
    assert.equal(await allowed("list", ""), false, "list every pod");
    assert.equal(await allowed("patch", "client-0"), false, "patch another pod");
    assert.equal(await allowed("patch", `${RELEASE}-node-${NODES}`), false, "a pod past the set");
    assert.equal(await allowed("delete", pods[0]), false, "delete");
    assert.equal(await allowed("get", `${RELEASE}-acl`, "secrets"), false, "read a Secret");
  });

  it("enforces Pod Security restricted on the namespace the stack created", async () => {
    const ns = await k.core.readNamespace({ name: NAMESPACE });
    assert.equal(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
  });

  it("writes the tuned values into the sentinel config", async () => {
    const cm = await k.core.readNamespacedConfigMap({
      name: `${RELEASE}-configuration`,
      namespace: NAMESPACE,
    });
    const sentinel = cm.data?.["sentinel.conf"] ?? "";
    const set = DEFAULT_TUNING.masterSet;
    assert.match(
      sentinel,
      new RegExp(`down-after-milliseconds ${set} ${DEFAULT_TUNING.downAfterMs}\\b`),
    );
    assert.match(
      sentinel,
      new RegExp(`failover-timeout ${set} ${DEFAULT_TUNING.failoverTimeoutMs}\\b`),
    );
    assert.match(sentinel, new RegExp(`monitor ${set} \\S+ 6379 ${DEFAULT_TUNING.quorum}\\b`));
  });

  it("a second up changes nothing", async () => {
    await project.pulumiOk(["preview", "--expect-no-changes", "--stack", STACK]);
    await project.pulumiOk(["up", "--yes", "--stack", STACK]);
    const [update] = await history(project, STACK);
    // The CA Secret is read (`Secret.get`) on every up: a read is no change.
    const changed = Object.entries(update.resourceChanges ?? {}).filter(
      ([op]) => op !== "same" && op !== "read",
    );
    assert.deepEqual(changed, []);
    assert.equal(
      await readServerCertificate(),
      serverCertificate,
      "a no-op up made new certificates",
    );
  });

  it("runs the source as it is now, without type-checking it: an edit needs no build step", async () => {
    // No compiled copy stands between the source and the engine (Pulumi.yaml's runtime and
    // tsconfig.json's ts-node section): the next command runs the edited file. The probe also
    // carries a type error, which `npm run check` reports and the deploy-time transpile skips.
    const index = path.join(project.dir, "index.ts");
    const original = fs.readFileSync(index, "utf8");
    const probe = `andyredis-source-probe-${crypto.randomBytes(4).toString("hex")}`;
    fs.writeFileSync(
      index,
      `${original}\nconst typeErrorProbe: number = "${probe}" as unknown as string;\nconsole.log(typeErrorProbe);\n`,
    );
    try {
      const preview = await project.pulumiOk(["preview", "--stack", STACK]);
      assert.match(preview.stdout + preview.stderr, new RegExp(probe));
    } finally {
      fs.writeFileSync(index, original);
    }
    const again = await project.pulumiOk(["preview", "--stack", STACK]);
    assert.doesNotMatch(again.stdout + again.stderr, new RegExp(probe));
  });

  it("changing sentinelDownAfterMs updates the release in place and reaches the sentinel config", async () => {
    await project.setConfig(STACK, { "andyredis:sentinelDownAfterMs": "1500" });
    const preview = await project.pulumiOk(["preview", "--json", "--stack", STACK]);
    const steps = (JSON.parse(preview.stdout) as { steps: PreviewStep[] }).steps;
    const changes = steps.filter((s) => s.op !== "same" && s.op !== "read");
    assert.deepEqual(
      changes.map((s) => `${s.op} ${s.urn.split("::").pop()}`),
      ["update redis-release"],
    );
    await project.pulumiOk(["up", "--yes", "--stack", STACK]);
    const [update] = await history(project, STACK);
    assert.deepEqual(
      Object.entries(update.resourceChanges ?? {}).filter(([op]) => op !== "same" && op !== "read"),
      [["update", 1]],
    );
    assert.equal(
      await readServerCertificate(),
      serverCertificate,
      "an in-place update made new certificates",
    );
    const cm = await k.core.readNamespacedConfigMap({
      name: `${RELEASE}-configuration`,
      namespace: NAMESPACE,
    });
    assert.match(cm.data?.["sentinel.conf"] ?? "", /down-after-milliseconds \S+ 1500\b/);
    const release = await helmRelease(k, NAMESPACE, RELEASE);
    assert.equal(release?.version, 2);
  });

  let ownPrivateKey = "";

  it("your own certificates replace the chart's: the pods mount the stack's Secret, the CA output is yours", async () => {
    const own = makeCertificates({ altNames: DEFAULT_ALT_NAMES });
    ownPrivateKey = own.privateKey;
    await project.setConfig(STACK, {
      "andyredis:redisTlsCertificate": own.certificate,
      "andyredis:redisTlsCaCertificate": own.caCertificate,
    });
    await project.setSecret(STACK, "andyredis:redisTlsPrivateKey", own.privateKey);
    await project.pulumiOk(["up", "--yes", "--stack", STACK]);

    const mounted = await k.core.readNamespacedSecret({
      name: tlsSecretName(RELEASE),
      namespace: NAMESPACE,
    });
    const file = (name: string) => Buffer.from(mounted.data?.[name] ?? "", "base64").toString();
    assert.equal(mounted.type, "kubernetes.io/tls");
    assert.equal(file(TLS_SECRET_FILES.certificate), own.certificate);
    assert.equal(file(TLS_SECRET_FILES.caCertificate), own.caCertificate);
    const sts = await k.apps.readNamespacedStatefulSet({
      name: `${RELEASE}-node`,
      namespace: NAMESPACE,
    });
    const template = sts.spec?.template;
    assert.ok(
      template?.spec?.volumes?.some((v) => v.secret?.secretName === tlsSecretName(RELEASE)),
      "the node pods mount the stack's TLS Secret",
    );
    assert.match(
      template?.metadata?.annotations?.[TLS_CHECKSUM_ANNOTATION] ?? "",
      /^[0-9a-f]{64}$/,
    );
    assert.equal(sts.status?.updatedReplicas, NODES, "the pods rolled onto the new certificates");
    const chartSecrets = await k.core.listNamespacedSecret({ namespace: NAMESPACE });
    assert.ok(
      !chartSecrets.items.some((x) => x.metadata?.name === `${RELEASE}-crt`),
      "the chart's generated certificates are gone",
    );
    const outputs = await project.outputs(STACK, false);
    assert.equal(outputs.redisCaCertificate, own.caCertificate);
    caCertificate = own.caCertificate;
  });

  // The consumer: a second project reading this stack's outputs through a real StackReference.
  const consumerStack = "e2e-consumer";

  it("the consumer example gets the endpoint and the password (kept secret) through a StackReference", async () => {
    await project.pulumiOk(["stack", "init", consumerStack, "--secrets-provider", "passphrase"], {
      cwd: CONSUMER_DIR,
    });
    await project.setConfig(
      consumerStack,
      { "andyredis-consumer:redisStack": `organization/andyredis/${STACK}` },
      CONSUMER_DIR,
    );
    await project.pulumiOk(["up", "--yes", "--stack", consumerStack], { cwd: CONSUMER_DIR });
    const outputs = await project.outputs(consumerStack, false, CONSUMER_DIR);
    assert.equal(outputs.sentinelEndpoint, `${RELEASE}.${NAMESPACE}.svc.cluster.local:26379`);
    assert.equal(outputs.namespace, NAMESPACE);

    const secret = await k.core.readNamespacedSecret({
      name: String(outputs.passwordSecretName),
      namespace: NAMESPACE,
    });
    const stored = Buffer.from(secret.data?.["redis-password"] ?? "", "base64").toString();
    assert.equal(stored, password);
    // It gets the CA to verify the servers with (a ConfigMap its pods mount).
    const configMaps = await k.core.listNamespacedConfigMap({
      namespace: NAMESPACE,
      labelSelector: "app.kubernetes.io/name=redis-consumer",
    });
    assert.deepEqual(
      configMaps.items.map((c) => c.data?.["ca.crt"]),
      [caCertificate],
    );
    // The consumer's own state holds the password only encrypted.
    const exported = await project.pulumiOk(["stack", "export", "--stack", consumerStack], {
      cwd: CONSUMER_DIR,
    });
    assert.ok(!exported.stdout.includes(password), "plaintext password in the consumer state");
    const deployment = await eventually("the client to be available", async () => {
      const d = await k.apps.readNamespacedDeployment({
        name: String(outputs.deploymentName),
        namespace: NAMESPACE,
      });
      return (d.status?.availableReplicas ?? 0) >= 1 ? d : undefined;
    });
    assert.equal(
      deployment.spec?.template.metadata?.labels?.["andyredis/redis-client"],
      "true",
      "the client carries the label the NetworkPolicy admits",
    );
    await project.pulumiOk(["destroy", "--yes", "--remove", "--stack", consumerStack], {
      cwd: CONSUMER_DIR,
    });
  });

  it("pulumi destroy leaves nothing of the release, and no namespace", async () => {
    await project.pulumiOk(["destroy", "--yes", "--stack", STACK]);
    await namespaceDeleted(k, NAMESPACE);
    // With the namespace, every object in it is gone; the PVCs' volumes are released.
    const pvcs = await k.core.listPersistentVolumeClaimForAllNamespaces();
    assert.deepEqual(
      pvcs.items.map((c) => c.metadata?.name),
      [],
    );
    const releaseSecrets = await k.core.listSecretForAllNamespaces({ labelSelector: "owner=helm" });
    assert.deepEqual(
      releaseSecrets.items.map((s) => s.metadata?.name),
      [],
    );
    const pods = await k.core.listPodForAllNamespaces({
      labelSelector: "app.kubernetes.io/instance=redis",
    });
    assert.deepEqual(
      pods.items.map((p) => p.metadata?.name),
      [],
    );
  });

  it("never printed a secret", () => {
    assert.ok(password !== "", "the password was never read");
    assert.ok(ownPrivateKey !== "", "the own certificates' step never ran");
    assertNoSecretPrinted({
      "redis password": password,
      passphrase: project.passphrase,
      // Each line of the key's body, so that a part of it printed is found too.
      ...Object.fromEntries(
        ownPrivateKey
          .split("\n")
          .filter((line) => line.length > 0 && !line.startsWith("-----"))
          .map((line, i) => [`TLS private key line ${i + 1}`, line]),
      ),
    });
  });
});
