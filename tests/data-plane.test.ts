import { MTLS_SECRETS, runProgram, TEST_PEM, type RunResult } from "../tools/harness";
import { ADMIN_KEY_PLACEHOLDER } from "../components/placeholders";
import { parameter, pinned, service } from "./helpers";

let prod: RunResult;
let mtls: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    mtls = await runProgram({
        stack: "dev",
        config: { "dataPlane.controlPlaneAuth": "mtls" },
        secrets: MTLS_SECRETS,
    });
});

test("gateway config: 9080 HTTP, 9443 HTTPS and the status listener on 0.0.0.0:7085", () => {
    const { config } = service(prod, "/api7-ha/prod/dp", "gateway");
    expect(config.apisix.node_listen).toEqual([9080]);
    expect(config.apisix.ssl).toEqual({ enable: true, listen: [{ port: 9443 }] });
    expect(config.apisix.status).toEqual({ ip: "0.0.0.0", port: 7085 });
});

test("gateway config: connected to the control plane through the DP Manager endpoint", () => {
    const { config, spec } = service(prod, "/api7-ha/prod/dp", "gateway");
    expect(config.deployment.role).toBe("traditional");
    expect(config.deployment.role_traditional).toEqual({ config_provider: "etcd" });
    expect(config.deployment.etcd.prefix).toBe("/apisix");
    expect(config.deployment.etcd.timeout).toBe(30);
    expect(config.deployment.etcd.host.length).toBeGreaterThan(0);
    expect(JSON.parse(spec.env.API7_CONTROL_PLANE_ENDPOINTS)).toEqual(config.deployment.etcd.host);
    expect(spec.env.API7_GATEWAY_GROUP_SHORT_ID).toBe("default");
});

test("token auth: the token reaches the container from SSM by name, over HTTP 7900", () => {
    const { config, spec } = service(prod, "/api7-ha/prod/dp", "gateway");
    expect(spec.secretEnv).toEqual({ API7_CONTROL_PLANE_TOKEN: "/api7-ha/prod/dp/secrets/control-plane-token" });
    expect(config.deployment.etcd.host.every((h: string) => h.startsWith("http://") && h.endsWith(":7900"))).toBe(true);
});

test("mTLS auth: cert, key and CA reach the container from SSM, over HTTPS 7943", () => {
    const { config, spec } = service(mtls, "/api7-ha/dev/dp", "gateway");
    expect(spec.secretEnv).toEqual({
        API7_CONTROL_PLANE_CERT: "/api7-ha/dev/dp/secrets/control-plane-cert",
        API7_CONTROL_PLANE_KEY: "/api7-ha/dev/dp/secrets/control-plane-key",
        API7_CONTROL_PLANE_CA: "/api7-ha/dev/dp/secrets/control-plane-ca",
    });
    expect(config.deployment.etcd.host.every((h: string) => h.startsWith("https://") && h.endsWith(":7943"))).toBe(
        true,
    );
    expect(parameter(mtls, "/api7-ha/dev/dp/secrets/control-plane-key").inputs).toMatchObject({
        type: "SecureString",
        value: TEST_PEM.key,
    });
    expect(() => parameter(mtls, "/api7-ha/dev/dp/secrets/control-plane-token")).toThrow();
});

test("mTLS auth: the gateway verifies the DP Manager's certificate name (API7_CONTROL_PLANE_SNI), configurable", async () => {
    expect(service(mtls, "/api7-ha/dev/dp", "gateway").spec.env.API7_CONTROL_PLANE_SNI).toBe("api7ee3-dp-manager");
    expect(service(prod, "/api7-ha/prod/dp", "gateway").spec.env.API7_CONTROL_PLANE_SNI).toBeUndefined();
    const custom = await runProgram({
        stack: "dev",
        config: { "dataPlane.controlPlaneAuth": "mtls", "dataPlane.controlPlaneSni": "dpm.example.internal" },
        secrets: MTLS_SECRETS,
    });
    expect(service(custom, "/api7-ha/dev/dp", "gateway").spec.env.API7_CONTROL_PLANE_SNI).toBe("dpm.example.internal");
});

test("the Admin API is off and its key explicit (a per-host key substituted at start), so the gateway never writes its config", () => {
    const { config, spec } = service(prod, "/api7-ha/prod/dp", "gateway");
    expect(config.apisix.enable_admin).toBe(false);
    expect(config.deployment.admin).toEqual({
        admin_key: [{ name: "admin", key: ADMIN_KEY_PLACEHOLDER, role: "admin" }],
        allow_admin: ["127.0.0.0/24"],
        admin_listen: { ip: "127.0.0.1", port: 9180 },
    });
    expect(spec.statePlaceholders).toEqual({ [ADMIN_KEY_PLACEHOLDER]: "admin.key" });
    expect(spec.stateFiles).toEqual([
        { name: "apisix.uid", generate: "uuid", mount: "/usr/local/apisix/conf/apisix.uid" },
        { name: "admin.key", generate: "key" },
    ]);
});

test("the gateway reloads in place (nginx reload) and is checked on /status afterwards", () => {
    const { spec } = service(prod, "/api7-ha/prod/dp", "gateway");
    expect(spec.reloadCommand).toEqual(["apisix", "reload"]);
    expect(spec.healthUrl).toBe("http://127.0.0.1:7085/status");
    expect(spec.image).toEqual(
        pinned("123456789012.dkr.ecr.us-east-1.amazonaws.com/api7-ha-prod/api7/api7-ee-3-gateway:3.2.16.3"),
    );
});
