/**
 * The API7 2.x dashboards' Application Load Balancer (deploy.generation 2.x): the console on 9000 behind HTTPS with
 * controlPlane.loadBalancer.certificateArn (443), else plain HTTP on 9000, checked on GET /ping. The gateways' NLB is
 * 3.x's (components/aws/load-balancers.ts) with the 2.x ports and health check.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DASHBOARD_V2_HEALTH, TLS_POLICY } from "../listeners";
import { PORTS } from "../ports";

export interface DashboardV2LoadBalancerArgs {
    readonly vpcId: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<string[]>;
    readonly internal: boolean;
    readonly certificateArn?: string;
    readonly deletionProtection: boolean;
    readonly securityGroupId: pulumi.Input<string>;
    readonly tags?: Record<string, string>;
}

/** The 2.x dashboard's listener port: 443 with a certificate, 9000 without. */
export function dashboardV2ListenerPort(certificateArn: string | undefined): number {
    return certificateArn ? 443 : PORTS.dashboardV2;
}

export class DashboardV2LoadBalancer extends pulumi.ComponentResource {
    public readonly url: pulumi.Output<string>;
    public readonly targetGroupArn: pulumi.Output<string>;
    /** CloudWatch's dimensions (arnSuffix) of the load balancer and its target group. */
    public readonly metricDimensions: {
        readonly loadBalancer: pulumi.Output<string>;
        readonly targetGroup: pulumi.Output<string>;
    };

    constructor(name: string, args: DashboardV2LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:DashboardV2LoadBalancer", name, {}, opts);
        const tags = args.tags ?? {};
        const parent = { parent: this };
        const alb = new aws.lb.LoadBalancer(
            name,
            {
                loadBalancerType: "application",
                internal: args.internal,
                subnets: args.subnetIds,
                securityGroups: [args.securityGroupId],
                dropInvalidHeaderFields: true,
                enableDeletionProtection: args.deletionProtection,
                tags,
            },
            parent,
        );
        const tg = new aws.lb.TargetGroup(
            name,
            {
                vpcId: args.vpcId,
                protocol: "HTTP",
                port: PORTS.dashboardV2,
                targetType: "instance",
                healthCheck: DASHBOARD_V2_HEALTH,
                deregistrationDelay: 30,
                tags,
            },
            parent,
        );
        const port = dashboardV2ListenerPort(args.certificateArn);
        new aws.lb.Listener(
            name,
            {
                loadBalancerArn: alb.arn,
                ...(args.certificateArn
                    ? { protocol: "HTTPS", port, certificateArn: args.certificateArn, sslPolicy: TLS_POLICY }
                    : { protocol: "HTTP", port }),
                defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
                tags,
            },
            parent,
        );
        this.url = pulumi.interpolate`${args.certificateArn ? "https" : "http"}://${alb.dnsName}:${port}`;
        this.targetGroupArn = tg.arn;
        this.metricDimensions = { loadBalancer: alb.arnSuffix, targetGroup: tg.arnSuffix };
        this.registerOutputs({ url: this.url });
    }
}
