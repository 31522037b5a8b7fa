/**
 * Logs against the real tools: the retention periods logs.retentionDays accepts are CloudWatch Logs' own (botocore's
 * logs model, installed with moto), and the README's commands that follow one host's or one service's logs run with
 * the real AWS CLI v2 against CloudWatch Logs emulated by moto, over streams named as the hosts name them
 * (components/aws/run-spec.ts, components/aws/log-agent.ts).
 *
 * Not run here: Docker's awslogs driver and the CloudWatch agent (no Docker engine; the agent's Go module is refused
 * by the module proxy, 403). Their behaviour is cited from their sources where the program relies on it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { LOG_RETENTION_DAYS } from "../../components/config/areas/extras";
import { ROOT } from "../../tools/harness";
import { awsAt, REGION, startMoto, type Moto } from "./services";

let moto: Moto;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
    moto = await startMoto();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-logs-"));
    env = {
        PATH: `${awsAt(dir, moto.endpoint)}:/usr/bin:/bin`,
        HOME: dir,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_DEFAULT_REGION: REGION,
        AWS_PAGER: "",
    };
}, 30000);

afterAll(() => {
    moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("logs.retentionDays offers exactly the retention periods of CloudWatch Logs' API model (botocore, the `Days` shape)", () => {
    const models = path.join(ROOT, ".real", "venv", "lib");
    const [python] = fs.readdirSync(models).filter((d) => d.startsWith("python3"));
    const model = path.join(models, python, "site-packages", "botocore", "data", "logs", "2014-03-28");
    const file = fs.readdirSync(model).find((f) => f.startsWith("service-2.json"))!;
    const raw = fs.readFileSync(path.join(model, file));
    const shapes = JSON.parse((file.endsWith(".gz") ? zlib.gunzipSync(raw) : raw).toString("utf8")).shapes;
    const listed = /Possible values are: ([\d, and]+)\./.exec(shapes.Days.documentation)![1];
    expect(
        listed
            .split(/,?\s+(?:and\s+)?|,\s*/)
            .filter(Boolean)
            .map(Number),
    ).toEqual([...LOG_RETENTION_DAYS]);
});

test("the README's commands follow one host's streams, or one service's on every host, in its role's group", async () => {
    const group = "/api7-ha/prod/dp";
    const host = "i-0123456789abcdef0";
    const other = "i-0fedcba9876543210";
    // Set up through moto's API directly (no CLI process per call); the commands under test run the CLI.
    const logs = (action: string, body: object) => moto.json("logs", `Logs_20140328.${action}`, body);
    await logs("CreateLogGroup", { logGroupName: group });
    await logs("PutRetentionPolicy", { logGroupName: group, retentionInDays: 30 });
    const now = Date.now();
    for (const [stream, message] of [
        [`${host}/api7-gateway`, "gateway on the first host"],
        [`${host}/host-scripts`, "api7-run: the first host's script line"],
        [`${other}/api7-gateway`, "gateway on the second host"],
        [`${other}/cloud-init`, "the second host's first boot"],
    ]) {
        await logs("CreateLogStream", { logGroupName: group, logStreamName: stream });
        await logs("PutLogEvents", {
            logGroupName: group,
            logStreamName: stream,
            logEvents: [{ timestamp: now, message }],
        });
    }

    // The commands as the README prints them (section "Logs"), without --follow, which would never return.
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("Follow one host, or one service on every host"));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
    const commands = block
        .replace(/\\\n\s*/g, "")
        .split("\n")
        .filter((line) => line.startsWith("aws logs tail"))
        .map((line) => line.replace(" --follow", ""));
    expect(commands).toHaveLength(2);
    const run = (command: string) => {
        const r = spawnSync("/bin/bash", ["-c", command], { env, encoding: "utf8" });
        expect([command, r.status]).toEqual([command, 0]);
        return r;
    };
    const messages = (command: string) =>
        run(command)
            .stdout.trim()
            .split("\n")
            .map((line) => line.split(" ").slice(1).join(" "))
            .sort();
    // One host: moto's FilterLogEvents ignores logStreamNamePrefix (moto/logs/responses.py @5.1.18 reads it for
    // DescribeLogStreams only), so the request the CLI sends is what is checked: the prefix, which CloudWatch Logs
    // applies ("Filters the results to include only events from log streams that have names starting with this
    // prefix": botocore's logs model, FilterLogEventsRequest).
    const request = run(`${commands[0]} --debug`).stderr;
    expect(request).toMatch(
        /OperationModel\(name=FilterLogEvents\)[^\n]*"logStreamNamePrefix": "i-0123456789abcdef0\/"/,
    );
    // One service on every host: the streams' names, each its own argument, and only its events.
    expect(messages(commands[1])).toEqual([
        `${host}/api7-gateway gateway on the first host`,
        `${other}/api7-gateway gateway on the second host`,
    ]);
});
