/**
 * The README's first command on the real engine: the shipped stack file gets past the engine's
 * config checks and into the program; a refused config reads as one clean list.
 */
import * as assert from "node:assert/strict";

import { environment } from "./helpers/environment";
import { PulumiProject } from "./helpers/pulumi";
import { assertNoSecretPrinted } from "./helpers/secrets";
import { selectShippedDevStack } from "./helpers/stack";

/** A line of a JavaScript stack trace (`    at fn (file.ts:1:2)`). */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const ANSI = /\u001b\[/;

describe("e2e: pulumi preview of the shipped dev stack", function () {
  let project: PulumiProject;

  before(async () => {
    project = new PulumiProject("preview");
    // The README's commands, as a new user runs them.
    await selectShippedDevStack(project);
  });

  it("gets past the engine's config checks and runs the program (aws mode)", async () => {
    const result = await project.pulumi(["preview", "--stack", "dev"]);
    const text = result.stdout + result.stderr;
    assert.doesNotMatch(text, /missing configuration values/);
    assert.doesNotMatch(text, /invalid stack configuration/);
    if (environment().cluster === "simulated") {
      // The aws plugin exists nowhere on these machines: the program got as far as its first
      // AWS resource, which is where it must stop here.
      assert.notEqual(result.code, 0);
      assert.match(text, /pulumi-resource-aws|resource plugin aws|plugin for aws provider/);
    } else {
      // With a normal Pulumi install the aws plugin is downloaded and the preview reaches AWS:
      // either it plans the stack (credentials present) or AWS refuses it.
      assert.ok(
        result.code === 0 || /aws|credentials/i.test(text),
        `unexpected preview failure:\n${text}`,
      );
    }
  });

  it("refuses a bad config with every problem listed once, no stack trace, no colour codes", async () => {
    await project.setConfig("dev", {
      "andyredis:redisNodes": "2",
      "andyredis:natMode": "everywhere",
      "andyredis:zoneCount": "7",
    });
    const result = await project.pulumi(["preview", "--stack", "dev"]);
    const text = result.stdout + result.stderr;
    assert.notEqual(result.code, 0);
    for (const key of ["andyredis:redisNodes", "andyredis:natMode", "andyredis:zoneCount"]) {
      const mentions = text.split("\n").filter((line) => line.includes(`${key}:`));
      assert.equal(mentions.length, 1, `${key} reported ${mentions.length} times:\n${text}`);
    }
    assert.match(text, /everywhere/);
    assert.doesNotMatch(text, STACK_FRAME, `stack trace in:\n${text}`);
    assert.doesNotMatch(text, ANSI, "colour codes in the output");
    // The refusal came before any resource: the engine plans only the root Stack, which the
    // runtime registers before the program starts.
    const planned = Number(/\+ (\d+) to create/.exec(text)?.[1] ?? "0");
    assert.ok(planned <= 1, `${planned} resources planned before the refusal`);
  });

  it("never printed a secret", () => {
    assertNoSecretPrinted({ passphrase: project.passphrase });
  });
});
