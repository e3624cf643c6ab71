import * as assert from "node:assert/strict";
import { ImageRef } from "../../lib/config/configTypes";
import {
  chartSource,
  chartValues,
  ChartValuesOptions,
  commonConfiguration,
  JsonObject,
  JsonValue,
  maxmemoryDirective,
} from "../../lib/redis/chartValues";
import { DEFAULT_CHART, PINNED_CHART_VERSION } from "../../lib/redis/defaults";
import { redisEndpoints } from "../../lib/redis/endpoints";
import {
  chartImageVerdict,
  CHART_ORIGINAL_IMAGES,
  DEFAULT_REDIS_IMAGES,
  imageName,
  imagesNeedInsecureFlag,
} from "../../lib/redis/images";
import { parseQuantity } from "../../lib/redis/quantity";
import { sampleRedisConfig } from "../../lib/redis/sampleConfig";
import { DEFAULT_TUNING, POD_SHUTDOWN, RedisTuning, redisServerDirectives } from "../../lib/tuning";
import { preStopPlan } from "../../lib/topology/preStop";

const opts: ChartValuesOptions = {
  existingSecretName: "redis-password",
  aclSecretName: "redis-acl",
};

/** The value at a dot-separated path, or undefined. */
function at(values: JsonValue, dotted: string): JsonValue | undefined {
  let node: JsonValue | undefined = values;
  for (const key of dotted.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) {
      return undefined;
    }
    node = (node as JsonObject)[key];
  }
  return node;
}

/** Every [path, leaf] pair in a values tree (list items as `[i]`). */
function leaves(value: JsonValue, path = ""): [string, JsonValue][] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => leaves(item, `${path}[${i}]`));
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, child]) =>
      leaves(child, path === "" ? key : `${path}.${key}`),
    );
  }
  return [[path, value]];
}

/** Every key name anywhere in a values tree. */
function keyNames(value: JsonValue): string[] {
  if (Array.isArray(value)) {
    return value.flatMap(keyNames);
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, child]) => [key, ...keyNames(child)]);
  }
  return [];
}

const mirror = (image: ImageRef): ImageRef => ({
  ...image,
  registry: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com",
});

describe("redis chart values", () => {
  describe("defaults", () => {
    const cfg = sampleRedisConfig();
    const values = chartValues(cfg, opts);

    it("deploys sentinel mode: replication, sentinel on, one StatefulSet of `nodes` pods", () => {
      assert.equal(at(values, "architecture"), "replication");
      assert.equal(at(values, "sentinel.enabled"), true);
      assert.equal(at(values, "replica.replicaCount"), 3);
      assert.equal(at(values, "fullnameOverride"), "redis");
      assert.equal(at(values, "useHostnames"), true);
    });

    it("is pure: the same config gives the same values", () => {
      assert.deepEqual(chartValues(sampleRedisConfig(), opts), values);
    });

    it("keeps the chart's AOF defaults and adds the tuning's directives", () => {
      const conf = String(at(values, "commonConfiguration")).split("\n");
      for (const line of ["appendonly yes", 'save ""', ...redisServerDirectives(DEFAULT_TUNING)]) {
        assert.ok(conf.includes(line), `missing "${line}"`);
      }
      // 60 % of the 3Gi limit.
      assert.ok(conf.includes("maxmemory 1843mb"));
      assert.ok(conf.includes("maxmemory-policy noeviction"));
    });

    it("sets the pod's grace period from POD_SHUTDOWN and replaces both preStop hooks", () => {
      assert.equal(
        at(values, "sentinel.terminationGracePeriodSeconds"),
        POD_SHUTDOWN.terminationGracePeriodSeconds,
      );
      const plan = preStopPlan(POD_SHUTDOWN);
      const command = (path: string) => at(values, `${path}.preStop.exec.command`) as string[];
      const redisHook = command("replica.lifecycleHooks");
      const sentinelHook = command("sentinel.lifecycleHooks");
      assert.deepEqual(redisHook.slice(0, 2), ["/bin/bash", "-c"]);
      assert.match(redisHook[2], new RegExp(`CLIENT PAUSE ${plan.pauseMs} WRITE`));
      assert.match(redisHook[2], /SENTINEL FAILOVER mymaster/);
      // Waits for the end of the failover (the master record), not the promotion.
      assert.match(redisHook[2], /SENTINEL MASTER mymaster/);
      assert.doesNotMatch(redisHook[2], /GET-MASTER-ADDR-BY-NAME/);
      assert.match(
        redisHook[2],
        /SELF="\$\{HOSTNAME\}\.redis-headless\.redis\.svc\.cluster\.local:\$\{REDIS_PORT\}"/,
      );
      assert.doesNotMatch(sentinelHook[2], /CLIENT PAUSE|SENTINEL FAILOVER/);
      // common.tplvalues.render would run tpl on a value containing "{{".
      assert.ok(!JSON.stringify(values).includes("{{"));
    });

    it("turns on automateClusterRecovery and leaves replicaSyncCheck off", () => {
      assert.equal(at(values, "sentinel.automateClusterRecovery"), true);
      assert.equal(at(values, "sentinel.replicaSyncCheck"), false);
    });

    it("puts the data on the StorageClass, 8Gi, deleted with the release", () => {
      assert.equal(at(values, "replica.persistence.enabled"), true);
      assert.equal(at(values, "replica.persistence.storageClass"), "gp3");
      assert.equal(at(values, "replica.persistence.size"), "8Gi");
      assert.deepEqual(at(values, "sentinel.persistentVolumeClaimRetentionPolicy"), {
        enabled: true,
        whenDeleted: "Delete",
        whenScaled: "Retain",
      });
    });

    it("spreads pods over zones and nodes, with a PDB of one", () => {
      assert.equal(at(values, "replica.podAntiAffinityPreset"), "hard");
      assert.deepEqual(at(values, "replica.topologySpreadConstraints"), [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "redis",
              "app.kubernetes.io/instance": "redis",
              "app.kubernetes.io/component": "node",
            },
          },
        },
      ]);
      assert.deepEqual(at(values, "replica.pdb"), { create: true, maxUnavailable: 1 });
    });

    it("sizes the containers from the config, without a CPU limit unless one is set", () => {
      assert.deepEqual(at(values, "replica.resources"), {
        requests: { cpu: "500m", memory: "3Gi" },
        limits: { memory: "3Gi" },
      });
      assert.deepEqual(at(values, "sentinel.resources"), {
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { memory: "128Mi" },
      });
      assert.ok(at(values, "metrics.resources"));
      assert.ok(at(values, "kubectl.resources"));
    });

    it("protects Redis and Sentinel with the password from the given Secret", () => {
      assert.deepEqual(at(values, "auth"), {
        enabled: true,
        sentinel: true,
        existingSecret: "redis-password",
        existingSecretPasswordKey: "redis-password",
        usePasswordFiles: true,
        usePasswordFileFromSecret: true,
      });
    });

    it("contains no password", () => {
      assert.deepEqual(
        keyNames(values).filter((key) => key.toLowerCase() === "password"),
        [],
      );
      assert.equal(at(values, "global.redis"), undefined);
    });

    it("never asks for a LoadBalancer, anywhere", () => {
      const loadBalancers = leaves(values).filter(([, leaf]) => leaf === "LoadBalancer");
      assert.deepEqual(loadBalancers, []);
      for (const service of ["sentinel.service", "sentinel.masterService", "metrics.service"]) {
        assert.equal(at(values, `${service}.type`), "ClusterIP", service);
      }
      assert.equal(at(values, "sentinel.externalAccess.enabled"), false);
    });

    it("runs the exporter behind a ClusterIP Service, ServiceMonitor off", () => {
      assert.equal(at(values, "metrics.enabled"), true);
      assert.equal(at(values, "metrics.service.enabled"), true);
      assert.equal(at(values, "metrics.serviceMonitor.enabled"), false);
    });

    it("admits labelled clients of its own namespace through the NetworkPolicy", () => {
      assert.equal(at(values, "networkPolicy.enabled"), true);
      assert.equal(at(values, "networkPolicy.allowExternal"), false);
      assert.deepEqual(at(values, "networkPolicy.extraIngress"), [
        {
          ports: [
            { port: 6379, protocol: "TCP" },
            { port: 26379, protocol: "TCP" },
          ],
          from: [
            {
              namespaceSelector: {
                matchExpressions: [
                  { key: "kubernetes.io/metadata.name", operator: "In", values: ["redis"] },
                ],
              },
              podSelector: { matchLabels: { "andyredis/redis-client": "true" } },
            },
          ],
        },
      ]);
    });

    it("uses the bitnamilegacy images of chart 23.1.1, without allowInsecureImages", () => {
      assert.deepEqual(at(values, "image"), {
        registry: "docker.io",
        repository: "bitnamilegacy/redis",
        tag: "8.2.1-debian-12-r0",
        digest: "",
      });
      assert.equal(at(values, "sentinel.image.repository"), "bitnamilegacy/redis-sentinel");
      assert.equal(at(values, "metrics.image.repository"), "bitnamilegacy/redis-exporter");
      assert.equal(at(values, "kubectl.image.repository"), "bitnamilegacy/kubectl");
      assert.equal(at(values, "volumePermissions.image.repository"), "bitnamilegacy/os-shell");
      assert.equal(at(values, "sysctl.image.repository"), "bitnamilegacy/os-shell");
      assert.equal(at(values, "global"), undefined);
    });

    it("turns the master Service on with what the chart requires for it", () => {
      assert.equal(at(values, "sentinel.masterService.enabled"), true);
      assert.equal(at(values, "rbac.create"), true);
      assert.equal(at(values, "serviceAccount.create"), true);
      assert.equal(at(values, "replica.automountServiceAccountToken"), true);
    });
  });

  describe("options", () => {
    it("takes every Sentinel number from the tuning", () => {
      const tuning: RedisTuning = {
        ...DEFAULT_TUNING,
        masterSet: "orders",
        quorum: 3,
        downAfterMs: 1500,
        failoverTimeoutMs: 12345,
        parallelSyncs: 2,
        minReplicasToWrite: 2,
        minReplicasMaxLagSeconds: 7,
        disklessSyncDelaySeconds: 0,
      };
      const values = chartValues(sampleRedisConfig({ nodes: 5, tuning }), opts);
      assert.equal(at(values, "replica.replicaCount"), 5);
      assert.equal(at(values, "sentinel.masterSet"), "orders");
      assert.equal(at(values, "sentinel.quorum"), 3);
      assert.equal(at(values, "sentinel.downAfterMilliseconds"), 1500);
      assert.equal(at(values, "sentinel.failoverTimeout"), 12345);
      assert.equal(at(values, "sentinel.parallelSyncs"), 2);
      const conf = String(at(values, "commonConfiguration")).split("\n");
      assert.ok(conf.includes("min-replicas-to-write 2"));
      assert.ok(conf.includes("min-replicas-max-lag 7"));
      assert.ok(conf.includes("repl-diskless-sync-delay 0"));
    });

    it("turns the master Service, and what it needs, off", () => {
      const values = chartValues(sampleRedisConfig({ masterService: false }), opts);
      assert.equal(at(values, "sentinel.masterService.enabled"), false);
      assert.equal(at(values, "rbac.create"), false);
      assert.equal(at(values, "replica.automountServiceAccountToken"), false);
    });

    it("turns the ServiceMonitor on", () => {
      const values = chartValues(sampleRedisConfig({ serviceMonitor: true }), opts);
      assert.equal(at(values, "metrics.serviceMonitor.enabled"), true);
    });

    it("sizes storage and keeps PVCs when asked", () => {
      const values = chartValues(sampleRedisConfig({ persistenceSize: "50Gi" }), {
        ...opts,
        pvcWhenDeleted: "Retain",
      });
      assert.equal(at(values, "replica.persistence.size"), "50Gi");
      assert.equal(
        at(values, "sentinel.persistentVolumeClaimRetentionPolicy.whenDeleted"),
        "Retain",
      );
    });

    it("passes a CPU limit when one is configured, and derives maxmemory from memory", () => {
      const values = chartValues(
        sampleRedisConfig({
          resources: { requests: { cpu: "1", memory: "6Gi" }, limits: { cpu: "2", memory: "6Gi" } },
        }),
        opts,
      );
      assert.deepEqual(at(values, "replica.resources"), {
        requests: { cpu: "1", memory: "6Gi" },
        limits: { memory: "6Gi", cpu: "2" },
      });
      assert.ok(String(at(values, "commonConfiguration")).includes("maxmemory 3686mb"));
    });

    it("admits labelled clients of the allowed namespaces, once each", () => {
      const values = chartValues(
        sampleRedisConfig({
          allowedNamespaces: ["apps", "redis", "jobs"],
          clientLabel: { key: "team", value: "orders" },
        }),
        opts,
      );
      assert.deepEqual(at(values, "networkPolicy.extraIngress") as JsonValue, [
        {
          ports: [
            { port: 6379, protocol: "TCP" },
            { port: 26379, protocol: "TCP" },
          ],
          from: [
            {
              namespaceSelector: {
                matchExpressions: [
                  {
                    key: "kubernetes.io/metadata.name",
                    operator: "In",
                    values: ["redis", "apps", "jobs"],
                  },
                ],
              },
              podSelector: { matchLabels: { team: "orders" } },
            },
          ],
        },
      ]);
    });

    it("points every image at a mirror and then sets allowInsecureImages", () => {
      const images = {
        redis: mirror(DEFAULT_REDIS_IMAGES.redis),
        sentinel: mirror(DEFAULT_REDIS_IMAGES.sentinel),
        metrics: mirror(DEFAULT_REDIS_IMAGES.metrics),
        osShell: mirror(DEFAULT_REDIS_IMAGES.osShell),
        kubectl: mirror(DEFAULT_REDIS_IMAGES.kubectl),
      };
      const values = chartValues(sampleRedisConfig({ images }), opts);
      for (const block of ["image", "sentinel.image", "metrics.image", "kubectl.image"]) {
        assert.equal(at(values, `${block}.registry`), images.redis.registry, block);
      }
      assert.equal(at(values, "global.security.allowInsecureImages"), true);
    });

    it("sets allowInsecureImages when only one image comes from a mirror", () => {
      const images = { ...DEFAULT_REDIS_IMAGES, redis: mirror(DEFAULT_REDIS_IMAGES.redis) };
      const values = chartValues(sampleRedisConfig({ images }), opts);
      assert.equal(at(values, "global.security.allowInsecureImages"), true);
    });

    it("takes the kubectl image from the config like every other image", () => {
      const kubectl = mirror(DEFAULT_REDIS_IMAGES.kubectl);
      const values = chartValues(
        sampleRedisConfig({ images: { ...DEFAULT_REDIS_IMAGES, kubectl } }),
        opts,
      );
      assert.equal(at(values, "kubectl.image.registry"), kubectl.registry);
    });
  });

  describe("the chart's image check", () => {
    const parse = (name: string): ImageRef => {
      const match = /^([^/]+)\/(.+):([^:]+)$/.exec(name);
      assert.ok(match, name);
      return { registry: match[1], repository: match[2], tag: match[3] };
    };

    const cases: { name: string; images: ImageRef[]; verdict: string }[] = [
      {
        name: "the chart's own images",
        images: CHART_ORIGINAL_IMAGES.map(parse),
        verdict: "original",
      },
      {
        name: "retagged originals",
        images: [{ registry: "docker.io", repository: "bitnami/redis", tag: "8.2.2" }],
        verdict: "original",
      },
      {
        name: "the bitnamilegacy defaults",
        images: Object.values(DEFAULT_REDIS_IMAGES),
        verdict: "warning",
      },
      {
        name: "a private registry",
        images: [mirror(DEFAULT_REDIS_IMAGES.redis)],
        verdict: "rejected",
      },
      {
        name: "another Docker Hub repository",
        images: [{ registry: "docker.io", repository: "example/redis-sentinel", tag: "8" }],
        verdict: "rejected",
      },
      {
        name: "bitnamilegacy beside a private registry",
        images: [DEFAULT_REDIS_IMAGES.redis, mirror(DEFAULT_REDIS_IMAGES.sentinel)],
        verdict: "rejected",
      },
    ];
    for (const { name, images, verdict } of cases) {
      it(`${name}: ${verdict}`, () => {
        assert.equal(chartImageVerdict(images), verdict);
      });
    }

    it("needs allowInsecureImages only when the chart would reject", () => {
      assert.equal(imagesNeedInsecureFlag(DEFAULT_REDIS_IMAGES), false);
      assert.equal(
        imagesNeedInsecureFlag({
          ...DEFAULT_REDIS_IMAGES,
          osShell: mirror(DEFAULT_REDIS_IMAGES.osShell),
        }),
        true,
      );
    });

    it("pins the builds of chart 23.1.1", () => {
      assert.deepEqual(Object.values(DEFAULT_REDIS_IMAGES).map(imageName).sort(), [
        "docker.io/bitnamilegacy/kubectl:1.33.4-debian-12-r0",
        "docker.io/bitnamilegacy/os-shell:12-debian-12-r51",
        "docker.io/bitnamilegacy/redis-exporter:1.76.0-debian-12-r0",
        "docker.io/bitnamilegacy/redis-sentinel:8.2.1-debian-12-r0",
        "docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0",
      ]);
    });
  });

  describe("helpers", () => {
    it("parses quantities", () => {
      assert.equal(parseQuantity("3Gi"), 3 * 2 ** 30);
      assert.equal(parseQuantity("500m"), 0.5);
      assert.equal(parseQuantity("2"), 2);
      assert.equal(parseQuantity("1.5G"), 1.5e9);
      assert.equal(parseQuantity("3 Gi"), undefined);
    });

    it("derives maxmemory only from a usable limit", () => {
      const sized = (memory: string) => ({ requests: { cpu: "1", memory }, limits: { memory } });
      assert.equal(maxmemoryDirective(sized("1Gi")), "maxmemory 614mb");
      assert.equal(maxmemoryDirective(sized("lots")), undefined);
      assert.ok(
        !commonConfiguration(sampleRedisConfig({ resources: sized("lots") })).includes("maxmemory"),
      );
    });

    it("fetches OCI charts as is and classic repositories by name", () => {
      assert.deepEqual(chartSource(sampleRedisConfig()), { chart: DEFAULT_CHART });
      assert.deepEqual(
        chartSource(sampleRedisConfig({ chart: "https://charts.example.com/bitnami" })),
        {
          chart: "redis",
          repositoryOpts: { repo: "https://charts.example.com/bitnami" },
        },
      );
      assert.equal(PINNED_CHART_VERSION, "23.1.1");
    });

    it("names the in-cluster endpoints", () => {
      const endpoints = redisEndpoints(
        sampleRedisConfig({ namespace: "data", releaseName: "cache" }),
      );
      assert.equal(endpoints.sentinelEndpoint, "cache.data.svc.cluster.local:26379");
      assert.deepEqual(endpoints.sentinelHosts, [
        "cache-node-0.cache-headless.data.svc.cluster.local",
        "cache-node-1.cache-headless.data.svc.cluster.local",
        "cache-node-2.cache-headless.data.svc.cluster.local",
      ]);
      assert.equal(endpoints.masterEndpoint, "cache-master.data.svc.cluster.local:6379");
      const noMaster = redisEndpoints(sampleRedisConfig({ masterService: false }));
      assert.equal(noMaster.masterEndpoint, undefined);
    });
  });
});
