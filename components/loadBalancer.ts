import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LoadBalancerConfig } from "../lib/config/configTypes";

/** A TLS policy that allows TLS 1.2 and 1.3 only (AWS's recommended policy). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface LoadBalancerArgs {
  /** Domain, target port and ingress CIDRs, validated by the config (`lib/config/`). */
  readonly loadBalancer: LoadBalancerConfig;
  /** Used in `Name` tags and descriptions; AWS names are auto-named (ALB names allow 32 characters). */
  readonly clusterName: string;
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's CIDR: the ALB's only egress, to the nodes' target port. */
  readonly vpcCidr: pulumi.Input<string>;
  /** Public subnets the ALB listens in. */
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The nodes' security group: it gets one ingress rule, from the ALB on the target port. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /** The node group's autoscaling group: its instances are the target group's targets. */
  readonly nodeAutoscalingGroupName: pulumi.Input<string>;
}

/**
 * An internet-facing ALB in the public subnets with a target group for the nodes. With a domain:
 * an ACM certificate validated through Route53, HTTPS with an HTTP→HTTPS redirect, and the record
 * `*.<domain>`. The ALB, its security group and the target group need nothing from the cluster,
 * so they are created while the cluster is; only the attachment and one node ingress rule wait.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  readonly dnsName: pulumi.Output<string>;
  readonly targetGroupArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** `*.<domain>` when a domain is configured. */
  readonly recordSet?: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:alb:LoadBalancer", name, {}, opts);
    const { loadBalancer: cfg } = args;
    const listenerPorts = cfg.domainName ? [80, 443] : [80];

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      {
        vpcId: args.vpcId,
        description: `ALB of ${args.clusterName}: listeners from the allowed CIDRs, out to the nodes`,
        tags: { Name: `${args.clusterName}-alb` },
      },
      { parent: this },
    );
    for (const port of listenerPorts) {
      cfg.ingressCidrs.forEach(
        (cidr, i) =>
          new aws.vpc.SecurityGroupIngressRule(
            `${name}-alb-${port}-${i}`,
            {
              securityGroupId: securityGroup.id,
              ipProtocol: "tcp",
              fromPort: port,
              toPort: port,
              cidrIpv4: cidr,
              description: `listener ${port}`,
            },
            { parent: this },
          ),
      );
    }
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-alb-to-nodes`,
      {
        securityGroupId: securityGroup.id,
        ipProtocol: "tcp",
        fromPort: cfg.targetPort,
        toPort: cfg.targetPort,
        cidrIpv4: args.vpcCidr,
        description: "to the nodes' target port",
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-nodes-from-alb`,
      {
        securityGroupId: args.nodeSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: cfg.targetPort,
        toPort: cfg.targetPort,
        referencedSecurityGroupId: securityGroup.id,
        description: "from the ALB on the target port",
      },
      { parent: this },
    );

    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        tags: { Name: `${args.clusterName}-alb` },
        loadBalancerType: "application",
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [securityGroup.id],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: false,
      },
      { parent: this },
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-nodes`,
      {
        tags: { Name: `${args.clusterName}-nodes` },
        port: cfg.targetPort,
        protocol: "HTTP",
        targetType: "instance",
        vpcId: args.vpcId,
        healthCheck: { path: "/", matcher: "200-399", port: "traffic-port" },
      },
      { parent: this },
    );
    new aws.autoscaling.Attachment(
      `${name}-nodes`,
      { autoscalingGroupName: args.nodeAutoscalingGroupName, lbTargetGroupArn: targetGroup.arn },
      { parent: this },
    );

    if (cfg.domainName === undefined) {
      new aws.lb.Listener(
        `${name}-http`,
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        },
        { parent: this },
      );
    } else {
      const domain = cfg.domainName;
      const zone = aws.route53.getZoneOutput(
        { name: domain, privateZone: false },
        { parent: this },
      );
      const certificate = new aws.acm.Certificate(
        `${name}-cert`,
        { domainName: `*.${domain}`, subjectAlternativeNames: [domain], validationMethod: "DNS" },
        { parent: this },
      );
      // `*.example.com` and `example.com` share one validation record, so one record validates
      // both names, and its count is known before the certificate exists.
      const validation = certificate.domainValidationOptions.apply((options) => options[0]);
      const validationRecord = new aws.route53.Record(
        `${name}-cert-validation`,
        {
          zoneId: zone.zoneId,
          name: validation.resourceRecordName,
          type: validation.resourceRecordType,
          records: [validation.resourceRecordValue],
          ttl: 300,
          allowOverwrite: true,
        },
        { parent: this },
      );
      const validated = new aws.acm.CertificateValidation(
        `${name}-cert`,
        { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
        { parent: this },
      );
      new aws.lb.Listener(
        `${name}-http`,
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [
            {
              type: "redirect",
              redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
            },
          ],
        },
        { parent: this },
      );
      new aws.lb.Listener(
        `${name}-https`,
        {
          loadBalancerArn: alb.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: TLS_POLICY,
          certificateArn: validated.certificateArn,
          defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        },
        { parent: this },
      );
      const wildcard = new aws.route53.Record(
        `${name}-wildcard`,
        {
          zoneId: zone.zoneId,
          name: `*.${domain}`,
          type: "A",
          aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
        },
        { parent: this },
      );
      this.recordSet = wildcard.name;
    }

    this.dnsName = alb.dnsName;
    this.targetGroupArn = targetGroup.arn;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({
      dnsName: this.dnsName,
      targetGroupArn: this.targetGroupArn,
      recordSet: this.recordSet,
    });
  }
}
