/**
 * The AWS defaults a security review checks against the EKS Best Practices Guide and the CIS EKS
 * Benchmark, as the program hands them to EKS under the shared mocks: who reaches the API.
 */
import * as assert from "node:assert/strict";
import { BUILD_TIMEOUT_MS, buildStack, Registrations, TEST_API_CIDRS } from "../helpers/program";

const clusterInputs = (resources: Registrations): Record<string, unknown> =>
  resources.named("eks:index:Cluster", "cluster-eks").inputs;

describe("program security: the Kubernetes API endpoint", function () {
  this.timeout(BUILD_TIMEOUT_MS);

  it("is public only for the listed CIDRs, with the private endpoint on", async () => {
    const { resources } = await buildStack({});
    const cluster = clusterInputs(resources);
    assert.equal(cluster.endpointPrivateAccess, true);
    assert.equal(cluster.endpointPublicAccess, true);
    assert.deepEqual(cluster.publicAccessCidrs, TEST_API_CIDRS);
  });

  it("is private only with apiEndpointPublic false: no public CIDRs at all", async () => {
    const { resources } = await buildStack({ apiEndpointPublic: "false" });
    const cluster = clusterInputs(resources);
    assert.equal(cluster.endpointPrivateAccess, true);
    assert.equal(cluster.endpointPublicAccess, false);
    assert.equal(cluster.publicAccessCidrs, undefined);
  });

  it("is open to 0.0.0.0/0 only with the opt-in by name", async () => {
    const { resources } = await buildStack({
      apiPublicAccessCidrs: JSON.stringify(["0.0.0.0/0"]),
      apiPublicAccessAllowAnywhere: "true",
    });
    assert.deepEqual(clusterInputs(resources).publicAccessCidrs, ["0.0.0.0/0"]);
  });
});
