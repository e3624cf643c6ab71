import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { STACK_ID_BYTES, stackIdentityTag } from "../lib/tags";

export interface StackIdentityArgs {
  /** The stack's name, `<org>/<project>/<stack>` (`stackTagValue`): the tag's readable start. Required. */
  readonly stackName: string;
}

/**
 * The stack's identity: a random id created on the first `up` and kept in the state (a
 * `random.RandomId` without keepers never changes), and the stack tag made of it,
 * `<org>/<project>/<stack>/<id>`. Two stacks never share it, whatever their backend and names:
 * the name alone does not tell two file-backend `dev` stacks apart (both are
 * `organization/andyredis/dev`). Every destructive selection (the destroy hook) and the audit
 * go by this tag.
 */
export class StackIdentity extends pulumi.ComponentResource {
  /** The random id: 16 hex digits. */
  readonly stackId: pulumi.Output<string>;
  /** The value of the `andyredis/stack` tag. */
  readonly stackTag: pulumi.Output<string>;

  constructor(name: string, args: StackIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:identity:StackIdentity", name, {}, opts);
    const id = new random.RandomId(`${name}-id`, { byteLength: STACK_ID_BYTES }, { parent: this });
    this.stackId = id.hex;
    this.stackTag = id.hex.apply((hex) => stackIdentityTag(args.stackName, hex));
    this.registerOutputs({ stackId: this.stackId, stackTag: this.stackTag });
  }
}
