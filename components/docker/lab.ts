/**
 * The Docker lab (deploy.target docker): the HA topology on one Docker engine, from the same service definitions
 * as the AWS target (components/services.ts) and the same templates. A database (PostgreSQL or MySQL 5.7:
 * components/docker/lab-database.ts), controlPlane.count control-plane nodes (a dashboard and a DP Manager container
 * each), dataPlane.count gateways, an HAProxy load balancer with the stack's health checks, optional Prometheus, and
 * the first-install bootstrap run by the program (components/docker/lab-bootstrap.ts) so that the lab comes up in one
 * `pulumi up`.
 *
 * @pulumi/docker 5.2 is pulumi/pulumi-docker bridging kreuzwerker/terraform-provider-docker; read at the upstream
 * its submodule pins, v4.5.0 (5074970c), internal/provider/resource_docker_container_funcs.go (the 5.2.0 build
 * comes from a slightly newer upstream, not read):
 * - `uploads` are copied in before the container starts: ContainerCreate, then NetworkConnect for
 *   networks_advanced, then CopyToContainer, then ContainerStart (resourceDockerContainerCreate).
 * - `networksAdvanced.aliases` go to the endpoint's Aliases when the container joins the network, and Docker's
 *   embedded DNS (127.0.0.11, user-defined networks only) answers "a container name, a network alias" (docker/docs
 *   content/manuals/engine/network/dns.md): the names HAProxy and the services use for each other.
 * - `restart: unless-stopped`: "when the container is stopped (manually or otherwise), it isn't restarted even after
 *   Docker daemon restarts" (docker/docs start-containers-automatically.md), so a drill's `docker stop` holds until
 *   its `docker start`. The provider's `mustRun` (default true) starts a stopped container again on the next
 *   `pulumi up`.
 * Healthchecks: components/docker/healthcheck.ts for API7 and Prometheus (which HTTP client their images hold is not
 * confirmed, so nothing waits on them) and for HAProxy (its monitor frontend); the database's in lab-database.ts.
 */
import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../config/settings";
import { bootSteps, type HostRole } from "../aws/boot-budget";
import { CONTROL_PLANE_CHECK, CONTROL_PLANE_HEALTH, PROMETHEUS_HEALTH } from "../listeners";
import { PORTS } from "../ports";
import { controlPlaneServices, DATABASE_DSN_SECRET, gatewayService, type ServiceDefinition } from "../services";
import { renderYamlTemplate } from "../templates";
import { haproxyConfig, HAPROXY_CONFIG_PATH, HAPROXY_HEALTH_PATH, HAPROXY_HEALTH_PORT } from "./haproxy";
import { httpHealthcheck, type ProbeTiming } from "./healthcheck";
import { LabBootstrap } from "./lab-bootstrap";
import { labDatabase } from "./lab-database";
import { pinnedImage } from "./images";
import { derivedUuid, substitute } from "./values";

/** Lab container names, for the drills (`npm run drill`) and `docker ps`. */
export interface LabContainers {
    readonly gateways: string[];
    readonly dashboards: string[];
    readonly dpManagers: string[];
    /** The database's container: PostgreSQL or MySQL (lab.database). */
    readonly database: string;
    readonly loadBalancer: string;
    readonly prometheus?: string;
}

/** A value derived from a lab secret: stable across `pulumi up` runs, different for every purpose. */
export function derivedSecret(secret: pulumi.Input<string>, purpose: string): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .output(secret)
            .apply((s) => crypto.createHmac("sha256", s).update(`api7-ha-lab:${purpose}`).digest("hex")),
    );
}

export class Lab extends pulumi.ComponentResource {
    public readonly containers: LabContainers;
    public readonly gatewayUrls: { readonly http: string; readonly https: string };
    public readonly dashboardUrl: string;
    public readonly gatewayGroupIssued: pulumi.Output<boolean>;

    constructor(name: string, args: { readonly settings: Settings }, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:lab:Lab", name, {}, opts);
        const parent = { parent: this };
        const s = args.settings;
        const lab = s.lab;
        const prefix = `${s.project}-${s.stack}`;
        const cname = (n: string) => `${prefix}-${n}`;
        const network = new docker.Network(`${name}-network`, { name: prefix, driver: "bridge" }, parent);
        const image = pinnedImage(this, s.images.pinDigests);
        const attach = (alias: string) => [{ name: network.name, aliases: [alias] }];

        const database = labDatabase(
            name,
            {
                engine: lab.database,
                postgresImage: lab.postgresImage,
                mysqlImage: lab.mysqlImage,
                // Derived from the admin password: the name "postgres" keeps an existing lab's password.
                password: derivedSecret(s.controlPlane.adminPassword, "postgres"),
                image,
                attach,
                cname,
            },
            parent,
        );
        const dsn = database.dsn;

        const promAlias = "prometheus";
        const prometheusAddress = s.prometheus.enabled ? `http://${promAlias}:${PORTS.prometheus}` : undefined;
        const lbAlias = "lb";
        const run = (
            service: ServiceDefinition,
            node: string,
            extra: {
                health: ProbeTiming;
                secrets: Record<string, pulumi.Input<string>>;
                state?: Record<string, pulumi.Input<string>>;
                dependsOn?: pulumi.Resource[];
            },
        ) => serviceContainer(this, name, node, service, { image, attach, cname, ...extra });
        // Each container's own healthcheck at its load balancer's timing, failures not counted while it starts.
        const cpHealth = probeTiming(
            CONTROL_PLANE_HEALTH.interval,
            CONTROL_PLANE_HEALTH.timeout,
            CONTROL_PLANE_HEALTH.unhealthyThreshold,
            "cp",
        );

        // Control-plane nodes: dashboard + DP Manager each, the DSN substituted into their configs.
        const dashboards: string[] = [];
        const dpManagers: string[] = [];
        const cpContainers: docker.Container[] = [];
        for (let i = 1; i <= s.controlPlane.count; i++) {
            const [dashboard, dpManager] = controlPlaneServices({
                dashboardImage: s.controlPlane.dashboardImage,
                dpManagerImage: s.controlPlane.dpManagerImage,
                dashboardListener: s.controlPlane.dashboardListener,
                prometheusAddress,
                database: { kind: "secret" },
            });
            const secrets = { [DATABASE_DSN_SECRET]: dsn };
            cpContainers.push(
                run(dashboard, `cp-${i}`, { health: cpHealth, secrets, dependsOn: [database.container] }),
                run(dpManager, `cp-${i}`, { health: cpHealth, secrets, dependsOn: [database.container] }),
            );
            dashboards.push(cname(`cp-${i}-dashboard`));
            dpManagers.push(cname(`cp-${i}-dp-manager`));
        }

        // The load balancer, with the stack's gateway checks and the control plane's target-group checks.
        const hc = s.dataPlane.loadBalancer.healthCheck;
        const config = haproxyConfig({
            gateways: range(s.dataPlane.count).map((i) => `gateway-${i}`),
            dashboards: range(s.controlPlane.count).map((i) => `cp-${i}-dashboard`),
            dpManagers: range(s.controlPlane.count).map((i) => `cp-${i}-dp-manager`),
            dashboardTls: s.controlPlane.dashboardListener === "https",
            gatewayCheck: hc,
            controlPlaneCheck: CONTROL_PLANE_CHECK,
        });
        const dashboardPort = s.controlPlane.dashboardListener === "https" ? PORTS.dashboardHttps : PORTS.dashboard;
        const loadBalancer = new docker.Container(
            `${name}-lb`,
            {
                name: cname("lb"),
                image: image("haproxy", lab.loadBalancerImage),
                uploads: [{ file: HAPROXY_CONFIG_PATH, content: config }],
                networksAdvanced: attach(lbAlias),
                ports: [
                    { internal: PORTS.gatewayHttp, external: lab.httpPort, ip: lab.bindAddress },
                    { internal: PORTS.gatewayHttps, external: lab.httpsPort, ip: lab.bindAddress },
                    { internal: dashboardPort, external: lab.dashboardPort, ip: lab.bindAddress },
                ],
                // The official image is debian:bookworm-slim with HAProxy built in and wget purged after the build
                // (docker-library/haproxy 2.6/Dockerfile @af88bbc9): no curl or wget, but bash (Essential in Debian),
                // so the probe's bash fallback asks HAProxy's monitor frontend (as the `haproxy` user the image runs
                // as: /dev/tcp needs no privilege). At the control plane's timing; HAProxy binds at once, so a short
                // start period.
                healthcheck: httpHealthcheck(`http://127.0.0.1:${HAPROXY_HEALTH_PORT}${HAPROXY_HEALTH_PATH}`, {
                    intervalSeconds: CONTROL_PLANE_CHECK.intervalSeconds,
                    timeoutSeconds: CONTROL_PLANE_CHECK.timeoutSeconds,
                    unhealthyThreshold: CONTROL_PLANE_CHECK.unhealthyThreshold,
                    startPeriodSeconds: LB_START_PERIOD_SECONDS,
                }),
                restart: "unless-stopped",
            },
            parent,
        );

        // First install: the same bootstrap script as the hosts run, against the dashboard through the load balancer.
        const scheme = s.controlPlane.dashboardListener === "https" ? "https" : "http";
        this.dashboardUrl = `${scheme}://${lab.bindAddress === "0.0.0.0" ? "127.0.0.1" : lab.bindAddress}:${lab.dashboardPort}`;
        const controlPlaneAddress = `http://${lbAlias}:${PORTS.dpManager}`;
        const bootstrap = new LabBootstrap(
            `${name}-bootstrap`,
            {
                project: s.project,
                stack: s.stack,
                dashboardUrl: this.dashboardUrl,
                controlPlaneAddress,
                gatewayGroup: {
                    name: s.dataPlane.gatewayGroupName,
                    shortId: s.dataPlane.gatewayGroupId,
                    create: s.dataPlane.createGatewayGroup,
                },
                license: s.controlPlane.license,
                adminPassword: s.controlPlane.adminPassword,
                broughtToken: s.dataPlane.auth.kind === "token" ? s.dataPlane.auth.token : undefined,
            },
            { parent: this, dependsOn: [loadBalancer, ...cpContainers] },
        );
        this.gatewayGroupIssued = bootstrap.issued;

        // Gateways: the DP Managers through the load balancer, the token the bootstrap issued (or the stack's).
        const gateways: string[] = [];
        for (let i = 1; i <= s.dataPlane.count; i++) {
            const gateway = gatewayService({
                image: s.dataPlane.gatewayImage,
                gatewayGroupId: s.dataPlane.gatewayGroupId,
                auth: "token",
                controlPlaneSni: s.dataPlane.controlPlaneSni,
                stack: s.stack,
                source: { mode: "normal", controlPlaneEndpoints: [controlPlaneAddress] },
                metricsExport: s.prometheus.enabled,
            });
            const node = `gateway-${i}`;
            run(gateway, node, {
                health: probeTiming(hc.intervalSeconds, hc.timeoutSeconds, hc.unhealthyThreshold, "dp"),
                secrets: { "control-plane-token": bootstrap.token },
                state: {
                    "apisix.uid": derivedUuid(`${prefix}/${node}`),
                    "admin.key": derivedSecret(s.controlPlane.adminPassword, `${node}/admin-key`).apply((k) =>
                        k.slice(0, 32),
                    ),
                },
                dependsOn: [bootstrap],
            });
            gateways.push(cname(node));
        }

        let prometheus: string | undefined;
        if (s.prometheus.enabled) {
            const volume = new docker.Volume(`${name}-prometheus-data`, { name: cname("prometheus-data") }, parent);
            new docker.Container(
                `${name}-prometheus`,
                {
                    name: cname("prometheus"),
                    image: image("prometheus", s.prometheus.image),
                    uploads: [
                        {
                            file: "/etc/prometheus/prometheus.yml",
                            content: renderYamlTemplate("prometheus-lab.yml", {
                                gatewayTargets: range(s.dataPlane.count).map(
                                    (i) => `gateway-${i}:${PORTS.gatewayMetrics}`,
                                ),
                            }),
                        },
                    ],
                    command: [
                        "--config.file=/etc/prometheus/prometheus.yml",
                        "--storage.tsdb.path=/prometheus",
                        "--web.enable-remote-write-receiver",
                        `--web.listen-address=0.0.0.0:${PORTS.prometheus}`,
                    ],
                    volumes: [{ volumeName: volume.name, containerPath: "/prometheus" }],
                    networksAdvanced: attach(promAlias),
                    healthcheck: httpHealthcheck(
                        `http://127.0.0.1:${PORTS.prometheus}${PROMETHEUS_HEALTH.path}`,
                        probeTiming(
                            PROMETHEUS_HEALTH.interval,
                            PROMETHEUS_HEALTH.timeout,
                            PROMETHEUS_HEALTH.unhealthyThreshold,
                            "prometheus",
                        ),
                    ),
                    restart: "unless-stopped",
                },
                parent,
            );
            prometheus = cname("prometheus");
        }

        const host = lab.bindAddress === "0.0.0.0" ? "127.0.0.1" : lab.bindAddress;
        this.gatewayUrls = { http: `http://${host}:${lab.httpPort}`, https: `https://${host}:${lab.httpsPort}` };
        this.containers = {
            gateways,
            dashboards,
            dpManagers,
            database: database.name,
            loadBalancer: cname("lb"),
            ...(prometheus ? { prometheus } : {}),
        };
        this.registerOutputs({
            containers: this.containers,
            gatewayUrls: this.gatewayUrls,
            dashboardUrl: this.dashboardUrl,
        });
    }
}

/** Failures in the load balancer's first seconds do not count: HAProxy reads its config and binds at once. */
const LB_START_PERIOD_SECONDS = 10;

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A container healthcheck's timing; its start period is the role's service start-up estimate (aws/boot-budget.ts). */
function probeTiming(
    intervalSeconds: number,
    timeoutSeconds: number,
    unhealthyThreshold: number,
    role: HostRole,
): ProbeTiming {
    const steps = bootSteps(role);
    return { intervalSeconds, timeoutSeconds, unhealthyThreshold, startPeriodSeconds: steps[steps.length - 1].seconds };
}

/**
 * One service of the shared definitions as a container: its config rendered from the same template, each
 * placeholder replaced by the named secret's value (what api7-run does on a host), secrets as environment, state
 * files (a gateway's id) uploaded. Everything that holds a secret is itself secret.
 */
export function serviceContainer(
    parent: pulumi.Resource,
    labName: string,
    node: string,
    service: ServiceDefinition,
    a: {
        readonly image: (kind: string, ref: pulumi.Input<string>) => pulumi.Input<string>;
        readonly attach: (alias: string) => docker.types.input.ContainerNetworksAdvanced[];
        readonly cname: (n: string) => string;
        readonly health: ProbeTiming;
        readonly secrets: Record<string, pulumi.Input<string>>;
        readonly state?: Record<string, pulumi.Input<string>>;
        /** More files, by path in the container (the 2.x lab's etcd certificates): secret. */
        readonly files?: Readonly<Record<string, pulumi.Input<string>>>;
        readonly dependsOn?: pulumi.Resource[];
    },
): docker.Container {
    const alias = service.name === "gateway" ? node : `${node}-${service.name}`;
    const lookup = (what: string, table: Record<string, pulumi.Input<string>> | undefined, key: string) => {
        const v = table?.[key];
        if (v === undefined)
            throw new Error(`lab: ${service.name} needs ${what} ${key}, which the lab does not provide`);
        return pulumi.output(v);
    };
    const tokens = Object.entries(service.placeholders ?? {}).map(([token, secret]) =>
        lookup("the secret", a.secrets, secret).apply((v) => [token, v] as const),
    );
    const stateTokens = Object.entries(service.statePlaceholders ?? {}).map(([token, file]) =>
        lookup("the state file", a.state, file).apply((v) => [token, v] as const),
    );
    const config = pulumi
        .all([pulumi.output(service.configData), pulumi.all([...tokens, ...stateTokens])])
        .apply(([data, pairs]) =>
            substitute(renderYamlTemplate(service.configTemplate, data), Object.fromEntries(pairs)),
        );
    const plainEnv = Object.entries(service.env ?? {}).map(([k, v]) =>
        pulumi.output(v).apply((value) => `${k}=${value}`),
    );
    const secretEnv = Object.entries(service.secretEnv ?? {}).map(([k, secret]) =>
        lookup("the secret", a.secrets, secret).apply((value) => `${k}=${value}`),
    );
    const stateUploads = (service.stateFiles ?? [])
        .filter((f) => f.mount)
        .map((f) => ({ file: f.mount!, content: lookup("the state file", a.state, f.name) }));
    const files = Object.entries(a.files ?? {}).map(([file, content]) => ({ file, content: pulumi.output(content) }));
    stateUploads.push(...files);
    const secretive = tokens.length + stateTokens.length + secretEnv.length + files.length > 0;
    const maybeSecret = <T>(o: pulumi.Output<T>) => (secretive ? pulumi.secret(o) : o);
    return new docker.Container(
        `${labName}-${alias}`,
        {
            name: a.cname(alias),
            hostname: alias,
            image: a.image(service.name, service.image),
            envs: maybeSecret(pulumi.all([...plainEnv, ...secretEnv])),
            uploads: maybeSecret(
                pulumi
                    .all([config, ...stateUploads.map((u) => u.content)])
                    .apply(([c, ...state]) => [
                        { file: service.configPath, content: c },
                        ...stateUploads.map((u, i) => ({ file: u.file, content: state[i] })),
                    ]),
            ),
            command: service.command ? [...service.command] : undefined,
            networksAdvanced: a.attach(alias),
            healthcheck: httpHealthcheck(service.healthUrl, a.health),
            restart: "unless-stopped",
        },
        { parent, dependsOn: a.dependsOn },
    );
}
