/**
 * The stack's outputs against their one definition (components/outputs.ts): what the program really exports, under
 * the mocks, for the committed stacks and for the settings that add or drop an optional output, parses with the
 * schema, and the schema keeps every key the program exports (zod drops keys it does not know, so a parse that
 * equals its input has no key outside the schema).
 */
import { Region } from "@pulumi/aws/types/enums";
import { awsStackOutputs, stackOutputs } from "../components/outputs";
import { EXTERNAL_DATABASE, runProgram, type RunOptions } from "../tools/harness";

const CASES: readonly [string, RunOptions, "aws" | "docker"][] = [
    ["prod", { stack: "prod" }, "aws"],
    ["dev", { stack: "dev" }, "aws"],
    ["lab", { stack: "lab" }, "docker"],
    [
        "prod with Prometheus on its own host",
        { stack: "prod", config: { "prometheus.enabled": true, "prometheus.placement": "dedicated" } },
        "aws",
    ],
    [
        "prod without fallback buckets, on an external database",
        {
            stack: "prod",
            config: { "fallback.enabled": false, ...EXTERNAL_DATABASE.config },
            secrets: EXTERNAL_DATABASE.secrets,
        },
        "aws",
    ],
    [
        "lab with Prometheus and an HTTPS dashboard",
        { stack: "lab", config: { "prometheus.enabled": true, "controlPlane.dashboardListener": "https" } },
        "docker",
    ],
];

test.each(CASES)(
    "%s: the real outputs parse with the schema, and it names each of them",
    async (_name, options, target) => {
        const { outputs } = await runProgram(options);
        expect(outputs.target).toBe(target);
        const parsed = stackOutputs.safeParse(outputs);
        expect(parsed.error?.issues).toBeUndefined();
        expect(parsed.data).toEqual(outputs);
    },
);

test("the optional outputs appear with the settings that create them", async () => {
    const withPrometheus = (await runProgram(CASES[3][1])).outputs;
    expect(withPrometheus).toHaveProperty("prometheusUrl");
    expect(withPrometheus).toHaveProperty("autoScalingGroups.prometheus");
    const bare = (await runProgram(CASES[4][1])).outputs;
    for (const key of ["fallbackBuckets", "databaseEndpoint", "databaseSecretArn", "prometheusUrl"])
        expect(bare).not.toHaveProperty(key);
    expect((await runProgram(CASES[5][1])).outputs).toHaveProperty("labContainers.prometheus");
});

test.each<[string, (o: Record<string, any>) => Record<string, unknown>, string]>([
    ["a lab without labContainers", ({ labContainers: _, ...o }) => o, "labContainers"],
    ["an AWS stack without autoScalingGroups", ({ autoScalingGroups: _, ...o }) => o, "autoScalingGroups"],
    ["an unknown target", (o) => ({ ...o, target: "gcp" }), "target"],
])("%s does not parse, and the issue names the output", async (_name, change, path) => {
    const stack = path === "labContainers" ? "lab" : "prod";
    const parsed = stackOutputs.safeParse(change((await runProgram({ stack })).outputs));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].path.join(".")).toBe(path);
});

describe("the AWS stack's region output", () => {
    const region = awsStackOutputs.shape.region;
    // Regions of every partition in botocore's endpoint data, the long-prefixed European Sovereign Cloud among them
    // (boto/botocore botocore/data/partitions.json @0e6e2404, each partition's "regions").
    const BOTOCORE = [
        "us-east-1",
        "ap-southeast-7",
        "mx-central-1",
        "cn-northwest-1",
        "us-gov-west-1",
        "us-iso-east-1",
        "us-isob-east-1",
        "us-isof-south-1",
        "eu-isoe-west-1",
        "eusc-de-east-1",
    ];
    test.each(BOTOCORE)("%s (botocore) is accepted", (name) => {
        expect(region.safeParse(name).error?.issues).toBeUndefined();
    });
    // Every region the provider itself knows (@pulumi/aws 7.48.0 types/enums Region, "any valid Amazon region").
    test("every region of @pulumi/aws's Region enum is accepted", () => {
        const values: string[] = Object.values(Region);
        expect(values).toContain("eusc-de-east-1");
        expect(values.filter((name) => !region.safeParse(name).success)).toEqual([]);
    });
    // botocore's "aws-global" is a partition's global endpoint, not a region; the others are not region names at all.
    test.each(["aws-global", "us-east", "us-east-1a", "US-EAST-1", "us_east_1", ""])("%j is refused", (name) => {
        expect(region.safeParse(name).error?.issues[0].message).toBe("must be an AWS region name");
    });
});
