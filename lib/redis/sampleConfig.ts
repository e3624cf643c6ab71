/**
 * A complete `RedisConfig` with this module's defaults, for tests and examples (not read by the
 * program: lib/config/parse.ts builds the real one from stack config).
 */
import { RedisConfig } from "../config/configTypes";
import { DEFAULT_TUNING } from "../tuning";
import {
  AWS_STORAGE_CLASS,
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
    nodes: 3,
    tuning: DEFAULT_TUNING,
    persistenceSize: DEFAULT_PERSISTENCE_SIZE,
    storageClassName: AWS_STORAGE_CLASS,
    masterService: true,
    serviceMonitor: false,
    allowScripting: false,
    aclRules: {},
    imagePullSecret: false,
    tls: true,
    allowedNamespaces: [],
    clientLabel: { key: "andyredis/redis-client", value: "true" },
    resources: DEFAULT_REDIS_RESOURCES,
    sentinelResources: DEFAULT_SENTINEL_RESOURCES,
    ...overrides,
  };
}
