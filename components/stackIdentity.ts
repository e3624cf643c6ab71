import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { STACK_ID_LENGTH, stackIdentityTag } from "../lib/tags";

export interface StackIdentityArgs {
  /** The stack's name, `<org>/<project>/<stack>` (`stackTagValue`): the tag's readable start. Required. */
  readonly stackName: string;
}

/**
 * The stack's identity: a random id created on the first `up` and kept in the state (a
 * `random.RandomString` of lower-case letters and digits, without keepers, never changes; a
 * string rather than a `RandomId` because the test toolchain's random provider has only
 * RandomPassword and RandomString), and the stack tag made of it,
 * `<org>/<project>/<stack>/<id>`. Two stacks never share it, whatever their backend and names:
 * the name alone does not tell two file-backend `dev` stacks apart (both are
 * `organization/andyredis/dev`). Every destructive selection (the destroy hook) and the audit
 * go by this tag.
 */
export class StackIdentity extends pulumi.ComponentResource {
  /** The random id: 16 lower-case letters and digits. */
  readonly stackId: pulumi.Output<string>;
  /** The value of the `andyredis/stack` tag. */
  readonly stackTag: pulumi.Output<string>;

  constructor(name: string, args: StackIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:identity:StackIdentity", name, {}, opts);
    const id = new random.RandomString(
      `${name}-id`,
      { length: STACK_ID_LENGTH, lower: true, numeric: true, upper: false, special: false },
      { parent: this },
    );
    this.stackId = id.result;
    this.stackTag = id.result.apply((value) => stackIdentityTag(args.stackName, value));
    this.registerOutputs({ stackId: this.stackId, stackTag: this.stackTag });
  }
}
