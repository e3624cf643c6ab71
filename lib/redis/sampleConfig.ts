/**
 * A complete `RedisConfig` with this module's defaults, for tests and examples (not read by the
 * program: `config.ts` builds the real one from stack config).
 */
import { RedisConfig } from "../configTypes";
import { DEFAULT_TUNING } from "../tuning";
import {
  DEFAULT_CHART,
  DEFAULT_PERSISTENCE_SIZE,
  DEFAULT_REDIS_RESOURCES,
  DEFAULT_SENTINEL_RESOURCES,
  PINNED_CHART_VERSION,
} from "./defaults";
import { DEFAULT_REDIS_IMAGES } from "./images";

export function sampleRedisConfig(overrides: Partial<RedisConfig> = {}): RedisConfig {
  return {
    namespace: "redis",
    releaseName: "redis",
    chart: DEFAULT_CHART,
    chartVersion: PINNED_CHART_VERSION,
    images: DEFAULT_REDIS_IMAGES,
    imagesOverridden: false,
    nodes: 3,
    tuning: DEFAULT_TUNING,
    passwordFromConfig: false,
    persistenceSize: DEFAULT_PERSISTENCE_SIZE,
    storageClassName: "gp3",
    masterService: true,
    serviceMonitor: false,
    allowScripting: false,
    imagePullSecret: false,
    tls: true,
    allowedNamespaces: [],
    clientLabel: { key: "andyredis/redis-client", value: "true" },
    resources: DEFAULT_REDIS_RESOURCES,
    sentinelResources: DEFAULT_SENTINEL_RESOURCES,
    ...overrides,
  };
}
