/**
 * The AWS target (deploy.target aws): the HA topology on AWS. Builds the components and returns the stack's
 * outputs. Resource logic lives in the components.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ControlPlane } from "./control-plane";
import { DataPlane } from "./data-plane";
import { FallbackStorage } from "./fallback";
import { Bootstrap } from "./bootstrap";
import { ManagedDatabase } from "./database";
import { credentialsIssued, type Settings } from "../config/settings";
import { credentialParameters } from "./data-plane";
import { hostRoleName, parameterPrefix, secretParameterName } from "./fleet";
import { hostPlacement } from "./placement";
import { PENDING_SECRET } from "../placeholders";
import { ImageRegistry } from "./images";
import { CONTROL_PLANE_CHECK, dashboardListenerPort } from "../listeners";
import { StackAlarms } from "./alarms";
import { topicRegionProblem } from "../config/load";
import { longestIntervalSeconds } from "../schedule";
import { worstCaseAfterCheck } from "./boot-budget";
import { ControlPlaneLoadBalancers, DataPlaneLoadBalancer } from "./load-balancers";
import { PrometheusHost } from "./monitoring";
import { Network } from "./network";
import type { AwsStackOutputs, Exported } from "../outputs";
import { ParameterKey } from "./parameter-key";
import type { ParameterScope } from "./parameter-access";
import { dashboardTarget, PORTS } from "../ports";
import { SecurityGroups } from "./security-groups";

/** The stack's outputs on AWS (components/outputs.ts defines them). */
export function awsStack(settings: Settings) {
    const { controlPlane: cpSettings, dataPlane: dpSettings, prometheus: promSettings } = settings;
    const mtls = dpSettings.auth.kind === "mtls";
    const prometheusPlacement = promSettings.enabled ? promSettings.placement : "off";

    // Fallback buckets first: the S3 endpoint's policy and both planes refer to them.
    const fallback = settings.fallback.enabled
        ? new FallbackStorage("api7-fallback", {
              project: settings.project,
              stack: settings.stack,
              settings: settings.fallback,
              controlPlaneRoleName: hostRoleName(settings.project, settings.stack, "cp"),
          })
        : undefined;

    const network = new Network("api7", {
        settings: settings.network,
        fallbackBucketArns: fallback?.bucketArns,
    });

    const securityGroups = new SecurityGroups("api7", {
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        adminCidrs: settings.access.adminCidrs,
        clientCidrs: dpSettings.loadBalancer.clientCidrs,
        gatewayListenerPorts: [dpSettings.loadBalancer.httpPort, dpSettings.loadBalancer.httpsPort],
        httpsPassthrough: dpSettings.loadBalancer.httpsMode === "passthrough",
        dashboardListenerPort: dashboardListenerPort(cpSettings.loadBalancer.certificateArn),
        dashboardTargetPort: dashboardTarget(cpSettings.dashboardListener).port,
        controlPlaneAuth: dpSettings.auth.kind,
        // A brought database's CIDRs, port and engine (its DSN is not read there).
        database: settings.database.kind === "managed" ? { kind: "managed" } : settings.database,
        upstreamCidrs: dpSettings.upstreamCidrs,
        prometheus: prometheusPlacement,
    });

    // API7's PostgreSQL: created here (RDS), unless the stack brings its own (databaseDsn).
    const database =
        settings.database.kind === "managed"
            ? new ManagedDatabase("api7-db", {
                  project: settings.project,
                  stack: settings.stack,
                  settings: settings.database,
                  subnetIds: network.privateSubnetIds,
                  securityGroup: securityGroups.database!,
              })
            : undefined;

    // Where hosts pull images from (images.source): every run spec's image reference follows it.
    const images = new ImageRegistry("api7-images", {
        project: settings.project,
        stack: settings.stack,
        settings: settings.images,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        vpcCidr: network.vpcCidr,
    });

    // The hosts' parameters: each group's role reads its own path only (and the control plane the gateways'
    // credentials it issues), under a key of the stack's whose policy holds them to it.
    const issuedCredentials = credentialsIssued(dpSettings.auth)
        ? Object.values(credentialParameters(settings.project, settings.stack, dpSettings.auth.kind))
        : [];
    const scope = (role: string, shared: readonly string[] = []): ParameterScope => ({
        roleName: hostRoleName(settings.project, settings.stack, role),
        prefix: parameterPrefix(settings.project, settings.stack, role),
        shared,
    });
    const parameterKey = new ParameterKey("api7-parameters", {
        project: settings.project,
        stack: settings.stack,
        scopes: [
            scope("cp", issuedCredentials),
            scope("dp"),
            ...(prometheusPlacement === "dedicated" ? [scope("prometheus")] : []),
        ],
    });

    // What every host group shares (components/aws/placement.ts), each group's instance type checked.
    const placement = hostPlacement(settings, network, images, parameterKey.arn, [
        ["controlPlane.instanceType", cpSettings.instanceType],
        ["dataPlane.instanceType", dpSettings.instanceType],
        ...(prometheusPlacement === "dedicated"
            ? [["prometheus.instanceType", promSettings.instanceType] as const]
            : []),
    ]);
    /** The AMI every host launches from (resolved once, or hosts.amiId). */
    const hostAmiId = placement.ami.id;

    const prometheusHost =
        prometheusPlacement === "dedicated"
            ? new PrometheusHost("api7-prometheus", {
                  project: settings.project,
                  stack: settings.stack,
                  image: promSettings.image,
                  instanceType: promSettings.instanceType,
                  placement,
                  rootVolumeGiB: settings.hosts.rootVolumeGiB,
                  vpcId: network.vpcId,
                  privateSubnetIds: network.privateSubnetIds,
                  securityGroupIds: [securityGroups.prometheus!.id],
                  loadBalancerSecurityGroupId: securityGroups.prometheusLb!.id,
                  deletionProtection: settings.loadBalancers.deletionProtection,
              })
            : undefined;

    // Load balancers before the hosts: each Auto Scaling group registers its hosts in their target groups.
    const controlPlaneLbs = new ControlPlaneLoadBalancers("api7-cp-lb", {
        vpcId: network.vpcId,
        dashboardSubnetIds: cpSettings.loadBalancer.internal ? network.privateSubnetIds : network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        dashboardInternal: cpSettings.loadBalancer.internal,
        dashboardCertificateArn: cpSettings.loadBalancer.certificateArn,
        mtls,
        deletionProtection: settings.loadBalancers.deletionProtection,
        dashboardSecurityGroupId: securityGroups.dashboardLb.id,
        dpManagerSecurityGroupId: securityGroups.dpManagerLb.id,
        dashboardTarget: dashboardTarget(cpSettings.dashboardListener),
    });

    const controlPlane = new ControlPlane("api7-cp", {
        settings,
        placement,
        securityGroupIds: [securityGroups.controlPlaneId],
        targetGroupArns: controlPlaneLbs.targetGroupArns,
        issuedParameters: issuedCredentials,
        database:
            settings.database.kind === "external"
                ? { kind: "external", dsn: settings.database.dsn }
                : { kind: "managed", endpoint: database!.endpoint },
        prometheusAddress:
            prometheusHost?.url ??
            (prometheusPlacement === "controlPlane" ? `http://127.0.0.1:${PORTS.prometheus}` : undefined),
        prometheusOnHosts: prometheusPlacement === "controlPlane" ? { image: promSettings.image } : undefined,
        fallbackExport: fallback && {
            region: fallback.region,
            configBucket: fallback.configBucket,
            resourceBucket: fallback.resourceBucket,
            cronSpec: settings.fallback.cronSpec,
            credentials: fallback.writerCredentials,
        },
    });

    // Gateways reach the DP Managers only through their load balancer, never one host's address.
    const dpManagerUrl = mtls
        ? pulumi.interpolate`https://${controlPlaneLbs.dpManagerDnsName}:${PORTS.dpManagerMtls}`
        : pulumi.interpolate`http://${controlPlaneLbs.dpManagerDnsName}:${PORTS.dpManager}`;

    const dataPlaneLb = new DataPlaneLoadBalancer("api7-dp-lb", {
        settings: dpSettings.loadBalancer,
        deletionProtection: settings.loadBalancers.deletionProtection,
        vpcId: network.vpcId,
        subnetIds: dpSettings.loadBalancer.internal ? network.privateSubnetIds : network.publicSubnetIds,
        securityGroupId: securityGroups.dataPlaneLb.id,
    });

    const dataPlane = new DataPlane("api7-dp", {
        settings,
        placement,
        securityGroupIds: [securityGroups.dataPlaneId],
        targetGroupArns: dataPlaneLb.targetGroupArnList,
        // After the control plane's hosts are healthy: a gateway waits for the credentials they issue, and a
        // gateway group created first would wait on them past its grace period.
        dependsOn: [controlPlane.hosts.group],
        controlPlaneEndpoints: dpManagerUrl.apply((e) => [e]),
        metricsExport: promSettings.enabled,
        fallbackSource: fallback && {
            region: fallback.region,
            configBucket: fallback.configBucket,
            resourceBucket: fallback.resourceBucket,
            credentials: fallback.readerCredentials,
        },
    });

    // First install: admin password, license, gateway group and the gateways' credentials, on the control plane.
    const bootstrap = new Bootstrap("api7-bootstrap", {
        project: settings.project,
        stack: settings.stack,
        dashboardListener: cpSettings.dashboardListener,
        gatewayGroup: {
            name: dpSettings.gatewayGroupName,
            shortId: dpSettings.gatewayGroupId,
            create: dpSettings.createGatewayGroup,
        },
        controlPlaneAddress: dpManagerUrl,
        credentials: {
            kind: dpSettings.auth.kind,
            issue: credentialsIssued(dpSettings.auth),
            parameters: credentialParameters(settings.project, settings.stack, dpSettings.auth.kind),
            pending: PENDING_SECRET,
        },
        parameterKeyArn: parameterKey.arn,
        licenseParameter: secretParameterName(settings.project, settings.stack, "cp", "license"),
        passwordParameter: secretParameterName(settings.project, settings.stack, "cp", "admin-password"),
        controlPlaneRoleName: controlPlane.hosts.roleName,
        controlPlaneGroup: controlPlane.hosts.group,
        secretVersions: controlPlane.hosts.secretVersions,
    });

    if (fallback && settings.fallback.credentials === "instanceRole") {
        fallback.grantTo("writer", controlPlane.hosts.roleName);
        fallback.grantTo("reader", dataPlane.hosts.roleName);
    }

    // Alarms on what breaks HA, notifying one topic (README: alarms).
    const grace = settings.hosts.healthCheckGraceSeconds;
    const alarms = new StackAlarms("api7-alarms", {
        stack: settings.stack,
        project: settings.project,
        topicArn: settings.alarms.topicArn
            ? aws.getRegionOutput().region.apply((region) => {
                  const problem = topicRegionProblem(settings.alarms.topicArn, region);
                  if (!problem) return settings.alarms.topicArn;
                  void pulumi.log.error(problem);
                  throw new pulumi.RunError("stopped before the alarms: alarms.topicArn, reported above");
              })
            : undefined,
        emails: settings.alarms.emails,
        gatewayDimensions: dataPlaneLb.metricDimensions,
        gatewayCount: dpSettings.count,
        controlPlaneTargets: controlPlaneLbs.metricDimensions,
        groups: [
            {
                tier: "gateways",
                name: dataPlane.hosts.autoScalingGroupName,
                worstCaseSeconds: worstCaseAfterCheck("dp", dpSettings.loadBalancer.healthCheck, grace),
            },
            {
                tier: "control plane",
                name: controlPlane.hosts.autoScalingGroupName,
                worstCaseSeconds: worstCaseAfterCheck("cp", CONTROL_PLANE_CHECK, grace),
            },
        ],
        rollouts: [controlPlane.hosts, dataPlane.hosts, ...(prometheusHost ? [prometheusHost.hosts] : [])].flatMap(
            (h) => h.rolloutAssociationId ?? [],
        ),
        database:
            database && settings.database.kind === "managed"
                ? {
                      identifier: database.identifier,
                      allocatedStorageGiB: settings.database.allocatedStorageGiB,
                      connections: settings.alarms.databaseConnections,
                  }
                : undefined,
        freshness: fallback && {
            buckets: [
                { role: "config", bucket: fallback.configBucket },
                { role: "resource", bucket: fallback.resourceBucket },
            ],
            longestGapSeconds: longestIntervalSeconds(settings.fallback.cronSpec),
        },
        outageMetrics:
            settings.fallback.enabled && dpSettings.mode === "normal"
                ? { gatewayGroup: dpSettings.gatewayGroupId }
                : undefined,
    });

    const gatewayEndpoint = dataPlaneLb.dnsName;
    const gatewayTargetGroupArns = dataPlaneLb.targetGroupArns;
    const gatewayUrls = {
        http: pulumi.interpolate`http://${dataPlaneLb.dnsName}:${dpSettings.loadBalancer.httpPort}`,
        https: pulumi.interpolate`https://${dataPlaneLb.dnsName}:${dpSettings.loadBalancer.httpsPort}`,
    };
    const dashboardUrl = controlPlaneLbs.dashboardUrl;
    const dpManagerEndpoint = dpManagerUrl;
    // On the control-plane hosts Prometheus has no shared address (each host runs its own on :9090): see README.
    const prometheusUrl = prometheusHost?.url;
    const dataPlaneMode = dpSettings.mode;
    const fallbackBuckets = fallback && { config: fallback.configBucket, resource: fallback.resourceBucket };
    const bootstrapSpec = bootstrap.spec;
    const databaseEndpoint = database && pulumi.interpolate`${database.endpoint.host}:${database.endpoint.port}`;
    const databaseSecretArn = database?.endpoint.secretArn;
    const vpcId = network.vpcId;
    const privateSubnetIds = network.privateSubnetIds;
    const publicSubnetIds = network.publicSubnetIds;
    const availabilityZones = network.availabilityZones;
    const securityGroupIds = { controlPlane: securityGroups.controlPlaneId, dataPlane: securityGroups.dataPlaneId };
    /** The Auto Scaling groups (README: watching, cancelling and rolling back an instance refresh). */
    const autoScalingGroups = {
        controlPlane: controlPlane.hosts.autoScalingGroupName,
        dataPlane: dataPlane.hosts.autoScalingGroupName,
        ...(prometheusHost ? { prometheus: prometheusHost.hosts.autoScalingGroupName } : {}),
    };
    const imageSource = images.source;

    return {
        target: "aws" as const,
        region: aws.getRegionOutput().region,
        hostAmiId,
        gatewayEndpoint,
        gatewayTargetGroupArns,
        gatewayUrls,
        dashboardUrl,
        dpManagerEndpoint,
        prometheusUrl,
        dataPlaneMode,
        fallbackBuckets,
        bootstrapSpec,
        databaseEndpoint,
        databaseSecretArn,
        vpcId,
        privateSubnetIds,
        publicSubnetIds,
        availabilityZones,
        securityGroupIds,
        autoScalingGroups,
        imageSource,
        cloudwatchDashboardUrl: alarms.dashboardUrl,
        alarmTopicArn: alarms.topicArn,
    } satisfies Exported<AwsStackOutputs>;
}
