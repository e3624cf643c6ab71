/**
 * The real ports of the Automation API driver: a LocalWorkspace over this project directory,
 * and the verify, drill and audit implementations of the other modules. Everything the
 * workflows in `lib/automation/workflows/` do to the outside world goes through here, so that
 * they (and their tests) depend only on the narrow `DriverPorts` interface (../ports.ts).
 */
import * as fs from "node:fs";

import { LocalWorkspace, LocalWorkspaceOptions, OpMap, Stack } from "@pulumi/pulumi/automation";

import { DEFAULTS } from "../../config/keys";
import { stackIdentityTag, stackTagValue } from "../../tags";
import { Backend, FileProbe, workspaceEnv } from "../preflight";
import {
  AuditResult,
  AuditScope,
  ChangeCounts,
  CheckResult,
  Checks,
  ConfigOverride,
  DriverPorts,
  EngineListener,
  StackOutputMap,
  StackProvider,
  StackSession,
  VerifyTarget,
} from "../driverPorts";

/** The resource type of the stack's random id (components/stackIdentity.ts). */
const STACK_ID_TYPE = "random:index/randomString:RandomString";

/** The organization every DIY backend (file://, s3://, ...) reports to the program. */
const DIY_ORGANIZATION = "organization";

/** File checks on the real file system. */
export const nodeFileProbe: FileProbe = {
  isExecutable(file) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  },
  isReadable(file) {
    try {
      fs.accessSync(file, fs.constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
  isBlank(file) {
    try {
      return fs.readFileSync(file, "utf8").trim() === "";
    } catch {
      return false;
    }
  },
};

export interface LocalStackOptions {
  /** The Pulumi project directory (holds Pulumi.yaml). */
  readonly projectDir: string;
  readonly backend: Backend;
  /** Secrets provider for new stacks. */
  readonly secretsProvider: string;
  /** Aborts a running preview or up (first SIGINT); destroy is never aborted by it. */
  readonly signal?: AbortSignal;
}

function counts(map: OpMap | undefined): ChangeCounts {
  const result: Record<string, number> = {};
  for (const [op, count] of Object.entries(map ?? {})) {
    if (typeof count === "number") result[op] = count;
  }
  return result;
}

/** True for Pulumi Cloud (and self-hosted service) backends, false for DIY ones. */
function isServiceBackend(url: string): boolean {
  return /^https?:\/\//.test(url);
}

class LocalStackSession implements StackSession {
  constructor(
    private readonly stack: Stack,
    private readonly options: LocalStackOptions,
  ) {}

  get name(): string {
    return this.stack.name;
  }

  async setConfig(values: readonly ConfigOverride[]): Promise<void> {
    const map = Object.fromEntries(
      values.map((v) => [v.key, { value: v.value, secret: v.secret }]),
    );
    await this.stack.setAllConfig(map);
  }

  async getConfig(key: string): Promise<string | undefined> {
    return (await this.stack.getConfig(key)).value;
  }

  async preview(listener: EngineListener): Promise<ChangeCounts> {
    const result = await this.stack.preview({ ...listener, signal: this.options.signal });
    return counts(result.changeSummary);
  }

  async up(listener: EngineListener): Promise<ChangeCounts> {
    const result = await this.stack.up({ ...listener, signal: this.options.signal });
    return counts(result.summary.resourceChanges);
  }

  async outputs(): Promise<StackOutputMap> {
    const outputs = await this.stack.outputs();
    const result: Record<string, { value: unknown; secret: boolean }> = {};
    for (const [name, output] of Object.entries(outputs)) {
      result[name] = { value: output.value as unknown, secret: output.secret };
    }
    return result;
  }

  async destroy(listener: EngineListener): Promise<ChangeCounts> {
    // runProgram: the program's providers (EKS kubeconfig, regions) and its deletion hook need
    // the program's config at destroy time, not only the state's snapshot of it.
    const result = await this.stack.destroy({ ...listener, runProgram: true });
    return counts(result.summary.resourceChanges);
  }

  async remove(): Promise<void> {
    // Without `force`, Pulumi refuses to remove a stack that still has resources.
    await this.stack.workspace.removeStack(this.stack.name);
  }

  async fallbackStackTag(): Promise<string> {
    const parts = this.stack.name.split("/");
    let name: string;
    if (parts.length === 3) {
      name = stackTagValue(parts[0], parts[1], parts[2]);
    } else {
      const project = (await this.stack.workspace.projectSettings()).name;
      const organization = isServiceBackend(this.options.backend.url)
        ? await this.stack.orgGetDefault()
        : DIY_ORGANIZATION;
      name = stackTagValue(organization, project, parts[parts.length - 1]);
    }
    // The stack's random id is in its state (components/stackIdentity.ts), from the first up
    // that got that far; every AWS resource waits for it, so without it nothing was tagged.
    const state = (await this.stack.exportStack()) as {
      deployment?: { resources?: { type?: string; outputs?: { result?: unknown } }[] };
    };
    const id = state.deployment?.resources?.find((r) => r.type === STACK_ID_TYPE)?.outputs?.result;
    return typeof id === "string" ? stackIdentityTag(name, id) : name;
  }
}

/** Stacks of this project through LocalWorkspace, with the driver's backend and secrets. */
export function localStackProvider(options: LocalStackOptions): StackProvider {
  if (options.backend.local && options.backend.directory !== undefined) {
    // The file backend wants its directory to exist; it is gitignored.
    fs.mkdirSync(options.backend.directory, { recursive: true });
  }
  const workspaceOptions: LocalWorkspaceOptions = {
    workDir: options.projectDir,
    envVars: workspaceEnv(options.backend),
    secretsProvider: options.secretsProvider,
  };
  const args = (stackName: string) => ({ stackName, workDir: options.projectDir });
  const session = (stack: Stack) => new LocalStackSession(stack, options);
  return {
    async select(name) {
      return session(await LocalWorkspace.selectStack(args(name), workspaceOptions));
    },
    async createOrSelect(name) {
      return session(await LocalWorkspace.createOrSelectStack(args(name), workspaceOptions));
    },
    async create(name) {
      return session(await LocalWorkspace.createStack(args(name), workspaceOptions));
    },
  };
}

/**
 * Verify, drill and audit through the modules that implement them. Imported when first used:
 * `preview` or `up` need not load the Redis, Kubernetes and AWS clients, and a problem in one of
 * those modules cannot break the commands that do not use it.
 */
export const realChecks: Checks = {
  async verify(target: VerifyTarget): Promise<CheckResult> {
    const { verifyDeployment } = await import("../../topology/io/deployedTopology");
    const report = await verifyDeployment({ ...target });
    return {
      ok: report.ok,
      summary: report.ok
        ? "deployment verified"
        : `${report.failures.length} of ${report.checks.length} checks failed`,
      failures: report.failures,
      details: report,
    };
  },
  async drill(target: VerifyTarget, scenarios: readonly string[]): Promise<CheckResult> {
    const { drillDeployment } = await import("../../topology/io/deployedTopology");
    const report = await drillDeployment(
      { ...target },
      scenarios.length > 0 ? { scenarios: [...scenarios] } : undefined,
    );
    return { ok: report.ok, summary: report.ok ? "drill passed" : "drill failed", details: report };
  },
  async audit(scope: AuditScope): Promise<AuditResult> {
    const { auditLeftovers } = await import("../../cleanup/io/leftoverAudit");
    // The scope says whether the stack's volumeCleanupMode keeps snapshots or volumes on
    // purpose; those are reported as kept, not as leftovers.
    const report = await auditLeftovers({ ...scope });
    // A look-alike tag (a typo, another organization) fails the audit like a leftover: the
    // stack's own resources may be hiding under it.
    return { leftovers: [...report.leftovers, ...report.lookAlikes], details: report };
  },
};

export interface RealPortsOptions extends LocalStackOptions {
  log(line: string): void;
  interrupted(): boolean;
}

/** The ports the CLI runs the workflows with. */
export function realPorts(options: RealPortsOptions): DriverPorts {
  return {
    stacks: localStackProvider(options),
    checks: realChecks,
    log: options.log,
    now: () => Date.now(),
    random: () => Math.random(),
    // The program's own default when neither andyredis:region nor aws:region is set.
    defaultRegion: DEFAULTS.region,
    interrupted: options.interrupted,
  };
}
