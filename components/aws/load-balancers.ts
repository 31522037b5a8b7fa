/**
 * Load balancers in front of each pair.
 *
 * Why these kinds:
 * - Gateways: a Network Load Balancer. Client traffic is TCP; HTTPS passes through untouched to the gateways' 9443
 *   (they terminate TLS with certificates managed in API7), or, optionally, TLS terminates at the NLB with an ACM
 *   certificate. An NLB keeps client IPs, adds no HTTP semantics of its own and scales without pre-warming.
 * - Dashboard: an Application Load Balancer. It is an HTTP(S) console for people: the ALB terminates HTTPS with
 *   ACM on a TLS 1.3 policy, checks `GET /healthz`, drops invalid headers, and its security group is where
 *   access.adminCidrs apply.
 * - DP Manager: an internal Network Load Balancer. Gateways hold long-lived watch connections (etcd v3 API) to
 *   7900, and 7943 is mutual TLS between gateway and DP Manager, which must pass through untouched: only a TCP
 *   listener does that. Internal only; reachable only from the gateways' security group.
 *
 * Every load balancer spans >= 2 AZs, has cross-zone load balancing on and deletion protection by config.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PORTS, dashboardTarget } from "../ports";
import type { DataPlaneLoadBalancerSettings } from "../config/settings";
import { CONTROL_PLANE_HEALTH, dashboardListenerPort, gatewayHealthCheck, TLS_POLICY } from "../listeners";

export interface DataPlaneLoadBalancerArgs {
    readonly settings: DataPlaneLoadBalancerSettings;
    readonly deletionProtection: boolean;
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets (internet-facing) or private subnets (internal), >= 2 AZs. */
    readonly subnetIds: pulumi.Input<string[]>;
    readonly securityGroupId: pulumi.Input<string>;
    /** The gateways' ports and health check on the hosts; default API7 3.x's (9080, 9443, GET /status on 7085). */
    readonly targets?: {
        readonly http: number;
        readonly https: number;
        readonly healthCheck: aws.types.input.lb.TargetGroupHealthCheck;
    };
    readonly tags?: Record<string, string>;
}

/**
 * The gateways' NLB: HTTP and HTTPS listeners and their target groups, checked on GET /status. The gateways' Auto
 * Scaling group registers every gateway in every target group (components/aws/host.ts).
 */
export class DataPlaneLoadBalancer extends pulumi.ComponentResource {
    public readonly dnsName: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    /** Every target group of the gateways (HTTP, and HTTPS with passthrough). */
    public readonly targetGroupArns: pulumi.Output<string[]>;
    /** The same, one output each, for the gateways' Auto Scaling group. */
    public readonly targetGroupArnList: pulumi.Output<string>[];
    /**
     * CloudWatch's dimensions of the load balancer and its target groups (LoadBalancer net/<name>/<id>, TargetGroup
     * targetgroup/<name>/<id>): the provider's arnSuffix, "for use with CloudWatch Metrics" (@pulumi/aws
     * lb/loadBalancer.d.ts, lb/targetGroup.d.ts).
     */
    public readonly metricDimensions: {
        readonly loadBalancer: pulumi.Output<string>;
        readonly targetGroups: pulumi.Output<string>[];
    };

    constructor(name: string, args: DataPlaneLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:DataPlaneLoadBalancer", name, {}, opts);
        const s = args.settings;
        const tags = args.tags ?? {};
        const targets = args.targets ?? {
            http: PORTS.gatewayHttp,
            https: PORTS.gatewayHttps,
            healthCheck: gatewayHealthCheck(s.healthCheck),
        };

        const lb = new aws.lb.LoadBalancer(
            `${name}-nlb`,
            {
                loadBalancerType: "network",
                internal: s.internal,
                subnets: args.subnetIds,
                securityGroups: [args.securityGroupId],
                enableCrossZoneLoadBalancing: true,
                enableDeletionProtection: args.deletionProtection,
                tags,
            },
            { parent: this },
        );

        const targetGroups: aws.lb.TargetGroup[] = [];
        const targetGroup = (role: string, port: number) => {
            const tg = new aws.lb.TargetGroup(
                `${name}-${role}`,
                {
                    vpcId: args.vpcId,
                    protocol: "TCP",
                    port,
                    targetType: "instance",
                    healthCheck: targets.healthCheck,
                    deregistrationDelay: s.deregistrationDelaySeconds,
                    connectionTermination: true,
                    // The gateway sees the real client address; the hosts' security group admits the NLB's group.
                    preserveClientIp: "true",
                    tags,
                },
                { parent: this },
            );
            targetGroups.push(tg);
            return tg;
        };

        const http = targetGroup("http", targets.http);
        new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: lb.arn,
                protocol: "TCP",
                port: s.httpPort,
                defaultActions: [{ type: "forward", targetGroupArn: http.arn }],
                tags,
            },
            { parent: this },
        );

        if (s.httpsMode === "passthrough") {
            const https = targetGroup("https", targets.https);
            new aws.lb.Listener(
                `${name}-https`,
                {
                    loadBalancerArn: lb.arn,
                    protocol: "TCP",
                    port: s.httpsPort,
                    defaultActions: [{ type: "forward", targetGroupArn: https.arn }],
                    tags,
                },
                { parent: this },
            );
        } else {
            new aws.lb.Listener(
                `${name}-https`,
                {
                    loadBalancerArn: lb.arn,
                    protocol: "TLS",
                    port: s.httpsPort,
                    certificateArn: s.certificateArn,
                    sslPolicy: TLS_POLICY,
                    defaultActions: [{ type: "forward", targetGroupArn: http.arn }],
                    tags,
                },
                { parent: this },
            );
        }

        this.dnsName = lb.dnsName;
        this.arn = lb.arn;
        this.targetGroupArnList = targetGroups.map((tg) => tg.arn);
        this.metricDimensions = { loadBalancer: lb.arnSuffix, targetGroups: targetGroups.map((tg) => tg.arnSuffix) };
        this.targetGroupArns = pulumi.all(this.targetGroupArnList);
        this.registerOutputs({ dnsName: this.dnsName, arn: this.arn, targetGroupArns: this.targetGroupArns });
    }
}

export interface ControlPlaneLoadBalancersArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Subnets for the dashboard's ALB: public when internet-facing, private when internal. */
    readonly dashboardSubnetIds: pulumi.Input<string[]>;
    /** Private subnets for the DP Managers' internal NLB. */
    readonly privateSubnetIds: pulumi.Input<string[]>;
    readonly dashboardInternal: boolean;
    /** HTTPS on 443 with this ACM certificate; plain HTTP on 7080 without. */
    readonly dashboardCertificateArn?: string;
    /** Open 7943 (mTLS passthrough) besides 7900. */
    readonly mtls: boolean;
    readonly deletionProtection: boolean;
    readonly dashboardSecurityGroupId: pulumi.Input<string>;
    /** The dashboard listener on the hosts the ALB forwards to (ports.ts dashboardTarget). */
    readonly dashboardTarget: ReturnType<typeof dashboardTarget>;
    readonly dpManagerSecurityGroupId: pulumi.Input<string>;
    readonly tags?: Record<string, string>;
}

/** The dashboard's ALB and the DP Managers' internal NLB. */
export class ControlPlaneLoadBalancers extends pulumi.ComponentResource {
    public readonly dashboardDnsName: pulumi.Output<string>;
    public readonly dashboardUrl: pulumi.Output<string>;
    public readonly dpManagerDnsName: pulumi.Output<string>;
    /** The dashboard's and the DP Managers' target groups, which the control-plane hosts register in. */
    public readonly targetGroupArns: pulumi.Output<string>[];
    /**
     * CloudWatch's dimensions (arnSuffix) of each control-plane target group and its load balancer: the dashboard's
     * ALB (AWS/ApplicationELB) and the DP Managers' NLB (AWS/NetworkELB).
     */
    public readonly metricDimensions: {
        readonly role: "dashboard" | "dp-manager";
        readonly namespace: "AWS/ApplicationELB" | "AWS/NetworkELB";
        readonly loadBalancer: pulumi.Output<string>;
        readonly targetGroup: pulumi.Output<string>;
    }[] = [];

    constructor(name: string, args: ControlPlaneLoadBalancersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:ha:ControlPlaneLoadBalancers", name, {}, opts);
        const tags = args.tags ?? {};

        // Dashboard.
        const alb = new aws.lb.LoadBalancer(
            `${name}-dashboard`,
            {
                loadBalancerType: "application",
                internal: args.dashboardInternal,
                subnets: args.dashboardSubnetIds,
                securityGroups: [args.dashboardSecurityGroupId],
                dropInvalidHeaderFields: true,
                enableDeletionProtection: args.deletionProtection,
                tags,
            },
            { parent: this },
        );
        // To the listener the dashboard serves (controlPlane.dashboardListener), health-checked on that listener.
        const target = args.dashboardTarget;
        const dashboardTg = new aws.lb.TargetGroup(
            `${name}-dashboard`,
            {
                vpcId: args.vpcId,
                protocol: target.protocol,
                port: target.port,
                targetType: "instance",
                healthCheck: { ...CONTROL_PLANE_HEALTH, protocol: target.protocol, port: String(target.port) },
                deregistrationDelay: 30,
                tags,
            },
            { parent: this },
        );
        const targetGroupArns = [dashboardTg.arn];
        this.metricDimensions.push({
            role: "dashboard",
            namespace: "AWS/ApplicationELB",
            loadBalancer: alb.arnSuffix,
            targetGroup: dashboardTg.arnSuffix,
        });
        const listenerPort = dashboardListenerPort(args.dashboardCertificateArn);
        new aws.lb.Listener(
            `${name}-dashboard`,
            {
                loadBalancerArn: alb.arn,
                ...(args.dashboardCertificateArn
                    ? {
                          protocol: "HTTPS",
                          port: listenerPort,
                          certificateArn: args.dashboardCertificateArn,
                          sslPolicy: TLS_POLICY,
                      }
                    : { protocol: "HTTP", port: listenerPort }),
                defaultActions: [{ type: "forward", targetGroupArn: dashboardTg.arn }],
                tags,
            },
            { parent: this },
        );

        // DP Manager.
        const nlb = new aws.lb.LoadBalancer(
            `${name}-dpm`,
            {
                loadBalancerType: "network",
                internal: true,
                subnets: args.privateSubnetIds,
                securityGroups: [args.dpManagerSecurityGroupId],
                enableCrossZoneLoadBalancing: true,
                enableDeletionProtection: args.deletionProtection,
                tags,
            },
            { parent: this },
        );
        for (const port of args.mtls ? [PORTS.dpManager, PORTS.dpManagerMtls] : [PORTS.dpManager]) {
            const role = port === PORTS.dpManager ? "dpm" : "dpm-mtls";
            const tg = new aws.lb.TargetGroup(
                `${name}-${role}`,
                {
                    vpcId: args.vpcId,
                    protocol: "TCP",
                    port,
                    targetType: "instance",
                    // 7943 is mTLS end to end, so its health is read from the same DP Manager's HTTP port.
                    healthCheck: { ...CONTROL_PLANE_HEALTH, port: String(PORTS.dpManager) },
                    deregistrationDelay: 30,
                    connectionTermination: true,
                    tags,
                },
                { parent: this },
            );
            targetGroupArns.push(tg.arn);
            if (port === PORTS.dpManager)
                this.metricDimensions.push({
                    role: "dp-manager",
                    namespace: "AWS/NetworkELB",
                    loadBalancer: nlb.arnSuffix,
                    targetGroup: tg.arnSuffix,
                });
            new aws.lb.Listener(
                `${name}-${role}`,
                {
                    loadBalancerArn: nlb.arn,
                    protocol: "TCP",
                    port,
                    defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
                    tags,
                },
                { parent: this },
            );
        }

        this.dashboardDnsName = alb.dnsName;
        this.dashboardUrl = pulumi.interpolate`${args.dashboardCertificateArn ? "https" : "http"}://${alb.dnsName}:${listenerPort}`;
        this.dpManagerDnsName = nlb.dnsName;
        this.targetGroupArns = targetGroupArns;
        this.registerOutputs({
            dashboardDnsName: this.dashboardDnsName,
            dashboardUrl: this.dashboardUrl,
            dpManagerDnsName: this.dpManagerDnsName,
        });
    }
}
