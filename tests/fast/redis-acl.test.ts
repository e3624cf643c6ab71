/**
 * The ACL files (lib/redis/acl.ts) as text: one line per user, passwords only as SHA-256 hashes,
 * both passwords of a rotation, and the scripting switch. What each rule allows is proven against
 * real processes in tests/integration/acl-rules.test.ts.
 */
import * as assert from "node:assert/strict";
import {
  APP_USER,
  INTERNAL_USER,
  OPERATOR_USER,
  aclChecksum,
  aclHashes,
  aclSecretData,
  passwordHash,
  redisAclFile,
  sentinelAclFile,
} from "../../lib/redis/acl";

const passwords = {
  [INTERNAL_USER]: ["internal-password-0123456789"],
  [APP_USER]: ["app-password-0123456789abcdef", "app-previous-password-0123456"],
  [OPERATOR_USER]: ["operator-password-0123456789"],
};

describe("ACL files", () => {
  it("has one line per user, each starting from reset, with hashes and never a password", () => {
    for (const file of [
      redisAclFile(aclHashes(passwords)),
      sentinelAclFile(aclHashes(passwords)),
    ]) {
      const lines = file.trim().split("\n");
      assert.deepEqual(
        lines.map((l) => l.split(" ").slice(0, 4).join(" ")),
        [INTERNAL_USER, APP_USER, OPERATOR_USER].map((u) => `user ${u} reset on`),
      );
      for (const list of Object.values(passwords)) {
        for (const p of list) {
          assert.ok(!file.includes(p), "no password in the file");
          assert.ok(file.includes(`#${passwordHash(p)}`), "its hash is");
        }
      }
      assert.ok(!/nopass|>/.test(file), "no plain password rule, no nopass");
    }
  });

  it("keeps scripting off for the app user unless allowed", () => {
    const app = (allowScripting: boolean): string =>
      redisAclFile(aclHashes(passwords), { allowScripting })
        .split("\n")
        .find((l) => l.startsWith(`user ${APP_USER} `)) ?? "";
    assert.match(app(false), /-@scripting/);
    assert.doesNotMatch(app(false), /\+eval/);
    assert.match(app(true), /\+eval \+evalsha/);
    assert.doesNotMatch(app(true), /\+script\|flush|\+@scripting/);
  });

  it("refuses a user without a password hash", () => {
    assert.throws(
      () => redisAclFile({ ...aclHashes(passwords), [APP_USER]: [] }),
      /ACL user app: needs at least one SHA-256 password hash/,
    );
  });

  it("the Secret holds both files and the operator's current password; its checksum follows every change", () => {
    const data = aclSecretData(passwords);
    assert.deepEqual(Object.keys(data).sort(), [
      "operator-password",
      "sentinel-users.acl",
      "users.acl",
    ]);
    assert.equal(data["operator-password"], passwords[OPERATOR_USER][0]);
    const rotated = aclSecretData({ ...passwords, [APP_USER]: ["app-password-rotated-012345"] });
    assert.notEqual(aclChecksum(data), aclChecksum(rotated));
    assert.equal(aclChecksum(data), aclChecksum(aclSecretData(passwords)));
    assert.match(aclChecksum(data), /^[0-9a-f]{64}$/);
  });
});
