import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { parse } from "yaml";
import { REFERENCE_VALUES } from "../helpers/paths";
import { unknownKeyPaths } from "../../lib/redis/chartKeys";
import { chartValues } from "../../lib/redis/chartValues";
import { DEFAULT_REDIS_IMAGES } from "../../lib/redis/images";
import { sampleRedisConfig } from "../../lib/redis/sampleConfig";

function loadReference(): unknown {
  if (!fs.existsSync(REFERENCE_VALUES)) {
    throw new Error(
      `the chart's reference values are missing: expected ${REFERENCE_VALUES} (shared/ must sit beside the repository)`,
    );
  }
  return parse(fs.readFileSync(REFERENCE_VALUES, "utf8"));
}

describe("redis chart keys", () => {
  let reference: unknown;
  before(() => {
    reference = loadReference();
  });

  describe("unknownKeyPaths", () => {
    it("accepts keys the chart has", () => {
      assert.deepEqual(
        unknownKeyPaths(
          { replica: { persistence: { size: "8Gi" } }, sentinel: { quorum: 2 } },
          reference,
        ),
        [],
      );
    });

    it("flags made-up and misplaced keys, with their full path", () => {
      assert.deepEqual(
        unknownKeyPaths(
          {
            madeUp: true,
            replica: { persistance: { size: "8Gi" } },
            sentinel: { downAfterMs: 2000, quorum: 2 },
            metrics: { service: { ports: { https: 443 } } },
          },
          reference,
        ),
        ["madeUp", "replica.persistance", "sentinel.downAfterMs", "metrics.service.ports.https"],
      );
    });

    it("flags keys set below a scalar default", () => {
      assert.deepEqual(unknownKeyPaths({ auth: { password: { value: "x" } } }, reference), [
        "auth.password.value",
      ]);
    });

    it("treats empty maps, lists, nulls and label/annotation maps as free-form", () => {
      assert.deepEqual(
        unknownKeyPaths(
          {
            commonLabels: { team: "a" },
            replica: {
              podLabels: { "example.com/x": "y" },
              nodeSelector: { "kubernetes.io/os": "linux" },
              resources: { limits: { memory: "1Gi" } },
              topologySpreadConstraints: [{ anything: { at: "all" } }],
              persistence: { selector: { matchLabels: { a: "b" } } },
            },
            metrics: {
              // Non-empty default ({prometheus.io/scrape, prometheus.io/port}), still free-form.
              podAnnotations: { "example.com/scrape": "true" },
              extraArgs: { "include-system-metrics": "true" },
            },
            kubectl: { resources: { requests: { cpu: "10m" } } },
            networkPolicy: { ingressNSMatchLabels: { a: "b" }, extraIngress: [{ from: [] }] },
          },
          reference,
        ),
        [],
      );
    });

    it("does not look inside a chart map with closed keys by its name alone", () => {
      // `resources` is open, but `replica.persistence` is not, whatever its children are named.
      assert.deepEqual(unknownKeyPaths({ replica: { persistence: { labelz: {} } } }, reference), [
        "replica.persistence.labelz",
      ]);
    });
  });

  describe("chartValues against chart 23.1.1", () => {
    it("sets only known keys for the default config", () => {
      assert.deepEqual(unknownKeyPaths(chartValues(sampleRedisConfig(), opts), reference), []);
    });

    it("sets only known keys with every option turned on", () => {
      const all = sampleRedisConfig({
        masterService: true,
        serviceMonitor: true,
        // Another registry: the chart then needs global.security.allowInsecureImages.
        images: {
          ...DEFAULT_REDIS_IMAGES,
          redis: { ...DEFAULT_REDIS_IMAGES.redis, registry: "mirror.example.com" },
        },
        allowedNamespaces: ["apps", "jobs"],
        resources: {
          requests: { cpu: "500m", memory: "3Gi" },
          limits: { cpu: "2", memory: "3Gi" },
        },
        sentinelResources: {
          requests: { cpu: "100m", memory: "128Mi" },
          limits: { cpu: "500m", memory: "128Mi" },
        },
      });
      const values = chartValues(all, { ...opts, pvcWhenDeleted: "Retain" });
      assert.deepEqual(unknownKeyPaths(values, reference), []);
    });

    it("sets nothing under master.*, which sentinel mode never reads", () => {
      assert.equal(Object.hasOwn(chartValues(sampleRedisConfig(), opts), "master"), false);
    });
  });
});

const opts = { existingSecretName: "redis-password", aclSecretName: "redis-acl" };
