/**
 * Step a of the destroy hook (the release's PVCs): the plan as a pure function, the step against
 * a fake KubeApi (the order of patches and deletions, the waits, the no-op cases), and the small
 * HTTP client against a local fake API server (paths, auth, the exec credential plugin).
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { kubeApiFromKubeconfig, resolveKubeconfig } from "../../lib/cleanup/kubeClient";
import {
  clusterVolumeView,
  planPvcStep,
  runKubernetesStep,
  type KubeApi,
  type PvcInfo,
  type PvInfo,
} from "../../lib/cleanup/kubernetes";
import type { CleanupSettings } from "../../lib/cleanup/types";
import type { VolumeCleanupMode } from "../../lib/configTypes";
import { fakeClock } from "../helpers/clock";

const pvc = (n: number, pv?: string): PvcInfo => ({
  namespace: "redis",
  name: `redis-data-redis-node-${n}`,
  volumeName: pv,
});
const pv = (name: string, reclaimPolicy = "Delete"): PvInfo => ({
  name,
  reclaimPolicy,
  volumeHandle: `vol-${name}`,
});

describe("cleanup Kubernetes step: the plan", () => {
  const pvcs = [pvc(0, "pv-0"), pvc(1, "pv-1"), pvc(2, "pv-2"), pvc(3)];
  const pvs = new Map([
    ["pv-0", pv("pv-0")],
    ["pv-1", pv("pv-1", "Retain")],
    ["pv-2", pv("pv-2")],
  ]);

  it("delete mode: deletes the PVCs, waits for Delete PVs, removes Retain PV objects", () => {
    assert.deepEqual(planPvcStep(pvcs, pvs, "delete"), [
      { op: "delete-pvc", pvc: "redis-data-redis-node-0" },
      { op: "delete-pvc", pvc: "redis-data-redis-node-1" },
      { op: "delete-pvc", pvc: "redis-data-redis-node-2" },
      { op: "delete-pvc", pvc: "redis-data-redis-node-3" },
      { op: "wait-pv-gone", pv: "pv-0" },
      { op: "delete-pv", pv: "pv-1" },
      { op: "wait-pv-gone", pv: "pv-2" },
    ]);
  });

  for (const mode of ["snapshot", "retain"] as VolumeCleanupMode[]) {
    it(`${mode} mode: every reclaim patch comes before the first PVC deletion, nothing waits`, () => {
      const ops = planPvcStep(pvcs, pvs, mode);
      const lastPatch = ops.map((o) => o.op).lastIndexOf("patch-reclaim-retain");
      const firstDelete = ops.findIndex((o) => o.op === "delete-pvc");
      assert.ok(lastPatch >= 0 && lastPatch < firstDelete);
      assert.deepEqual(
        ops.filter((o) => o.op === "patch-reclaim-retain"),
        [
          { op: "patch-reclaim-retain", pv: "pv-0" },
          { op: "patch-reclaim-retain", pv: "pv-2" },
        ],
        "a PV already Retain is not patched",
      );
      assert.ok(!ops.some((o) => o.op === "wait-pv-gone"));
      assert.equal(ops.filter((o) => o.op === "delete-pv").length, 3);
    });
  }

  it("no PVCs: nothing to do", () => {
    assert.deepEqual(planPvcStep([], new Map(), "snapshot"), []);
  });
});

/** An in-memory cluster that records every call. */
class FakeKube implements KubeApi {
  calls: string[] = [];
  pvcs = new Map<string, PvcInfo>();
  pvs = new Map<string, PvInfo>();
  namespaces = new Set(["redis"]);
  /** PVs the "CSI driver" deletes after this many polls once their PVC is gone. */
  pvDeletedAfterPolls = 1;
  ignorePatches = false;
  /** Deleted PVCs stay listed (Terminating, a pod still using them) for this many listings. */
  pvcGoneAfterListings = 0;
  private terminating = new Map<string, { pvc: PvcInfo; listings: number }>();
  private polls = new Map<string, number>();

  async namespaceExists(ns: string): Promise<boolean> {
    this.calls.push(`ns ${ns}`);
    return this.namespaces.has(ns);
  }
  async listPvcs(ns: string, selector: string): Promise<PvcInfo[]> {
    this.calls.push(`list ${ns} ${selector}`);
    for (const [key, t] of this.terminating) {
      if (t.listings++ >= this.pvcGoneAfterListings) this.terminating.delete(key);
    }
    const lingering = [...this.terminating.values()].map((t) => t.pvc);
    return [...this.pvcs.values(), ...lingering].filter((p) => p.namespace === ns);
  }
  async listAllPvcs(): Promise<PvcInfo[]> {
    return [...this.pvcs.values(), ...[...this.terminating.values()].map((t) => t.pvc)];
  }
  async listPvs(): Promise<PvInfo[]> {
    return [...this.pvs.values()];
  }
  async getPv(name: string): Promise<PvInfo | undefined> {
    const p = this.pvs.get(name);
    const claimed = [...this.pvcs.values()].some((c) => c.volumeName === name);
    if (p && !claimed && p.reclaimPolicy === "Delete") {
      const n = (this.polls.get(name) ?? 0) + 1;
      this.polls.set(name, n);
      if (n > this.pvDeletedAfterPolls) {
        this.pvs.delete(name);
        return undefined;
      }
    }
    return p;
  }
  async setPvReclaimPolicy(name: string, policy: "Retain"): Promise<void> {
    this.calls.push(`patch ${name}`);
    const p = this.pvs.get(name);
    if (p && !this.ignorePatches) this.pvs.set(name, { ...p, reclaimPolicy: policy });
  }
  async deletePvc(ns: string, name: string): Promise<void> {
    this.calls.push(`delete-pvc ${name}`);
    const c = this.pvcs.get(`${ns}/${name}`);
    this.pvcs.delete(`${ns}/${name}`);
    if (c && this.pvcGoneAfterListings > 0) {
      this.terminating.set(`${ns}/${name}`, { pvc: c, listings: 0 });
    }
    // What the controller does: a PV with Delete loses its volume, one with Retain stays.
    const p = c?.volumeName ? this.pvs.get(c.volumeName) : undefined;
    if (p && p.reclaimPolicy !== "Delete") this.calls.push(`kept ${p.name}`);
  }
  async deletePv(name: string): Promise<void> {
    this.calls.push(`delete-pv ${name}`);
    this.pvs.delete(name);
  }
  async objectExists(kind: string, ns: string, name: string): Promise<boolean> {
    return kind === "service" && ns === "redis" && name === "live";
  }
}

describe("cleanup Kubernetes step: against a fake API", () => {
  const settings = (mode: VolumeCleanupMode, timeoutSeconds = 60): CleanupSettings => ({
    region: "us-east-1",
    kubeconfig: "apiVersion: v1",
    stackTag: "org/proj/dev",
    vpcId: "vpc-0000000000000001",
    clusterName: "c1",
    namespace: "redis",
    releaseName: "redis",
    mode,
    timeoutSeconds,
  });
  const wait = () => ({ clock: fakeClock(), pollMs: 2000, timeoutMs: 60_000 });
  let kube: FakeKube;
  let logs: string[];

  beforeEach(() => {
    kube = new FakeKube();
    logs = [];
    for (let i = 0; i < 3; i++) {
      kube.pvcs.set(`redis/redis-data-redis-node-${i}`, pvc(i, `pv-${i}`));
      kube.pvs.set(`pv-${i}`, pv(`pv-${i}`));
    }
  });
  const log = (m: string): void => {
    logs.push(m);
  };

  it("snapshot mode: patches every PV to Retain before deleting any PVC; no volume is lost", async () => {
    const r = await runKubernetesStep(kube, settings("snapshot"), log, wait());
    const firstDelete = kube.calls.findIndex((c) => c.startsWith("delete-pvc"));
    const patches = kube.calls
      .map((c, i) => [c, i] as const)
      .filter(([c]) => c.startsWith("patch"));
    assert.equal(patches.length, 3);
    assert.ok(
      patches.every(([, i]) => i < firstDelete),
      kube.calls.join("\n"),
    );
    assert.equal(kube.calls.filter((c) => c.startsWith("kept")).length, 3);
    assert.deepEqual([...r.report.pvsPatchedToRetain].sort(), ["pv-0", "pv-1", "pv-2"]);
    assert.ok(kube.calls.includes("list redis app.kubernetes.io/instance=redis"));
  });

  it("stops before deleting any PVC when a patch did not take", async () => {
    kube.ignorePatches = true;
    await assert.rejects(
      runKubernetesStep(kube, settings("retain"), log, wait()),
      /still has reclaim policy Delete/,
    );
    assert.ok(!kube.calls.some((c) => c.startsWith("delete-pvc")));
  });

  it("delete mode: deletes the PVCs and waits until the CSI driver removed their PVs", async () => {
    kube.pvDeletedAfterPolls = 2;
    const r = await runKubernetesStep(kube, settings("delete"), log, wait());
    assert.equal(r.report.pvcsDeleted.length, 3);
    assert.equal(kube.pvs.size, 0);
    assert.ok(!kube.calls.some((c) => c.startsWith("patch")));
    assert.ok(logs.some((l) => /waiting for 3 PV\(s\)/.test(l)));
  });

  it("delete mode: a PV that never goes fails the step after the timeout, naming it and its volume", async () => {
    kube.pvDeletedAfterPolls = Number.MAX_SAFE_INTEGER;
    await assert.rejects(
      runKubernetesStep(kube, settings("delete", 60), log, wait()),
      /PV\(s\) not deleted by the EBS CSI driver after 60s: pv-0 \(vol-pv-0\), pv-1 \(vol-pv-1\), pv-2 \(vol-pv-2\)/,
    );
  });

  it("waits for deleted PVCs that linger (Terminating), so the volume step never sees them live", async () => {
    kube.pvcGoneAfterListings = 2;
    const r = await runKubernetesStep(kube, settings("snapshot"), log, wait());
    assert.ok(
      logs.some((l) => /waiting for 3 PVC\(s\) to be deleted/.test(l)),
      logs.join("\n"),
    );
    assert.deepEqual([...(r.volumeView.livePvcs ?? [])], []);
  });

  it("a PVC still terminating at the timeout fails the step, naming it", async () => {
    kube.pvcGoneAfterListings = Number.MAX_SAFE_INTEGER;
    await assert.rejects(
      runKubernetesStep(kube, settings("retain", 60), log, wait()),
      /PVC\(s\) still terminating after 60s: redis\/redis-data-redis-node-0, .*kubectl get pods -n redis/s,
    );
  });

  it("no kubeconfig, the skip switch, or a namespace already gone: a no-op", async () => {
    const none = await runKubernetesStep(undefined, settings("delete"), log, wait());
    assert.equal(none.report.skipped, "no kubeconfig");
    assert.deepEqual(none.volumeView, {}, "no cluster: nothing counts as live");
    const off = await runKubernetesStep(kube, settings("delete"), log, wait(), {
      ANDYREDIS_CLEANUP_SKIP_KUBERNETES: "true",
    });
    assert.match(off.report.skipped ?? "", /SKIP_KUBERNETES/);
    kube.namespaces.clear();
    const gone = await runKubernetesStep(kube, settings("delete"), log, wait());
    assert.match(gone.report.skipped ?? "", /namespace redis does not exist/);
    assert.ok(gone.volumeView.livePvcs, "the cluster answers: live PVCs are still protected");
    assert.ok(!kube.calls.some((c) => c.startsWith("delete")));
  });

  it("an unreachable API fails with what to do", async () => {
    kube.namespaceExists = async () => {
      throw new Error("connect ECONNREFUSED");
    };
    await assert.rejects(
      runKubernetesStep(kube, settings("delete"), log, wait()),
      /could not reach the Kubernetes API: connect ECONNREFUSED[\s\S]*ANDYREDIS_CLEANUP_SKIP_KUBERNETES=true/,
    );
  });

  it("answers which PVCs and load balancer owners are still live", async () => {
    kube.pvcs.set("apps/data-0", { namespace: "apps", name: "data-0" });
    const r = await runKubernetesStep(kube, settings("delete"), log, wait());
    assert.equal(r.volumeView.livePvcs?.has("apps/data-0"), true);
    assert.equal(r.volumeView.livePvcs?.has("redis/redis-data-redis-node-0"), false);
    assert.deepEqual(
      [...(r.volumeView.releaseClaims ?? [])].sort(),
      [0, 1, 2].map((i) => `redis/redis-data-redis-node-${i}`),
    );
    assert.equal(await r.ownerIsLive?.("service/redis/live"), true);
    assert.equal(await r.ownerIsLive?.("service/redis/gone"), false);
    assert.equal(await r.ownerIsLive?.(undefined), true, "unknown owner: left alone");
    assert.equal(await r.ownerIsLive?.("ingress-group/g"), true);
  });
});

describe("cleanup Kubernetes step: PVs that keep a volume out of the release's cleanup", () => {
  it("lists every PV outside the release that refers to an EBS volume", async () => {
    const kube = new FakeKube();
    const add = (p: PvInfo): void => void kube.pvs.set(p.name, p);
    // A monitoring volume kept on purpose: Retain, Released, its claim gone.
    add({ ...pv("pv-mon", "Retain"), claim: "monitoring/prometheus-data-0", phase: "Released" });
    // The release's own PV (left over by a failed run): never a reason to keep its volume.
    add({ ...pv("pv-rel", "Retain"), claim: "redis/redis-data-redis-node-1", phase: "Released" });
    // Pre-provisioned for nobody yet, and a non-EBS PV.
    add({ ...pv("pv-free"), phase: "Available" });
    add({ name: "pv-nfs", reclaimPolicy: "Retain", claim: "apps/nfs" });
    const view = await clusterVolumeView(
      kube,
      { namespace: "redis", releaseName: "redis" },
      new Set(),
    );
    assert.deepEqual(Object.fromEntries(view.foreignPvs ?? new Map()), {
      "vol-pv-mon": ["PV pv-mon (claim monitoring/prometheus-data-0, Released)"],
      "vol-pv-free": ["PV pv-free (claim none, Available)"],
    });
  });
});

describe("cleanup Kubernetes step: the HTTP client", () => {
  let server: http.Server;
  let base: string;
  const requests: { method: string; url: string; auth?: string; type?: string; body: string }[] =
    [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        requests.push({
          method: req.method ?? "",
          url: req.url ?? "",
          auth: req.headers.authorization,
          type: req.headers["content-type"],
          body,
        });
        const send = (status: number, obj: unknown): void => {
          res.writeHead(status, { "Content-Type": "application/json" });
          res.end(JSON.stringify(obj));
        };
        const url = req.url ?? "";
        if (url === "/api/v1/namespaces/redis") return send(200, { metadata: { name: "redis" } });
        if (url.startsWith("/api/v1/namespaces/redis/persistentvolumeclaims?")) {
          return send(200, {
            items: [
              { metadata: { name: "redis-data-redis-node-0" }, spec: { volumeName: "pv-0" } },
              { metadata: { name: "pending" }, spec: {} },
            ],
          });
        }
        if (url === "/api/v1/persistentvolumes") {
          return send(200, {
            items: [
              {
                metadata: { name: "pv-0" },
                spec: {
                  persistentVolumeReclaimPolicy: "Retain",
                  csi: { volumeHandle: "vol-0" },
                  claimRef: { namespace: "redis", name: "redis-data-redis-node-0" },
                },
                status: { phase: "Bound" },
              },
            ],
          });
        }
        if (url === "/api/v1/persistentvolumeclaims") {
          return send(200, {
            items: [{ metadata: { namespace: "apps", name: "data-0" }, spec: {} }],
          });
        }
        if (url === "/api/v1/persistentvolumes/pv-9x") return send(500, { message: "boom" });
        if (url === "/api/v1/persistentvolumes/pv-0") {
          return send(200, {
            spec: { persistentVolumeReclaimPolicy: "Retain", csi: { volumeHandle: "vol-0" } },
          });
        }
        if (req.method === "DELETE") return send(404, { kind: "Status" });
        if (url === "/api/v1/namespaces/redis/services/metrics") return send(200, {});
        if (url === "/api/v1/namespaces/x/persistentvolumeclaims/y")
          return send(500, { message: "boom" });
        return send(404, { kind: "Status" });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const kubeconfig = (user: string): string => `
apiVersion: v1
kind: Config
current-context: ctx
clusters:
  - name: c
    cluster:
      server: ${base}/
      certificate-authority-data: ${Buffer.from("CA").toString("base64")}
contexts:
  - name: ctx
    context: { cluster: c, user: u }
users:
  - name: u
    user: ${user}
`;

  it("resolves the current context of a kubeconfig", () => {
    const cfg = resolveKubeconfig(kubeconfig("{ token: abc }"));
    assert.equal(cfg.server, base);
    assert.equal(cfg.ca, "CA");
    assert.equal(cfg.user.token, "abc");
    assert.throws(
      () => resolveKubeconfig("current-context: nope\ncontexts: []"),
      /current-context "nope" not found/,
    );
  });

  it("makes the calls of the step, with a bearer token", async () => {
    requests.length = 0;
    const api = kubeApiFromKubeconfig(kubeconfig("{ token: abc }"));
    assert.equal(await api.namespaceExists("redis"), true);
    assert.equal(await api.namespaceExists("gone"), false);
    assert.deepEqual(await api.listPvcs("redis", "app.kubernetes.io/instance=redis"), [
      { namespace: "redis", name: "redis-data-redis-node-0", volumeName: "pv-0" },
      { namespace: "redis", name: "pending", volumeName: undefined },
    ]);
    assert.deepEqual(await api.getPv("pv-0"), {
      name: "pv-0",
      reclaimPolicy: "Retain",
      volumeHandle: "vol-0",
      claim: undefined,
      phase: undefined,
    });
    assert.deepEqual(await api.listPvs(), [
      {
        name: "pv-0",
        reclaimPolicy: "Retain",
        volumeHandle: "vol-0",
        claim: "redis/redis-data-redis-node-0",
        phase: "Bound",
      },
    ]);
    assert.deepEqual(await api.listAllPvcs(), [{ namespace: "apps", name: "data-0" }]);
    assert.equal(await api.getPv("pv-9"), undefined);
    await api.setPvReclaimPolicy("pv-0", "Retain").catch(() => undefined);
    await api.deletePvc("redis", "redis-data-redis-node-0"); // 404: already gone, fine
    await api.deletePv("pv-0");
    assert.equal(await api.objectExists("service", "redis", "metrics"), true);
    assert.equal(await api.objectExists("ingress", "redis", "web"), false);
    await assert.rejects(api.getPv("pv-9x"), /HTTP 500/);

    assert.ok(requests.every((r) => r.auth === "Bearer abc"));
    const list = requests.find((r) => r.url.includes("persistentvolumeclaims?"));
    assert.equal(
      list?.url,
      "/api/v1/namespaces/redis/persistentvolumeclaims?labelSelector=app.kubernetes.io%2Finstance%3Dredis",
    );
    const patch = requests.find((r) => r.method === "PATCH");
    assert.equal(patch?.type, "application/merge-patch+json");
    assert.deepEqual(JSON.parse(patch?.body ?? "{}"), {
      spec: { persistentVolumeReclaimPolicy: "Retain" },
    });
    assert.ok(
      requests.some((r) => r.url === "/apis/networking.k8s.io/v1/namespaces/redis/ingresses/web"),
    );
  });

  it("gets its token from an exec credential plugin, as EKS kubeconfigs do", async () => {
    requests.length = 0;
    const script = `process.stdout.write(JSON.stringify({apiVersion:"client.authentication.k8s.io/v1beta1",kind:"ExecCredential",status:{token:"k8s-aws-v1."+process.env.CLUSTER}}))`;
    const user = JSON.stringify({
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: process.execPath,
        args: ["-e", script],
        env: [{ name: "CLUSTER", value: "c1" }],
      },
    });
    const api = kubeApiFromKubeconfig(kubeconfig(user));
    await api.namespaceExists("redis");
    await api.namespaceExists("redis");
    assert.deepEqual(
      requests.map((r) => r.auth),
      ["Bearer k8s-aws-v1.c1", "Bearer k8s-aws-v1.c1"],
    );
  });
});
