import * as yaml from "js-yaml";
import { TLS_POLICY } from "../components/listeners";
import { MTLS_SECRETS, runProgram, type RunResult } from "../tools/harness";
import { groupOf, parameter, T } from "./helpers";

/** The target groups (by resource name) a host group's Auto Scaling group registers its hosts in. */
function registeredIn(run: RunResult, group: string): string[] {
    return (groupOf(run, group).asg.inputs.targetGroupArns as string[]).map((arn) => arn.split("/")[1]);
}

const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const LISTENER = "aws:lb/listener:Listener";
const ATTACH = "aws:lb/targetGroupAttachment:TargetGroupAttachment";
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-000000000000";

let prod: RunResult;
let dev: RunResult;
let mtls: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    dev = await runProgram({ stack: "dev" });
    mtls = await runProgram({
        stack: "dev",
        config: { "dataPlane.controlPlaneAuth": "mtls" },
        secrets: MTLS_SECRETS,
    });
});

/** Target group by the listener that forwards to it. */
function forwardedTo(run: RunResult, listener: string) {
    const arn: string = run.get(LISTENER, listener).inputs.defaultActions[0].targetGroupArn;
    return run.ofType(TG).find((tg) => arn.split("/")[1] === tg.name)!;
}

describe("data plane NLB", () => {
    test("DP target groups check GET /status on 7085 and expect 200 (never /status/ready)", () => {
        for (const name of ["api7-dp-lb-http", "api7-dp-lb-https"]) {
            const hc = prod.get(TG, name).inputs.healthCheck;
            expect(hc).toMatchObject({
                enabled: true,
                protocol: "HTTP",
                port: "7085",
                path: "/status",
                matcher: "200",
            });
        }
        expect(JSON.stringify(prod.ofType(TG))).not.toContain("/status/ready");
    });

    test("health-check timing comes from config: API7's documented 30 s by default, prod's tuned values in prod", () => {
        expect(dev.get(TG, "api7-dp-lb-http").inputs.healthCheck).toMatchObject({
            interval: 30,
            timeout: 10,
            healthyThreshold: 3,
            unhealthyThreshold: 3,
        });
        expect(prod.get(TG, "api7-dp-lb-http").inputs.healthCheck).toMatchObject({
            interval: 5,
            timeout: 3,
            healthyThreshold: 3,
            unhealthyThreshold: 2,
        });
    });

    test("draining: 30 s deregistration delay (not AWS's 300 s), then connections are closed", () => {
        for (const name of ["api7-dp-lb-http", "api7-dp-lb-https"]) {
            expect(prod.get(TG, name).inputs).toMatchObject({
                deregistrationDelay: 30,
                connectionTermination: true,
                protocol: "TCP",
            });
        }
    });

    test("listeners: TCP 80 -> gateways' 9080 and TCP 443 -> 9443 (TLS passes through to the gateways)", () => {
        expect(prod.get(LISTENER, "api7-dp-lb-http").inputs).toMatchObject({ protocol: "TCP", port: 80 });
        expect(forwardedTo(prod, "api7-dp-lb-http").inputs.port).toBe(9080);
        expect(prod.get(LISTENER, "api7-dp-lb-https").inputs).toMatchObject({ protocol: "TCP", port: 443 });
        expect(prod.get(LISTENER, "api7-dp-lb-https").inputs.certificateArn).toBeUndefined();
        expect(forwardedTo(prod, "api7-dp-lb-https").inputs.port).toBe(9443);
    });

    test("TLS termination: a TLS listener with the certificate and a TLS 1.3 policy, forwarding to 9080", async () => {
        const run = await runProgram({
            stack: "dev",
            config: {
                "dataPlane.loadBalancer.httpsMode": "terminate",
                "dataPlane.loadBalancer.certificateArn": CERT,
                "dataPlane.loadBalancer.httpsPort": 8443,
            },
        });
        expect(run.get(LISTENER, "api7-dp-lb-https").inputs).toMatchObject({
            protocol: "TLS",
            port: 8443,
            certificateArn: CERT,
            sslPolicy: TLS_POLICY,
        });
        expect(TLS_POLICY).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
        expect(forwardedTo(run, "api7-dp-lb-https").inputs.port).toBe(9080);
        expect(run.ofType(TG).map((tg) => tg.name)).not.toContain("api7-dp-lb-https");
    });

    test("every gateway is in every DP target group (the gateways' Auto Scaling group registers them)", () => {
        expect(registeredIn(prod, "api7-dp-hosts")).toEqual(["api7-dp-lb-http", "api7-dp-lb-https"]);
        expect(prod.ofType(ATTACH)).toEqual([]);
    });

    test("internet-facing across public subnets in every AZ, cross-zone on; deletion protection on in prod only", () => {
        const nlb = prod.get(LB, "api7-dp-lb-nlb").inputs;
        expect(nlb).toMatchObject({
            loadBalancerType: "network",
            internal: false,
            enableCrossZoneLoadBalancing: true,
            enableDeletionProtection: true,
        });
        const azs = nlb.subnets.map(
            (id: string) => prod.ofType(T.subnet).find((s) => `${s.name}-id` === id)!.inputs.availabilityZone,
        );
        expect(new Set(azs).size).toBe(3);
        expect(nlb.subnets.every((id: string) => id.startsWith("api7-public-"))).toBe(true);
        expect(dev.get(LB, "api7-dp-lb-nlb").inputs.enableDeletionProtection).toBe(false);
    });

    test("internal by config: in the private subnets", async () => {
        const run = await runProgram({ stack: "dev", config: { "dataPlane.loadBalancer.internal": true } });
        const nlb = run.get(LB, "api7-dp-lb-nlb").inputs;
        expect(nlb.internal).toBe(true);
        expect(nlb.subnets.every((id: string) => id.startsWith("api7-private-"))).toBe(true);
    });
});

describe("control plane load balancers", () => {
    test("dashboard: an internal ALB across the private subnets, checking GET /healthz on 7080, every CP host registered", () => {
        const alb = prod.get(LB, "api7-cp-lb-dashboard").inputs;
        expect(alb).toMatchObject({
            loadBalancerType: "application",
            internal: true,
            dropInvalidHeaderFields: true,
            enableDeletionProtection: true,
        });
        expect(alb.subnets).toHaveLength(3);
        expect(prod.get(TG, "api7-cp-lb-dashboard").inputs).toMatchObject({
            protocol: "HTTP",
            port: 7080,
            healthCheck: { path: "/healthz", port: "7080", matcher: "200" },
        });
        expect(prod.get(LISTENER, "api7-cp-lb-dashboard").inputs).toMatchObject({ protocol: "HTTP", port: 7080 });
        expect(registeredIn(prod, "api7-cp-hosts")).toContain("api7-cp-lb-dashboard");
    });

    test("dashboard with a certificate: HTTPS 443 on the TLS 1.3 policy", async () => {
        const run = await runProgram({
            stack: "dev",
            config: { "controlPlane.loadBalancer.certificateArn": CERT, "controlPlane.loadBalancer.internal": false },
        });
        expect(run.get(LISTENER, "api7-cp-lb-dashboard").inputs).toMatchObject({
            protocol: "HTTPS",
            port: 443,
            certificateArn: CERT,
            sslPolicy: TLS_POLICY,
        });
        expect(
            run.get(LB, "api7-cp-lb-dashboard").inputs.subnets.every((id: string) => id.startsWith("api7-public-")),
        ).toBe(true);
        expect(run.outputs.dashboardUrl).toMatch(/^https:\/\/.+:443$/);
    });

    test("DP Manager: an internal NLB, TCP 7900 checked on GET /healthz, every CP host registered", () => {
        const nlb = prod.get(LB, "api7-cp-lb-dpm").inputs;
        expect(nlb).toMatchObject({ loadBalancerType: "network", internal: true, enableCrossZoneLoadBalancing: true });
        expect(prod.get(LISTENER, "api7-cp-lb-dpm").inputs).toMatchObject({ protocol: "TCP", port: 7900 });
        expect(forwardedTo(prod, "api7-cp-lb-dpm").inputs).toMatchObject({
            protocol: "TCP",
            port: 7900,
            healthCheck: { protocol: "HTTP", path: "/healthz", port: "7900" },
        });
        expect(registeredIn(prod, "api7-cp-hosts")).toContain("api7-cp-lb-dpm");
        expect(prod.ofType(LISTENER).map((l) => l.inputs.port)).not.toContain(7943);
    });

    test("the mTLS listener is TCP passthrough on 7943 (health read from 7900)", () => {
        const listener = mtls.get(LISTENER, "api7-cp-lb-dpm-mtls").inputs;
        expect(listener).toMatchObject({ protocol: "TCP", port: 7943 });
        expect(listener.certificateArn).toBeUndefined();
        expect(forwardedTo(mtls, "api7-cp-lb-dpm-mtls").inputs).toMatchObject({
            protocol: "TCP",
            port: 7943,
            healthCheck: { port: "7900", path: "/healthz" },
        });
    });
});

describe("wiring", () => {
    test("gateways reach the DP Managers through the CP load balancer, never a host address", () => {
        const config: any = yaml.load(parameter(prod, "/api7-ha/prod/dp/gateway-config.yaml").inputs.insecureValue);
        const dns = prod.outputs.dpManagerEndpoint as string;
        expect(config.deployment.etcd.host).toEqual([dns]);
        expect(dns).toMatch(/^http:\/\/api7-cp-lb-dpm-\d+\.elb\.us-east-1\.amazonaws\.com:7900$/);
        // No address of any one host: hosts come and go with their Auto Scaling group.
        expect(JSON.stringify(config)).not.toMatch(/\b10\.\d+\.\d+\.\d+\b/);
        const mtlsConfig: any = yaml.load(parameter(mtls, "/api7-ha/dev/dp/gateway-config.yaml").inputs.insecureValue);
        expect(mtlsConfig.deployment.etcd.host[0]).toMatch(/^https:\/\/api7-cp-lb-dpm-\d+\..*:7943$/);
    });

    test("outputs: the gateway endpoint, dashboard URL and DP Manager endpoint; no Prometheus URL when it is off", () => {
        expect(prod.outputs.gatewayEndpoint).toMatch(/^api7-dp-lb-nlb-\d+\.elb\.us-east-1\.amazonaws\.com$/);
        const endpoint = prod.outputs.gatewayEndpoint as string;
        expect(prod.outputs.gatewayUrls).toEqual({ http: `http://${endpoint}:80`, https: `https://${endpoint}:443` });
        expect(prod.outputs.dashboardUrl).toMatch(/^http:\/\/api7-cp-lb-dashboard-\d+\..*:7080$/);
        expect(prod.outputs.prometheusUrl).toBeUndefined();
    });
});
