/**
 * The real tools the real tier's host tests talk to, started on 127.0.0.1 for one test file and stopped after it:
 * - moto_server (.real/venv, tools/real/requirements.txt): AWS's APIs, called by the real AWS CLI v2 (/usr/bin/aws)
 *   through an `aws` on PATH that adds `--endpoint-url`. That wrapper is the one stand-in: Debian 12's awscli
 *   (2.9.19) predates AWS_ENDPOINT_URL, which the CLI reads from 2.13.0 on (aws/aws-cli CHANGELOG.rst, 2.13.0).
 * - ec2-metadata-mock (.real/bin, tools/real/imds/go.mod): AWS's instance metadata mock, IMDSv2 only (`-I`), serving
 *   an instance profile's credentials, which the AWS CLI fetches as it does on a host (botocore's
 *   InstanceMetadataFetcher: PUT /latest/api/token, then GET /latest/meta-data/iam/security-credentials/ROLE).
 * The test files seed moto through its own HTTP API (the JSON protocol of SSM, Secrets Manager and ECR, the query
 * protocol of IAM), no process per call. Moto routes a request by the service in its Authorization header
 * (moto/core/utils.py, infer_service_region_host), and checks no signature until told to enforce IAM.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ROOT } from "../../tools/harness";

const REAL_BIN = path.join(ROOT, ".real", "bin");
const VENV_BIN = path.join(ROOT, ".real", "venv", "bin");
export const REGION = "us-east-1";

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

/** Starts `command`, then polls `url` until it answers (any HTTP status), for at most 15 s. */
async function startServer(command: string, args: string[], url: string, env?: NodeJS.ProcessEnv) {
    if (!fs.existsSync(command)) throw new Error(`${command} is missing: run bash scripts/real-tools.sh`);
    let output = "";
    const child = spawn(command, args, { env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 150; i++) {
        if (child.exitCode !== null) break;
        const up = await fetch(url, { method: "PUT", headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" } }).then(
            () => true,
            () => false,
        );
        if (up) return child;
        await new Promise((r) => setTimeout(r, 100));
    }
    child.kill();
    throw new Error(`${path.basename(command)} did not answer on ${url}:\n${output}`);
}

export interface Moto {
    readonly endpoint: string;
    /** One call in a JSON-protocol service (ssm, secretsmanager, ecr): `target` is its X-Amz-Target. */
    json(service: string, target: string, body: object): Promise<any>;
    /** One call in a query-protocol service (iam, sts), answered as XML text. */
    query(service: string, params: Record<string, string>): Promise<string>;
    /** Moto checks every request's signature and its caller's IAM policies from now on (on), or none (off). */
    enforceIam(on: boolean): Promise<void>;
    stop(): void;
}

function authorization(service: string): string {
    return `AWS4-HMAC-SHA256 Credential=seed/20261207/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

export async function startMoto(): Promise<Moto> {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = await startServer(
        path.join(VENV_BIN, "moto_server"),
        ["-H", "127.0.0.1", "-p", String(port)],
        `${endpoint}/moto-api/`,
    );
    const answer = async (service: string, what: string, response: Response) => {
        const text = await response.text();
        if (!response.ok) throw new Error(`moto ${service} ${what}: HTTP ${response.status}: ${text}`);
        return text;
    };
    return {
        endpoint,
        async json(service, target, body) {
            const response = await fetch(`${endpoint}/`, {
                method: "POST",
                headers: {
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": target,
                    Authorization: authorization(service),
                },
                body: JSON.stringify(body),
            });
            const text = await answer(service, target, response);
            return text ? JSON.parse(text) : {};
        },
        async query(service, params) {
            const response = await fetch(`${endpoint}/`, {
                method: "POST",
                headers: {
                    "Content-Type": "application/x-www-form-urlencoded",
                    Authorization: authorization(service),
                },
                body: new URLSearchParams(params).toString(),
            });
            return answer(service, params.Action, response);
        },
        async enforceIam(on) {
            // moto/moto_api/_internal/responses.py reset_auth_response: enforcement starts after this many requests.
            const response = await fetch(`${endpoint}/moto-api/reset-auth`, { method: "POST", body: on ? "0" : "inf" });
            await answer("moto-api", "reset-auth", response);
        },
        stop: () => child.kill(),
    };
}

export interface Imds {
    readonly endpoint: string;
    stop(): void;
}

/**
 * AWS's IMDS mock serving `credentials` as the instance profile `role`'s, and other metadata `values` (e.g.
 * "instance-id"), by its documented config-file override of metadata values (aws/amazon-ec2-metadata-mock
 * docs/configuration.md @v1.13.0), IMDSv2 only.
 */
export async function startImds(
    dir: string,
    role: string,
    credentials: { AccessKeyId: string; SecretAccessKey: string },
    values: Readonly<Record<string, string>> = {},
    args: readonly string[] = [],
): Promise<Imds> {
    const port = await freePort();
    const config = path.join(dir, "imds.json");
    fs.writeFileSync(
        config,
        JSON.stringify({
            metadata: {
                paths: { "iam-security-credentials": `/latest/meta-data/iam/security-credentials/${role}` },
                values: {
                    ...values,
                    "iam-security-credentials-role": role,
                    "iam-security-credentials": {
                        Code: "Success",
                        LastUpdated: new Date().toISOString(),
                        Type: "AWS-HMAC",
                        ...credentials,
                        Token: "",
                        Expiration: new Date(Date.now() + 6 * 3600 * 1000).toISOString(),
                    },
                },
            },
        }),
    );
    const endpoint = `http://127.0.0.1:${port}`;
    const child = await startServer(
        path.join(REAL_BIN, "ec2-metadata-mock"),
        ["-n", "127.0.0.1", "-p", String(port), "-I", "-c", config, ...args],
        `${endpoint}/latest/api/token`,
        { ...process.env, HOME: dir },
    );
    return { endpoint, stop: () => child.kill() };
}

/**
 * A directory with the `aws` a host's scripts run: the real CLI v2 pointed at `endpoint`. Returns the directory, to
 * put first on PATH.
 */
export function awsAt(dir: string, endpoint: string): string {
    const bin = path.join(dir, "aws-bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "aws"), `#!/bin/bash\nexec /usr/bin/aws --endpoint-url ${endpoint} "$@"\n`, {
        mode: 0o755,
    });
    return bin;
}

/**
 * The environment of a host's AWS CLI: no credentials of its own, so it takes the instance profile's from `imds`,
 * as on EC2; an empty HOME, so no profile of the machine running the tests is read.
 */
export function hostAwsEnv(imds: Imds, home: string): Record<string, string> {
    fs.mkdirSync(home, { recursive: true });
    return { AWS_EC2_METADATA_SERVICE_ENDPOINT: `${imds.endpoint}/`, HOME: home, AWS_PAGER: "" };
}

/** The gateways' two target groups (TCP 9080 and 9443, instance targets) in moto's ELB, in `vpc`: their ARNs. */
export async function gatewayTargetGroups(moto: Moto, vpc: string): Promise<string[]> {
    const arns: string[] = [];
    for (const [name, port] of [
        ["api7-dp-lb-http", "9080"],
        ["api7-dp-lb-https", "9443"],
    ]) {
        const created = await moto.query("elasticloadbalancing", {
            Version: "2015-12-01",
            Action: "CreateTargetGroup",
            Name: name,
            Protocol: "TCP",
            Port: port,
            VpcId: vpc,
            TargetType: "instance",
        });
        arns.push(/<TargetGroupArn>([^<]+)<\/TargetGroupArn>/.exec(created)![1]);
    }
    return arns;
}
