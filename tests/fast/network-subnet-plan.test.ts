import * as assert from "node:assert/strict";
import { cidrProblems, parseCidr, planNat, planSubnets } from "../../lib/network/subnetPlan";
import { NetworkConfig } from "../../lib/config/configTypes";

const ORIGIN: NetworkConfig = {
  vpcCidr: "10.107.0.0/16",
  publicSubnetCidrs: ["10.107.85.0/24", "10.107.86.0/24", "10.107.87.0/24"],
  privateSubnetCidrs: ["10.107.88.0/24", "10.107.89.0/24", "10.107.80.0/24"],
  zoneCount: 3,
  natMode: "single",
};

function range(cidr: string): [number, number] {
  const parsed = parseCidr(cidr);
  if (typeof parsed === "string") throw new Error(parsed);
  return [parsed.start, parsed.end];
}

describe("network plan: subnets", () => {
  for (const zoneCount of [2, 3]) {
    const plan = planSubnets({ ...ORIGIN, zoneCount }, "c1");

    it(`puts one public and one private subnet in each of ${zoneCount} zones`, () => {
      assert.equal(plan.length, 2 * zoneCount);
      for (let zone = 0; zone < zoneCount; zone++) {
        assert.deepEqual(
          plan
            .filter((s) => s.zoneIndex === zone)
            .map((s) => s.type)
            .sort(),
          ["private", "public"],
        );
      }
    });

    it(`keeps every subnet inside the VPC and apart from the others (${zoneCount} zones)`, () => {
      const [vpcStart, vpcEnd] = range(ORIGIN.vpcCidr);
      for (const [i, a] of plan.entries()) {
        const [start, end] = range(a.cidrBlock);
        assert.ok(start >= vpcStart && end <= vpcEnd, `${a.cidrBlock} outside the VPC`);
        for (const b of plan.slice(i + 1)) {
          const [bStart, bEnd] = range(b.cidrBlock);
          assert.ok(end < bStart || bEnd < start, `${a.cidrBlock} overlaps ${b.cidrBlock}`);
        }
      }
    });
  }

  it("tags public subnets for internet-facing and private for internal load balancers", () => {
    const plan = planSubnets(ORIGIN, "c1");
    const pub = plan.find((s) => s.type === "public");
    const priv = plan.find((s) => s.type === "private");
    assert.deepEqual(pub?.tags, {
      Name: "c1-public-0",
      "kubernetes.io/role/elb": "1",
      "kubernetes.io/cluster/c1": "shared",
    });
    assert.deepEqual(priv?.tags, {
      Name: "c1-private-0",
      "kubernetes.io/role/internal-elb": "1",
      "kubernetes.io/cluster/c1": "shared",
    });
  });
});

describe("network plan: NAT", () => {
  it("single: one gateway in the first zone for every private subnet", () => {
    assert.deepEqual(planNat("single", 3), { gatewayZones: [0], gatewayForPrivateZone: [0, 0, 0] });
  });
  it("perZone: each private subnet routes through the gateway in its own zone", () => {
    assert.deepEqual(planNat("perZone", 2), {
      gatewayZones: [0, 1],
      gatewayForPrivateZone: [0, 1],
    });
  });
  it("throws on an unknown mode, naming the allowed ones", () => {
    assert.throws(
      () => planNat("none" as never, 3),
      /natMode: "none" is not allowed; use one of: single, perZone/,
    );
  });
});

describe("network plan: CIDR checks", () => {
  it("accepts the origin's network", () => {
    assert.deepEqual(
      cidrProblems(ORIGIN.vpcCidr, ORIGIN.publicSubnetCidrs, ORIGIN.privateSubnetCidrs, 3),
      [],
    );
  });
  it("only checks the CIDRs of the zones in use", () => {
    assert.deepEqual(
      cidrProblems(
        "10.0.0.0/16",
        ["10.0.1.0/24", "10.0.2.0/24", "garbage"],
        ["10.0.3.0/24", "10.0.4.0/24"],
        2,
      ),
      [],
    );
  });
  it("rejects an address that is not a CIDR", () => {
    const [problem] = cidrProblems(
      "10.0.0.0/16",
      ["10.0.300.0/24", "10.0.2.0/24"],
      ["10.0.3.0/24", "10.0.4.0/24"],
      2,
    );
    assert.deepEqual(problem, {
      key: "publicSubnetCidrs[0]",
      message: '"10.0.300.0/24" is not an IPv4 CIDR such as "10.0.1.0/24"',
    });
  });
  it("rejects a subnet larger than AWS allows", () => {
    const problems = cidrProblems(
      "10.0.0.0/16",
      ["10.0.0.0/15", "10.0.2.0/24"],
      ["10.0.3.0/24", "10.0.4.0/24"],
      2,
    );
    assert.ok(
      problems.some((p) => p.key === "publicSubnetCidrs[0]" && /from \/16 to \/28/.test(p.message)),
    );
  });
  it("finds an overlap between two private subnets", () => {
    const problems = cidrProblems(
      "10.0.0.0/16",
      ["10.0.1.0/24", "10.0.2.0/24"],
      ["10.0.3.0/24", "10.0.3.128/25"],
      2,
    );
    assert.deepEqual(problems, [
      {
        key: "privateSubnetCidrs[1]",
        message: '"10.0.3.128/25" overlaps privateSubnetCidrs[0] "10.0.3.0/24"',
      },
    ]);
  });
});
