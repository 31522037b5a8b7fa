/**
 * The AWS target for API7 2.x (deploy.generation 2.x; docs/api7-2x.md): an etcd cluster of etcd.members hosts, spread
 * over the AZs, which stores everything; dashboards on 9000 behind their ALB; gateways on 80/443 behind their NLB, reading
 * etcd under /api7/<v2.clusterId>. The network, images, parameters' key, host groups and alarm topic are 3.x's.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../config/settings";
import { clientCertificate } from "../etcd";
import { CONTROL_PLANE_CHECK, gatewayV2HealthCheck } from "../listeners";
import type { AwsV2StackOutputs, Exported } from "../outputs";
import { PORTS } from "../ports";
import { dashboardV2Service, gatewayV2Service, V2_TLS } from "../v2-services";
import { EC2_STATUS_CHECK, healthySeconds, worstCaseAfterCheck } from "./boot-budget";
import { EtcdCluster, ETCD_USERS } from "./etcd-cluster";
import { EtcdPki, type IssuedCertificate } from "./etcd-pki";
import { EtcdSnapshotBucket } from "./etcd-snapshots";
import { hostRoleName, parameterPrefix, secretParameterName } from "./fleet";
import { HostGroup } from "./host";
import { ImageRegistry } from "./images";
import { hostPlacement } from "./placement";
import { gatewayScaling } from "./data-plane";
import { DataPlaneLoadBalancer } from "./load-balancers";
import { Network } from "./network";
import { ParameterKey } from "./parameter-key";
import { GATEWAY_V2_PORTS, SecurityGroupsV2 } from "./v2-security-groups";
import { V2Alarms } from "./v2-alarms";
import { secretFiles, secretFilesDir } from "./v2-host-files";
import { DashboardV2LoadBalancer, dashboardV2ListenerPort } from "./v2-load-balancers";

/** The stack's outputs for 2.x on AWS (components/outputs.ts awsV2StackOutputs). */
export function awsStackV2(settings: Settings) {
    const { project, stack, controlPlane: cp, dataPlane: dp, etcd: etcdSettings, v2 } = settings;
    const network = new Network("api7", { settings: settings.network });
    const securityGroups = new SecurityGroupsV2("api7-v2", {
        vpcId: network.vpcId,
        adminCidrs: settings.access.adminCidrs,
        clientCidrs: dp.loadBalancer.clientCidrs,
        gatewayListenerPorts: [dp.loadBalancer.httpPort, dp.loadBalancer.httpsPort],
        dashboardListenerPort: dashboardV2ListenerPort(cp.loadBalancer.certificateArn),
        upstreamCidrs: dp.upstreamCidrs,
    });
    const images = new ImageRegistry("api7-images", {
        project,
        stack,
        settings: settings.images,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        vpcCidr: network.vpcCidr,
    });

    const members = Array.from({ length: etcdSettings.members }, (_, i) => `etcd-${i + 1}`);
    const parameterKey = new ParameterKey("api7-parameters", {
        project,
        stack,
        scopes: ["dashboard", "gateway", ...members].map((group) => ({
            roleName: hostRoleName(project, stack, group),
            prefix: parameterPrefix(project, stack, group),
        })),
    });
    const placement = hostPlacement(settings, network, images, parameterKey.arn, [
        ["controlPlane.instanceType", cp.instanceType],
        ["dataPlane.instanceType", dp.instanceType],
        ["etcd.instanceType", etcdSettings.instanceType],
    ]);
    const ami = placement.ami;

    const pki = new EtcdPki("api7-etcd-pki", { stack });
    const snapshots = new EtcdSnapshotBucket("api7-etcd-snapshots", {});
    const etcd = new EtcdCluster("api7-etcd", {
        settings,
        placement,
        securityGroupId: securityGroups.etcd.id,
        pki,
        snapshotBucket: { name: snapshots.name, arn: snapshots.arn },
    });
    const etcdAuth = etcdSettings.auth;

    // A client's etcd files and secrets: its certificate (CN = its etcd user), key and the CA, as TLS_FILES names them.
    // The gateways' files are readable by the container's other users: APISIX's nginx workers run as nobody and read
    // the etcd client key when they connect (apache/apisix issue 5597).
    const clientTls = (group: string, tls: { certFile: string; keyFile: string; caFile: string }, readable = false) => {
        const cert: IssuedCertificate = pki.issue(
            `api7-etcd-client-${group}`,
            clientCertificate(ETCD_USERS[group as keyof typeof ETCD_USERS]),
        );
        const secrets = { "tls-client-crt": cert.certPem, "tls-client-key": cert.keyPem, "tls-ca": pki.caPem };
        const file = (path: string) => path.slice(path.lastIndexOf("/") + 1);
        const name = (s: string) => secretParameterName(project, stack, group, s);
        return {
            secrets,
            extras: secretFiles(
                group,
                {
                    [file(tls.certFile)]: name("tls-client-crt"),
                    [file(tls.keyFile)]: name("tls-client-key"),
                    [file(tls.caFile)]: name("tls-ca"),
                },
                readable,
            ),
            mount: ["-v", `${secretFilesDir(group)}:${tls.caFile.slice(0, tls.caFile.lastIndexOf("/"))}:ro`],
        };
    };

    const dashboardLb = new DashboardV2LoadBalancer("api7-dashboard-lb", {
        vpcId: network.vpcId,
        subnetIds: cp.loadBalancer.internal ? network.privateSubnetIds : network.publicSubnetIds,
        internal: cp.loadBalancer.internal,
        certificateArn: cp.loadBalancer.certificateArn,
        deletionProtection: settings.loadBalancers.deletionProtection,
        securityGroupId: securityGroups.dashboardLb.id,
    });
    const dashboardTls = clientTls("dashboard", V2_TLS.dashboard);
    const dashboard = dashboardV2Service({
        image: placement.image(v2.dashboardImage),
        etcdAddresses: pulumi.all(etcd.addresses),
        // Its load balancer is in the VPC; loopback for the host's own health check.
        allowList: network.vpcCidr.apply((cidr) => [cidr, "127.0.0.1"]),
        etcdAuth,
        dockerArgs: dashboardTls.mount,
    });
    const dashboards = new HostGroup("api7-dashboards", {
        project,
        stack,
        role: "dashboard",
        count: cp.count,
        instanceType: cp.instanceType,
        warmPool: cp.warmPool.size > 0 ? cp.warmPool : undefined,
        rootVolumeGiB: settings.hosts.rootVolumeGiB,
        placement,
        securityGroupIds: [securityGroups.controlPlane.id],
        targetGroupArns: [dashboardLb.targetGroupArn],
        healthyAfterSeconds: healthySeconds(CONTROL_PLANE_CHECK),
        secrets: {
            ...dashboardTls.secrets,
            "jwt-secret": pki.password("api7-dashboard-jwt"),
            "admin-password": cp.adminPassword,
            ...(etcd.passwords ? { "etcd-password": etcd.passwords.dashboard } : {}),
        },
        services: [dashboard],
        userDataExtras: dashboardTls.extras,
        // After the members: a dashboard cannot start without a quorum.
        dependsOn: etcd.groups.map((g) => g.group),
    });

    const gatewayLb = new DataPlaneLoadBalancer("api7-dp-lb", {
        settings: dp.loadBalancer,
        deletionProtection: settings.loadBalancers.deletionProtection,
        vpcId: network.vpcId,
        subnetIds: dp.loadBalancer.internal ? network.privateSubnetIds : network.publicSubnetIds,
        securityGroupId: securityGroups.dataPlaneLb.id,
        targets: {
            http: GATEWAY_V2_PORTS[0],
            https: GATEWAY_V2_PORTS[1],
            healthCheck: gatewayV2HealthCheck(dp.loadBalancer.healthCheck),
        },
    });
    // Without v2.clusterId no gateway host: there is nothing for it to serve until the cluster exists.
    const gateways = v2.clusterId ? gatewayGroup() : undefined;
    function gatewayGroup(): HostGroup {
        const tls = clientTls("gateway", V2_TLS.gateway, true);
        const gateway = gatewayV2Service({
            image: placement.image(v2.gatewayImage),
            etcdAddresses: pulumi.all(etcd.addresses),
            clusterId: v2.clusterId,
            etcdAuth,
            dockerArgs: tls.mount,
        });
        return new HostGroup("api7-gateways", {
            project,
            stack,
            role: "gateway",
            count: dp.count,
            scaling: gatewayScaling(dp),
            instanceType: dp.instanceType,
            warmPool: dp.warmPool.size > 0 ? dp.warmPool : undefined,
            rootVolumeGiB: settings.hosts.rootVolumeGiB,
            placement,
            securityGroupIds: [securityGroups.dataPlane.id],
            targetGroupArns: gatewayLb.targetGroupArnList,
            healthyAfterSeconds: healthySeconds(dp.loadBalancer.healthCheck),
            secrets: { ...tls.secrets, ...(etcd.passwords ? { "etcd-password": etcd.passwords.gateway } : {}) },
            services: [gateway],
            userDataExtras: tls.extras,
            dependsOn: etcd.groups.map((g) => g.group),
        });
    }

    const grace = settings.hosts.healthCheckGraceSeconds;
    const alarms = new V2Alarms("api7-alarms", {
        project,
        stack,
        topicArn: settings.alarms.topicArn || undefined,
        emails: settings.alarms.emails,
        groups: [
            {
                tier: "dashboards",
                name: dashboards.autoScalingGroupName,
                worstCaseSeconds: worstCaseAfterCheck("dashboard", CONTROL_PLANE_CHECK, grace),
            },
            ...(gateways
                ? [
                      {
                          tier: "gateways",
                          name: gateways.autoScalingGroupName,
                          worstCaseSeconds: worstCaseAfterCheck("gateway", dp.loadBalancer.healthCheck, grace),
                      },
                  ]
                : []),
            ...etcd.groups.map((g, i) => ({
                tier: `etcd member ${etcd.members[i].name}`,
                name: g.autoScalingGroupName,
                worstCaseSeconds: worstCaseAfterCheck("etcd", EC2_STATUS_CHECK, grace),
            })),
        ],
        rollouts: [
            etcd.rolloutAssociationId,
            ...[dashboards, gateways].flatMap((g) => (g?.rolloutAssociationId ? [g.rolloutAssociationId] : [])),
        ],
        gateways: {
            loadBalancer: gatewayLb.metricDimensions.loadBalancer,
            targetGroups: gatewayLb.metricDimensions.targetGroups,
            count: dp.count,
        },
        dashboards: dashboardLb.metricDimensions,
        snapshots: { bucket: snapshots.name, intervalMinutes: etcdSettings.snapshotIntervalMinutes },
    });

    return {
        target: "aws" as const,
        generation: "2.x" as const,
        region: aws.getRegionOutput().region,
        hostAmiId: ami.id,
        gatewayEndpoint: gatewayLb.dnsName,
        gatewayUrls: {
            http: pulumi.interpolate`http://${gatewayLb.dnsName}:${dp.loadBalancer.httpPort}`,
            https: pulumi.interpolate`https://${gatewayLb.dnsName}:${dp.loadBalancer.httpsPort}`,
        },
        dashboardUrl: dashboardLb.url,
        etcdEndpoints: etcd.addresses.map((ip) => pulumi.interpolate`https://${ip}:${PORTS.etcdClient}`),
        etcdCaCert: pki.caPem,
        snapshotBucket: snapshots.name,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        availabilityZones: network.availabilityZones,
        securityGroupIds: {
            dashboards: securityGroups.controlPlane.id,
            gateways: securityGroups.dataPlane.id,
            etcd: securityGroups.etcd.id,
        },
        autoScalingGroups: {
            dashboards: dashboards.autoScalingGroupName,
            gateways: gateways?.autoScalingGroupName,
            etcd: etcd.groups.map((g) => g.autoScalingGroupName),
        },
        imageSource: images.source,
        alarmTopicArn: alarms.topicArn,
    } satisfies Exported<AwsV2StackOutputs>;
}
