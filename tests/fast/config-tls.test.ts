/**
 * Your own TLS certificates (`redisTlsCertificate`, `redisTlsPrivateKey`, `redisTlsCaCertificate`):
 * checked as a client would check them, before anything is created, each problem naming its key;
 * and refused with TLS off. Certificates are made with openssl for each case.
 */
import * as assert from "node:assert/strict";
import { RawConfig } from "../../lib/config/rawReader";
import { ConfigError, parseConfig } from "../../lib/config/parse";
import { StackConfig } from "../../lib/config/configTypes";
import { TLS_CERTIFICATE_KEYS } from "../../lib/redis/tlsCertificates";
import { DEFAULT_ALT_NAMES, makeCertificates, TestCertificates } from "../helpers/certificates";
import { STACK_CONTEXT, withApiAccess } from "../helpers/program";

const SECRET_KEYS_SET = ["redisTlsPrivateKey"];

function asConfig(certs: Partial<TestCertificates>): RawConfig {
  const raw: RawConfig = {};
  if (certs.certificate !== undefined) raw.redisTlsCertificate = certs.certificate;
  if (certs.privateKey !== undefined) raw.redisTlsPrivateKey = certs.privateKey;
  if (certs.caCertificate !== undefined) raw.redisTlsCaCertificate = certs.caCertificate;
  return raw;
}

function parse(raw: RawConfig, now?: Date): { config?: StackConfig; lines: string[] } {
  try {
    const config = parseConfig(withApiAccess(raw), {
      ...STACK_CONTEXT,
      encryptedKeys: SECRET_KEYS_SET.filter((k) => k in raw).map((k) => `andyredis:${k}`),
      now,
    });
    return { config, lines: [] };
  } catch (err) {
    if (err instanceof ConfigError) return { lines: [...err.lines] };
    throw err;
  }
}

function assertRefused(lines: string[], key: string, says: RegExp): void {
  const line = lines.find((l) => l.startsWith(`andyredis:${key}: `));
  assert.ok(line, `no line names ${key}:\n${lines.join("\n")}`);
  assert.match(line, says);
}

describe("config: your own TLS certificates", function () {
  this.timeout(20000);
  let good: TestCertificates;
  let other: TestCertificates;

  before(() => {
    good = makeCertificates({ altNames: DEFAULT_ALT_NAMES });
    other = makeCertificates({ altNames: DEFAULT_ALT_NAMES });
  });

  it("takes a certificate that covers every client-facing host, with its key and CA", () => {
    const { config, lines } = parse(asConfig(good));
    assert.deepEqual(lines, []);
    assert.deepEqual(config?.redis.tlsCertificates, {
      certificate: good.certificate,
      caCertificate: good.caCertificate,
    });
  });

  it("takes a chain through an intermediate CA, the intermediate after the server certificate", () => {
    const chained = makeCertificates({ altNames: DEFAULT_ALT_NAMES, intermediate: true });
    assert.deepEqual(parse(asConfig(chained)).lines, []);
  });

  it("without the keys, leaves the certificates to the chart", () => {
    const { config } = parse({});
    assert.equal(config?.redis.tls, true);
    assert.equal(config?.redis.tlsCertificates, undefined);
  });

  it("refuses them with redisTls false, on each key set, naming redisTls", () => {
    const { lines } = parse({ ...asConfig(good), redisTls: "false" });
    for (const key of TLS_CERTIFICATE_KEYS) {
      assertRefused(lines, key, /is set, but redisTls is false.*set redisTls to true, or remove/);
    }
  });

  it("refuses a CA alone with redisTls false: a CA for clients means TLS", () => {
    const { lines } = parse({ redisTlsCaCertificate: good.caCertificate, redisTls: "false" });
    assertRefused(lines, "redisTlsCaCertificate", /redisTls is false/);
  });

  it("wants all three: each missing key is named", () => {
    const { lines } = parse(asConfig({ certificate: good.certificate }));
    assertRefused(lines, "redisTlsPrivateKey", /is required with redisTlsCertificate/);
    assertRefused(lines, "redisTlsCaCertificate", /is required with redisTlsCertificate/);
  });

  it("refuses a key that is not the certificate's", () => {
    const { lines } = parse(asConfig({ ...good, privateKey: other.privateKey }));
    assertRefused(lines, "redisTlsPrivateKey", /does not belong to redisTlsCertificate/);
  });

  it("refuses a certificate another CA signed", () => {
    const { lines } = parse(asConfig({ ...good, caCertificate: other.caCertificate }));
    assertRefused(lines, "redisTlsCertificate", /is not signed by redisTlsCaCertificate/);
  });

  it("refuses a certificate that misses the nodes' names, with the wildcard that covers them", () => {
    const narrow = makeCertificates({ altNames: ["DNS:redis.redis.svc.cluster.local"] });
    const { lines } = parse(asConfig(narrow));
    assertRefused(
      lines,
      "redisTlsCertificate",
      /does not cover redis-node-0\.redis-headless\.redis\.svc\.cluster\.local, .*DNS:\*\.redis-headless\.redis\.svc\.cluster\.local/,
    );
  });

  it("checks the names of the release and namespace the config gives", () => {
    const { lines } = parse({ ...asConfig(good), redisNamespace: "cache" });
    assertRefused(lines, "redisTlsCertificate", /does not cover redis\.cache\.svc\.cluster\.local/);
  });

  it("refuses an expired certificate, with its date", () => {
    const later = new Date(Date.now() + 60 * 24 * 3600 * 1000);
    const { lines } = parse(asConfig(good), later);
    assertRefused(lines, "redisTlsCertificate", /the server certificate expired on /);
    assertRefused(lines, "redisTlsCaCertificate", /the CA certificate expired on /);
  });

  it("refuses text that is not PEM, without quoting it", () => {
    const { lines } = parse(asConfig({ ...good, certificate: "hunter2", privateKey: "hunter3" }));
    assertRefused(lines, "redisTlsCertificate", /holds no PEM certificate/);
    assertRefused(lines, "redisTlsPrivateKey", /is not a private key in PEM/);
    assert.doesNotMatch(lines.join("\n"), /hunter/);
  });

  it("refuses a server certificate given as the CA", () => {
    const { lines } = parse(asConfig({ ...good, caCertificate: good.certificate }));
    assertRefused(lines, "redisTlsCaCertificate", /is not a CA certificate/);
  });

  it("refuses the private key set in plain text, as every secret key", () => {
    const { lines } = (() => {
      try {
        parseConfig(withApiAccess(asConfig(good)), { ...STACK_CONTEXT, encryptedKeys: [] });
        return { lines: [] as string[] };
      } catch (err) {
        return { lines: [...(err as ConfigError).lines] };
      }
    })();
    assertRefused(lines, "redisTlsPrivateKey", /secret/);
  });
});
