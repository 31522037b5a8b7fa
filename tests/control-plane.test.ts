import * as yaml from "js-yaml";
import { DSN_PLACEHOLDER } from "../components/placeholders";
import { runProgram, type RunResult } from "../tools/harness";
import { pinned, service, T } from "./helpers";

let prod: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
});

test("dashboard config: serves HTTP on 0.0.0.0:7080 (disable: false, as 3.2.16 ships it off), its own HTTPS off, DSN built on the host at start", () => {
    const { config, spec } = service(prod, "/api7-ha/prod/cp", "dashboard");
    expect(config.server).toEqual({
        listen: { disable: false, host: "0.0.0.0", port: 7080 },
        tls: { disable: true, host: "0.0.0.0", port: 7443 },
    });
    expect(config.database.dsn).toBe(DSN_PLACEHOLDER);
    // The managed database (prod): from the RDS secret (tests/database.test.ts); an external one: from SSM.
    expect(spec.database.token).toBe(DSN_PLACEHOLDER);
    expect(spec).toMatchObject({
        container: "api7-dashboard",
        image: pinned("123456789012.dkr.ecr.us-east-1.amazonaws.com/api7-ha-prod/api7/api7-ee-3-integrated:v3.2.16.3"),
        configPath: "/app/conf/config.yaml",
        healthUrl: "http://127.0.0.1:7080/healthz",
    });
});

test("DP Manager config: 7900 for tokens, 7943 for mTLS, same database", () => {
    const { config, spec } = service(prod, "/api7-ha/prod/cp", "dp-manager");
    expect(config.server).toEqual({ listen: { host: "0.0.0.0", port: 7900 }, tls: { host: "0.0.0.0", port: 7943 } });
    expect(config.database.dsn).toBe(DSN_PLACEHOLDER);
    expect(spec).toMatchObject({
        container: "api7-dp-manager",
        image: pinned("123456789012.dkr.ecr.us-east-1.amazonaws.com/api7-ha-prod/api7/api7-ee-dp-manager:v3.2.16.3"),
        configPath: "/usr/local/api7/conf/config.yaml",
        healthUrl: "http://127.0.0.1:7900/healthz",
    });
});

test("the DSN placeholder is written bare, so the host can swap in a quoted YAML string", () => {
    // api7-run replaces the token with a JSON string; js-yaml must not have quoted the token itself.
    const raw = service(prod, "/api7-ha/prod/cp", "dashboard");
    const text = yaml.dump(raw.config);
    expect(text).toContain(`dsn: ${DSN_PLACEHOLDER}\n`);
    const substituted = yaml.load(
        text.replace(DSN_PLACEHOLDER, JSON.stringify('postgres://u:p"w:x@db:5432/api7ee')),
    ) as any;
    expect(substituted.database.dsn).toBe('postgres://u:p"w:x@db:5432/api7ee');
});

test("images are the configured ones", async () => {
    const run = await runProgram({
        stack: "dev",
        config: { "controlPlane.dashboardImage": "registry.example.com/api7/dashboard:v3.2.17.0" },
    });
    expect(service(run, "/api7-ha/dev/cp", "dashboard").spec.image).toBe(
        "registry.example.com/api7/dashboard:v3.2.17.0",
    );
});

test("controlPlane.dashboardListener https: the dashboard serves its own TLS on 7443, health-checked there end to end", async () => {
    const run = await runProgram({ stack: "prod", config: { "controlPlane.dashboardListener": "https" } });
    const { config, spec } = service(run, "/api7-ha/prod/cp", "dashboard");
    expect(config.server).toEqual({
        listen: { disable: true, host: "0.0.0.0", port: 7080 },
        tls: { disable: false, host: "0.0.0.0", port: 7443 },
    });
    expect(spec.healthUrl).toBe("https://127.0.0.1:7443/healthz");
    const tg = run.get("aws:lb/targetGroup:TargetGroup", "api7-cp-lb-dashboard");
    expect(tg.inputs).toMatchObject({
        protocol: "HTTPS",
        port: 7443,
        healthCheck: { protocol: "HTTPS", port: "7443", path: "/healthz", matcher: "200" },
    });
    // The Auto Scaling group registers each host on the target group's own port (7443).
    expect(run.get("aws:autoscaling/group:Group", "api7-cp-hosts-group").inputs.targetGroupArns).toContain(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api7-cp-lb-dashboard/0001",
    );
    const rules = run
        .ofType(T.ingress)
        .filter(
            (r) =>
                r.inputs.securityGroupId === "api7-cp-id" &&
                r.inputs.referencedSecurityGroupId === "api7-dashboard-lb-id",
        );
    expect(rules.map((r) => r.inputs.fromPort)).toEqual([7443]);
});
