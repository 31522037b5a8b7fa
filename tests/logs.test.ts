/**
 * Logs that outlive hosts (components/aws/host/logs.ts, components/aws/log-agent.ts): a CloudWatch Logs group per
 * stack and role with the stack's retention and key, every container's run spec sending to its role's group through
 * Docker's awslogs driver, and the CloudWatch agent's configuration shipping the host scripts' lines and cloud-init's
 * output. The agent's configuration was checked against the agent's own schema when it was written (its Go module is
 * not on the proxy here: README, "The real-tool tier"); the test below holds it to that text.
 */
import { runProgram, type RunResult } from "../tools/harness";
import { parameter, T } from "./helpers";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

let prod: RunResult;
let keyed: RunResult;
beforeAll(async () => {
    prod = await runProgram({ stack: "prod" });
    keyed = await runProgram({
        stack: "dev",
        config: {
            "logs.retentionDays": 400,
            "logs.kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-logs",
            "prometheus.enabled": true,
            "prometheus.placement": "dedicated",
        },
    });
});

const parameterText = (run: RunResult, name: string) => parameter(run, name).inputs.insecureValue as string;

test("prod: one group per role, /api7-ha/prod/<role>, kept 30 days (logs.retentionDays' default), CloudWatch's own encryption", () => {
    expect(prod.ofType(LOG_GROUP).map((g) => [g.inputs.name, g.inputs.retentionInDays, g.inputs.kmsKeyId])).toEqual([
        ["/api7-ha/prod/cp", 30, undefined],
        ["/api7-ha/prod/dp", 30, undefined],
    ]);
});

test("logs.retentionDays and logs.kmsKeyArn reach every group, the dedicated Prometheus host's too", () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-logs";
    expect(
        keyed
            .ofType(LOG_GROUP)
            .map((g) => [g.inputs.name, g.inputs.retentionInDays, g.inputs.kmsKeyId])
            .sort(),
    ).toEqual([
        ["/api7-ha/dev/cp", 400, key],
        ["/api7-ha/dev/dp", 400, key],
        ["/api7-ha/dev/prometheus", 400, key],
    ]);
});

test("every container's run spec sends its output to its role's group, a stream per host and container, never blocking", () => {
    for (const [stack, run] of [
        ["prod", prod],
        ["dev", keyed],
    ] as const) {
        const specs = run
            .ofType(T.parameter)
            .filter((p) => /\/(dashboard|dp-manager|gateway|prometheus)\.json$/.test(p.inputs.name));
        expect(specs.length).toBeGreaterThanOrEqual(3);
        for (const p of specs) {
            const name = p.inputs.name as string;
            const spec = JSON.parse(p.inputs.insecureValue as string);
            const role = name.split("/")[3];
            expect([name, spec.logs]).toEqual([
                name,
                {
                    driver: "awslogs",
                    options: {
                        "awslogs-region": "us-east-1",
                        "awslogs-group": `/api7-ha/${stack}/${role}`,
                        "awslogs-stream": `{instance_id}/${spec.container}`,
                        mode: "non-blocking",
                        "max-buffer-size": "4m",
                    },
                },
            ]);
        }
    }
});

test("the CloudWatch agent ships each host's script lines and cloud-init's output to its role's group", () => {
    for (const role of ["cp", "dp"]) {
        expect(JSON.parse(parameterText(prod, `/api7-ha/prod/${role}/cloudwatch-agent.json`))).toEqual({
            agent: {},
            logs: {
                force_flush_interval: 15,
                logs_collected: {
                    files: {
                        collect_list: [
                            {
                                file_path: "/var/log/api7/host-*.log",
                                log_group_name: `/api7-ha/prod/${role}`,
                                log_stream_name: "{instance_id}/host-scripts",
                                auto_removal: true,
                            },
                            {
                                file_path: "/var/log/cloud-init-output.log",
                                log_group_name: `/api7-ha/prod/${role}`,
                                log_stream_name: "{instance_id}/cloud-init",
                            },
                        ],
                    },
                },
            },
        });
    }
});

test("a host starts only once its log group exists: the launch template waits for it and the agent's configuration", () => {
    for (const role of ["cp", "dp"]) {
        const template = prod.get(T.launchTemplate, `api7-${role}-hosts-template`);
        expect(template.dependencies).toEqual(
            expect.arrayContaining([
                prod.get(LOG_GROUP, `api7-${role}-hosts-logs`).urn,
                prod.get(T.parameter, `api7-${role}-hosts-log-agent-config`).urn,
            ]),
        );
    }
});
