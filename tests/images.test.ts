/**
 * Where hosts pull images from (images.*): references as Docker splits them, each source's rewrite, the account's
 * side (cache rule, endpoints), and the bar that no run spec pulls Docker Hub unless Docker Hub is the source.
 */
import { imageReference, parseImage } from "../components/image-refs";
import { DOCKER_HUB_SECRET_ARN, runProgram, type RunResult } from "../tools/harness";
import { T } from "./helpers";

describe("references as Docker splits them (distribution/reference normalize.go splitDockerDomain)", () => {
    test.each([
        ["redis:7", { domain: undefined, repository: "library/redis", suffix: ":7" }],
        ["prom/prometheus:v2.48.1", { domain: undefined, repository: "prom/prometheus", suffix: ":v2.48.1" }],
        ["docker.io/library/redis:7", { domain: undefined, repository: "library/redis", suffix: ":7" }],
        ["index.docker.io/api7/gw:1", { domain: undefined, repository: "api7/gw", suffix: ":1" }],
        ["localhost/x:1", { domain: "localhost", repository: "x", suffix: ":1" }],
        [
            "registry.example.com:5000/api7/gw:1.0",
            { domain: "registry.example.com:5000", repository: "api7/gw", suffix: ":1.0" },
        ],
        [
            `api7/gw@sha256:${"a".repeat(64)}`,
            { domain: undefined, repository: "api7/gw", suffix: `@sha256:${"a".repeat(64)}` },
        ],
        [
            `api7/gw:3.2@sha256:${"b".repeat(64)}`,
            { domain: undefined, repository: "api7/gw", suffix: `:3.2@sha256:${"b".repeat(64)}` },
        ],
    ])("%s", (ref, expected) => {
        expect(parseImage(ref)).toEqual(expected);
    });
});

describe("each source's reference", () => {
    const cache = {
        kind: "ecrPullThroughCache",
        registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com",
        prefix: "api7-ha-prod",
    } as const;
    test("Docker Hub: unchanged", () => {
        expect(imageReference({ kind: "dockerHub" }, "api7/api7-ee-3-gateway:3.2.16.3")).toBe(
            "api7/api7-ee-3-gateway:3.2.16.3",
        );
    });
    test("the cache: <registry>/<prefix>/<repository>, with library/ for an official image (ECR requires it)", () => {
        expect(imageReference(cache, "api7/api7-ee-3-gateway:3.2.16.3")).toBe(
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api7-ha-prod/api7/api7-ee-3-gateway:3.2.16.3",
        );
        expect(imageReference(cache, "redis:7")).toBe(
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api7-ha-prod/library/redis:7",
        );
        expect(() => imageReference(cache, "quay.io/x/y:1")).toThrow("caches Docker Hub only");
    });
    test("a registry: <registry>/<repository>; a reference naming another registry is kept", () => {
        const reg = { kind: "registry", registry: "registry.example.com/mirror" } as const;
        expect(imageReference(reg, "prom/prometheus:v2.48.1")).toBe(
            "registry.example.com/mirror/prom/prometheus:v2.48.1",
        );
        expect(imageReference(reg, "quay.io/x/y:1")).toBe("quay.io/x/y:1");
    });
});

/** Every image every run spec of a run pulls. */
function images(run: RunResult): string[] {
    return run
        .ofType(T.parameter)
        .filter((p) => p.inputs.name.endsWith(".json") && !/\/(bootstrap|cloudwatch-agent)\.json$/.test(p.inputs.name))
        .map((p) => JSON.parse(p.inputs.insecureValue).image as string);
}

describe("no run spec pulls from Docker Hub unless that is the chosen source", () => {
    test.each<[string, Record<string, unknown>, RegExp]>([
        [
            "the ECR cache (prod)",
            { "prometheus.enabled": true },
            /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/api7-ha-prod\//,
        ],
        [
            "a registry in ECR",
            {
                "prometheus.enabled": true,
                "images.source": "registry",
                "images.dockerHubSecretArn": undefined,
                "images.registry": "111122223333.dkr.ecr.us-east-1.amazonaws.com/api7",
            },
            /^111122223333\.dkr\.ecr\.us-east-1\.amazonaws\.com\/api7\//,
        ],
    ])("%s", async (_what, config, prefix) => {
        const run = await runProgram({ stack: "prod", config });
        const pulled = images(run);
        expect(pulled.length).toBe(4);
        for (const image of pulled) expect(image).toMatch(prefix);
    });

    test("Docker Hub, when chosen (dev), pulls the references as configured", async () => {
        const run = await runProgram({ stack: "dev" });
        expect(images(run).sort()).toEqual([
            "api7/api7-ee-3-gateway:3.2.16.3",
            "api7/api7-ee-3-integrated:v3.2.16.3",
            "api7/api7-ee-dp-manager:v3.2.16.3",
        ]);
        expect(run.ofType("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")).toEqual([]);
    });
});

describe("the account's side", () => {
    test("the cache rule: Docker Hub's registry, the stack's prefix, the user's credentials secret (looked up, so a missing one fails the preview)", async () => {
        const run = await runProgram({ stack: "prod" });
        expect(run.get("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "api7-images-docker-hub").inputs).toEqual({
            ecrRepositoryPrefix: "api7-ha-prod",
            upstreamRegistryUrl: "registry-1.docker.io",
            credentialArn: DOCKER_HUB_SECRET_ARN,
        });
        expect(
            run.invokes.filter((i) => i.token === "aws:secretsmanager/getSecret:getSecret").map((i) => i.inputs.arn),
        ).toEqual([DOCKER_HUB_SECRET_ARN]);
        // The hosts start after it: their first pull needs it.
        expect(run.get(T.launchTemplate, "api7-dp-hosts-template").dependencies).toContain(
            run.get("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "api7-images-docker-hub").urn,
        );
    });

    test("images.ecrEndpoints: ecr.api and ecr.dkr interface endpoints with private DNS in every private subnet, HTTPS from the VPC only", async () => {
        const run = await runProgram({ stack: "prod", config: { "images.ecrEndpoints": true } });
        const endpoints = run.ofType(T.vpcEndpoint).filter((e) => e.inputs.vpcEndpointType === "Interface");
        expect(endpoints.map((e) => e.inputs.serviceName).sort()).toEqual([
            "com.amazonaws.us-east-1.ecr.api",
            "com.amazonaws.us-east-1.ecr.dkr",
        ]);
        const privateSubnets = run
            .ofType(T.subnet)
            .filter((s) => s.name.includes("private"))
            .map((s) => `${s.name}-id`)
            .sort();
        for (const e of endpoints) {
            expect(e.inputs.privateDnsEnabled).toBe(true);
            expect([...e.inputs.subnetIds].sort()).toEqual(privateSubnets);
            expect(e.inputs.securityGroupIds).toEqual(["api7-images-ecr-endpoints-id"]);
        }
        expect(
            run
                .ofType(T.ingress)
                .filter((r) => r.inputs.securityGroupId === "api7-images-ecr-endpoints-id")
                .map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]),
        ).toEqual([[443, "10.80.0.0/16"]]);
        expect(
            (await runProgram({ stack: "prod" }))
                .ofType(T.vpcEndpoint)
                .filter((e) => e.inputs.vpcEndpointType === "Interface"),
        ).toEqual([]);
    });
});
