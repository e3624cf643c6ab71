import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { POSTRENDER } from "../../components/redis";
import { parseConfig } from "../../lib/config/parse";
import * as YAML from "yaml";

import {
  dropChartRbac,
  labelPushRbac,
  LABEL_PUSH_VERBS,
  postRender,
  TOKEN_MOUNT_PATH,
  tokenOnlyForLabelPush,
} from "../../lib/redis/rbac";
import { referenceChartFile } from "../helpers/chart";
import { PROJECT_DIR, STACK_CONTEXT, withApiAccess } from "../helpers/program";

/** A manifest laid out as Helm renders one: `---`, `# Source: <chart>/<template>`, the object. */
function doc(source: string, kind: string, name: string): string {
  return `---\n# Source: redis/${source}\napiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;
}

describe("lib/redis/rbac: the label push's Role", () => {
  it("grants list and patch on the StatefulSet's own pods only, for the chart's ServiceAccount", () => {
    const cfg = parseConfig(
      withApiAccess({ redisReleaseName: "cache", redisNodes: "3" }),
      STACK_CONTEXT,
    ).redis;
    const rbac = labelPushRbac(cfg);
    assert.deepEqual(rbac, {
      roleName: "cache-master-label",
      serviceAccountName: "cache",
      rules: [
        {
          apiGroups: [""],
          resources: ["pods"],
          resourceNames: ["cache-node-0", "cache-node-1", "cache-node-2"],
          verbs: ["list", "patch"],
        },
      ],
    });
  });

  it("is not needed without the master Service", () => {
    const cfg = parseConfig(withApiAccess({ redisMasterService: "false" }), STACK_CONTEXT).redis;
    assert.equal(labelPushRbac(cfg), undefined);
  });

  it("matches what the chart's label push script calls: kubectl label pod by metadata.name", () => {
    const script = referenceChartFile("templates/scripts-configmap.yaml");
    const calls = script.match(/kubectl [a-z]+ [a-z]+/g) ?? [];
    assert.deepEqual([...new Set(calls)], ["kubectl label pod"]);
    // `kubectl label` with a field selector lists, then patches what it found.
    assert.match(script, /kubectl label pod --field-selector="\$selector_key=/);
    assert.match(script, /selector_key="metadata\.name"/);
    assert.deepEqual([...LABEL_PUSH_VERBS], ["list", "patch"]);
    // The chart's own Role: the same verbs on every pod of the namespace (what we replace).
    const role = referenceChartFile("templates/role.yaml");
    assert.match(role, /resources: \["pods"\]\n\s+verbs: \["list", "patch"\]/);
  });
});

/** The node StatefulSet as chart 23.1.1 renders it with the master Service: the token for all. */
const NODE_STATEFULSET = `---
# Source: redis/templates/sentinel/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis-node
spec:
  template:
    spec:
      automountServiceAccountToken: true
      serviceAccountName: redis
      containers:
        - name: redis
          volumeMounts:
            - name: redis-data
              mountPath: /data
          env:
            - name: REDIS_TLS_ENABLED
              value: "yes"
            - name: REDIS_TLS_PORT
              value: "6379"
        - name: sentinel
        - name: kubectl-shared
          volumeMounts:
            - name: kubectl-shared
              mountPath: /etc/shared
      volumes:
        - name: kubectl-shared
          emptyDir: {}
        - name: start-scripts
          configMap:
            name: redis-scripts
            defaultMode: 0755
`;

interface RenderedPod {
  automountServiceAccountToken?: boolean;
  containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
  volumes: { name: string; projected?: { sources: Record<string, unknown>[] } }[];
}
const podOf = (manifest: string): RenderedPod =>
  YAML.parseAllDocuments(manifest, { version: "1.1" })
    .map((d) => d.toJSON() as { kind?: string; spec?: { template: { spec: RenderedPod } } })
    .find((d) => d?.kind === "StatefulSet")?.spec?.template.spec as RenderedPod;

describe("lib/redis/rbac: the service account token in the label push only", () => {
  it("turns the pod's automount off and mounts the token into kubectl-shared alone", () => {
    const pod = podOf(tokenOnlyForLabelPush(NODE_STATEFULSET));
    assert.equal(pod.automountServiceAccountToken, false);
    const withToken = pod.containers
      .filter((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH))
      .map((c) => c.name);
    assert.deepEqual(withToken, ["kubectl-shared"]);
    const volume = pod.volumes.find((v) => v.projected !== undefined);
    assert.deepEqual(
      volume?.projected?.sources.map((source) => Object.keys(source)[0]),
      ["serviceAccountToken", "configMap", "downwardAPI"],
    );
    // What was there stays.
    assert.deepEqual(pod.containers.find((c) => c.name === "redis")?.volumeMounts, [
      { name: "redis-data", mountPath: "/data" },
    ]);
  });

  it("reads and writes YAML as the API server does: quoted yes stays a string, 0755 is octal", () => {
    const out = tokenOnlyForLabelPush(NODE_STATEFULSET);
    const env = JSON.stringify(podOf(out).containers.find((c) => c.name === "redis"));
    assert.ok(env.includes('{"name":"REDIS_TLS_ENABLED","value":"yes"}'), env);
    assert.ok(env.includes('{"name":"REDIS_TLS_PORT","value":"6379"}'), env);
    // Read back as YAML 1.1 (what Helm's and the API server's parsers speak).
    const reread = YAML.parseAllDocuments(out, { version: "1.1" })
      .map((d) => d.toJSON() as { spec?: { template: { spec: RenderedPod } } })
      .find((d) => d?.spec !== undefined);
    const scripts = reread?.spec?.template.spec.volumes.find((v) => v.name === "start-scripts");
    assert.deepEqual(scripts, {
      name: "start-scripts",
      configMap: { name: "redis-scripts", defaultMode: 0o755 },
    });
  });

  it("gives the same result when run twice, and leaves other documents byte for byte", () => {
    const other = doc("templates/networkpolicy.yaml", "NetworkPolicy", "redis");
    const once = tokenOnlyForLabelPush(other + NODE_STATEFULSET);
    assert.ok(once.startsWith(other));
    assert.deepEqual(podOf(tokenOnlyForLabelPush(once)), podOf(once));
  });

  it("refuses a StatefulSet without the label push container, naming it", () => {
    assert.throws(
      () =>
        tokenOnlyForLabelPush(
          NODE_STATEFULSET.replace(
            "kubectl-shared\n          volumeMounts",
            "other\n          volumeMounts",
          ),
        ),
      /no kubectl-shared container/,
    );
  });

  it("matches the chart: the kubectl-shared container exists exactly when the master Service does", () => {
    const template = referenceChartFile("templates/sentinel/statefulset.yaml");
    assert.match(
      template,
      /if or \.Values\.sentinel\.masterService\.enabled \.Values\.sentinel\.service\.createMaster \}\}\n\s+- name: kubectl-shared\n\s+image:/,
    );
    assert.match(
      template,
      /automountServiceAccountToken: \{\{ \.Values\.replica\.automountServiceAccountToken \}\}/,
    );
  });
});

describe("lib/redis/rbac: the post-renderer", () => {
  const manifest =
    doc("templates/serviceaccount.yaml", "ServiceAccount", "redis") +
    doc("templates/role.yaml", "Role", "redis") +
    doc("templates/rolebinding.yaml", "RoleBinding", "redis") +
    NODE_STATEFULSET +
    doc("templates/networkpolicy.yaml", "NetworkPolicy", "redis");

  it("drops the chart's Role and RoleBinding and keeps every other document as it was", () => {
    const out = dropChartRbac(manifest);
    assert.equal(
      out,
      doc("templates/serviceaccount.yaml", "ServiceAccount", "redis") +
        NODE_STATEFULSET +
        doc("templates/networkpolicy.yaml", "NetworkPolicy", "redis"),
    );
  });

  it("keeps a Role that another template renders, and leaves a manifest without RBAC unchanged", () => {
    const other = doc("templates/extra-list.yaml", "Role", "extra");
    assert.equal(dropChartRbac(other), other);
    const plain = doc("templates/secret.yaml", "Secret", "s");
    assert.equal(dropChartRbac(plain), plain);
  });

  it("runs as an executable Helm post-renderer: stdin to stdout", function () {
    this.timeout(30_000);
    assert.equal(POSTRENDER, path.join(PROJECT_DIR, "cli", "helm-postrender"));
    fs.accessSync(POSTRENDER, fs.constants.X_OK);
    const run = spawnSync(POSTRENDER, [], { input: manifest, encoding: "utf8", cwd: "/" });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, postRender(manifest));
    assert.doesNotMatch(run.stdout, /kind: Role/);
    assert.equal(podOf(run.stdout).automountServiceAccountToken, false);
  });
});
