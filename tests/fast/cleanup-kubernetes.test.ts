/**
 * Step a of the destroy hook (the release's PVCs): the plan as a pure function, the step against
 * a fake KubeApi (the order of patches and deletions, the waits, the no-op cases), and the small
 * HTTP client against a local fake API server (paths, auth, the exec credential plugin).
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { kubeApiFromKubeconfig, resolveKubeconfig } from "../../lib/cleanup/io/kubeClient";
import {
  clusterVolumeView,
  planPvcStep,
  runKubernetesStep,
  type KubeApi,
  type PvcInfo,
  type PvInfo,
} from "../../lib/cleanup/kubernetes";
import {
  ClusterGoneError,
  isClusterGone,
  KUBE_RETRY_POLICY,
  KubeApiError,
  kubeFailureKind,
  withKubeRetry,
} from "../../lib/cleanup/retry";
import type { CleanupSettings } from "../../lib/cleanup/hookTypes";
import type { VolumeCleanupMode } from "../../lib/config/configTypes";
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
      /could not use the Kubernetes API: connect ECONNREFUSED[\s\S]*ANDYREDIS_CLEANUP_SKIP_KUBERNETES=true/,
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
    const api = kubeApiFromKubeconfig(kubeconfig("{ token: abc }"), { clock: fakeClock() });
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
    await assert.rejects(api.getPv("pv-9x"), /HTTP 500[\s\S]*gave up after 8 attempts/);

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

describe("cleanup Kubernetes step: retries, and when the cluster counts as gone", () => {
  it("classifies failures: gone, transient, refused", () => {
    const cases: [Parameters<typeof kubeFailureKind>[0], string][] = [
      [{ code: "ECONNREFUSED" }, "gone"],
      [{ code: "ENOTFOUND" }, "gone"],
      [{ code: "ECONNRESET" }, "transient"],
      [{ code: "ETIMEDOUT" }, "transient"],
      [{ code: "EAI_AGAIN" }, "transient"],
      [{ code: "REQUEST_TIMEOUT" }, "transient"],
      [{ code: "DEPTH_ZERO_SELF_SIGNED_CERT" }, "refused"],
      [{ status: 429 }, "transient"],
      [{ status: 500 }, "transient"],
      [{ status: 503 }, "transient"],
      [{ status: 401 }, "refused"],
      [{ status: 403, body: '{"kind":"Status","reason":"Forbidden"}' }, "refused"],
      [{ status: 404, body: '{"kind":"Status","reason":"NotFound"}' }, "refused"],
      [{ status: 404, body: "default backend - 404" }, "gone"],
      [{ status: 409, body: '{"kind":"Status"}' }, "refused"],
    ];
    for (const [failure, kind] of cases) {
      assert.equal(kubeFailureKind(failure), kind, JSON.stringify(failure));
    }
  });

  it("retries transient failures with backoff, and gives up after the policy's attempts", async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await withKubeRetry(
      "GET x",
      async () => {
        calls++;
        if (calls < 3) throw new KubeApiError("HTTP 503", "transient");
        return "ok";
      },
      clock,
    );
    assert.equal(value, "ok");
    assert.deepEqual(clock.slept, [500, 1000]);

    const always = fakeClock();
    await assert.rejects(
      withKubeRetry(
        "GET y",
        async () => {
          throw new KubeApiError("HTTP 429", "transient", 3);
        },
        always,
      ),
      /GET y: HTTP 429 \(gave up after 8 attempts\)/,
    );
    // Retry-After (3 s) wins over a shorter backoff; the cap holds.
    assert.deepEqual(always.slept, [3000, 3000, 3000, 4000, 8000, 16000, 20000]);
  });

  it("a refusal fails at once; a gone signal counts only once it lasted goneAfterMs", async () => {
    const clock = fakeClock();
    let calls = 0;
    await assert.rejects(
      withKubeRetry(
        "GET z",
        async () => {
          calls++;
          throw new KubeApiError("HTTP 403", "refused");
        },
        clock,
      ),
      (err: unknown) => !isClusterGone(err) && /HTTP 403/.test(String(err)),
    );
    assert.equal(calls, 1);
    assert.deepEqual(clock.slept, []);

    const gone = fakeClock();
    const err = await withKubeRetry(
      "GET /api",
      async () => {
        throw new KubeApiError("connect ECONNREFUSED", "gone");
      },
      gone,
    ).catch((e: unknown) => e);
    assert.ok(err instanceof ClusterGoneError, String(err));
    assert.ok(gone.now() >= KUBE_RETRY_POLICY.goneAfterMs, `gave up after ${gone.now()} ms`);

    // An API server that comes back within the window is not gone.
    const back = fakeClock();
    let n = 0;
    assert.equal(
      await withKubeRetry(
        "GET /api",
        async () => {
          if (++n < 5) throw new KubeApiError("connect ECONNREFUSED", "gone");
          return 1;
        },
        back,
      ),
      1,
    );
  });

  describe("the HTTP client against a throttling, failing and vanishing API server", () => {
    let server: http.Server;
    let base: string;
    const hits = new Map<string, number>();

    before(async () => {
      server = http.createServer((req, res) => {
        const url = req.url ?? "";
        const hit = (hits.get(url) ?? 0) + 1;
        hits.set(url, hit);
        const status = (code: number, headers: Record<string, string> = {}): void => {
          res.writeHead(code, { "Content-Type": "application/json", ...headers });
          res.end(JSON.stringify({ kind: "Status", code }));
        };
        req.resume();
        req.on("end", () => {
          if (url === "/api/v1/namespaces/throttled") {
            return hit <= 2 ? status(429, { "Retry-After": "2" }) : status(200);
          }
          if (url === "/api/v1/namespaces/flaky") return hit === 1 ? status(503) : status(200);
          if (url === "/api/v1/namespaces/forbidden") return status(403);
          if (url === "/api/v1/namespaces/proxied") {
            res.writeHead(404, { "Content-Type": "text/plain" });
            return res.end("default backend - 404");
          }
          return status(404);
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    const kubeconfigFor = (server: string): string =>
      JSON.stringify({
        "current-context": "c",
        clusters: [{ name: "c", cluster: { server } }],
        users: [{ name: "u", user: { token: "t" } }],
        contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      });

    it("rides out throttling (honouring Retry-After) and a 503; a 403 fails at once", async () => {
      const clock = fakeClock();
      const api = kubeApiFromKubeconfig(kubeconfigFor(base), { clock });
      assert.equal(await api.namespaceExists("throttled"), true);
      assert.equal(hits.get("/api/v1/namespaces/throttled"), 3);
      assert.deepEqual(clock.slept, [2000, 2000]);
      assert.equal(await api.namespaceExists("flaky"), true);
      assert.equal(await api.namespaceExists("missing"), false, "the API server's own 404");
      await assert.rejects(api.namespaceExists("forbidden"), /HTTP 403/);
      assert.equal(hits.get("/api/v1/namespaces/forbidden"), 1);
    });

    it("a 404 that is not the API server's counts as gone, not as a missing namespace", async () => {
      const api = kubeApiFromKubeconfig(kubeconfigFor(base), { clock: fakeClock() });
      await assert.rejects(api.namespaceExists("proxied"), ClusterGoneError);
    });

    const settings: CleanupSettings = {
      region: "us-east-1",
      kubeconfig: "",
      stackTag: "org/proj/dev",
      vpcId: "vpc-0000000000000001",
      clusterName: "c1",
      namespace: "forbidden",
      releaseName: "redis",
      mode: "delete",
      timeoutSeconds: 60,
    };
    const wait = () => ({ clock: fakeClock(), pollMs: 2000, timeoutMs: 60_000 });

    it("the step goes on without a cluster that refuses connections, after the gone window", async () => {
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const clock = fakeClock();
      const api = kubeApiFromKubeconfig(kubeconfigFor(`http://127.0.0.1:${port}`), { clock });
      const logs: string[] = [];
      const r = await runKubernetesStep(api, settings, (m) => logs.push(m), wait());
      assert.match(r.report.skipped ?? "", /the cluster is gone \(.*ECONNREFUSED/);
      assert.deepEqual(r.volumeView, {});
      assert.equal(r.ownerIsLive, undefined);
      assert.ok(clock.now() >= KUBE_RETRY_POLICY.goneAfterMs);
    });

    it("but a 403 from a live API server fails the destroy: it is not a gone cluster", async () => {
      const api = kubeApiFromKubeconfig(kubeconfigFor(base), { clock: fakeClock() });
      await assert.rejects(
        runKubernetesStep(api, settings, () => undefined, wait()),
        /could not use the Kubernetes API: Kubernetes API GET \/api\/v1\/namespaces\/forbidden: HTTP 403/,
      );
    });
  });
});
