/**
 * A "host" for the tests that run api7-run and api7-apply (tests/host-scripts.test.ts, tests/outage.test.ts): the
 * user data's files installed under a directory standing for its root (tests/host-files.ts), the evaluation's SSM
 * parameters as files, a fake of aws over them (tests/fakes/aws-ssm.sh, Secrets Manager and ECR here), and the host
 * fakes of docker, systemctl, cloud-init and curl (tests/fakes/host-bin/), each recording into out/.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT, type RunResult } from "../tools/harness";
import { decodeUserData, T } from "./helpers";
import { installUserData } from "./host-files";
import { runSpecErrors, runSpecsOf } from "./run-specs";

/** Fakes of docker, systemctl, cloud-init and curl (each file says what it does and records). */
export const HOST_BIN = path.join(ROOT, "tests", "fakes", "host-bin");

export interface Launch {
    readonly status: number | null;
    readonly stderr: string;
    readonly runDir: string;
    /** docker's arguments, or undefined when docker was not run. */
    readonly dockerArgs?: string[];
    /** The value of each variable handed to docker with -e. */
    readonly dockerEnv: Record<string, string>;
    /** `docker login`: user, registry, the password it read on stdin, and DOCKER_CONFIG; undefined without a login. */
    readonly login?: { user: string; registry: string; password: string; dockerConfig: string };
    /** The references `docker pull` was asked for, in order. */
    readonly pulls: string[];
    /** DOCKER_CONFIG when docker run ran. */
    readonly dockerConfig?: string;
}

export interface Host {
    readonly dir: string;
    /** api7-run and api7-apply where the user data installs them (under the host's root). */
    readonly run: string;
    readonly apply: string;
    readonly lifecycle: string;
    readonly runRoot: string;
    readonly params: string;
    readonly out: string;
    /** Secrets Manager's secrets, one GetSecretValue response (JSON) per file. */
    readonly secrets: string;
    readonly env: NodeJS.ProcessEnv;
}

/** Stores a secret version in the fake Secrets Manager as GetSecretValue returns it (SecretString holds JSON). */
export function putSecret(host: Host, arn: string, versionId: string, value: Record<string, string>): void {
    const file = path.join(host.secrets, arn.replace(/[^A-Za-z0-9]/g, "_"));
    fs.writeFileSync(
        file,
        JSON.stringify({
            ARN: arn,
            Name: arn.split(":")[6],
            VersionId: versionId,
            SecretString: JSON.stringify(value),
            VersionStages: ["AWSCURRENT"],
        }),
    );
}

/** The user data `evaluation` gives the host group whose parameters are under `prefix` (its host.json says so). */
export function userDataOf(evaluation: RunResult, prefix: string): string {
    const texts = evaluation.ofType(T.launchTemplate).map((t) => decodeUserData(t.inputs.userData));
    const found = texts.filter((text) =>
        (yaml.load(text) as { write_files: { path: string; content: string }[] }).write_files.some(
            (f) => path.basename(f.path) === "host.json" && JSON.parse(f.content).parameterPrefix === prefix,
        ),
    );
    if (found.length !== 1) throw new Error(`${found.length} host groups have the parameter prefix ${prefix}`);
    return found[0];
}

/**
 * A "host" of the group under `prefix`: its user data's files installed under its root, `evaluation`'s SSM
 * parameters, a fake of aws and, after it on PATH, those of docker, systemctl, cloud-init and curl
 * (tests/fakes/host-bin/).
 */
export function prepareHost(evaluation: RunResult, prefix: string, stateDir?: string): Host {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-run-"));
    const [runRoot, params, out, bin, secrets] = ["run", "params", "out", "bin", "secrets"].map((d) =>
        path.join(dir, d),
    );
    for (const d of [runRoot, params, out, bin, secrets]) fs.mkdirSync(d, { recursive: true });
    // A host in service, as api7-lifecycle marks it once Auto Scaling has it headed there (tests/lifecycle.test.ts
    // removes the mark).
    fs.writeFileSync(path.join(runRoot, "in-service"), "");
    const installed = installUserData(userDataOf(evaluation, prefix), path.join(dir, "root"));
    // Every run spec the scripts are fed holds to its one definition (config-schema/run-spec.schema.json).
    const specs = runSpecsOf(evaluation);
    expect(specs.filter((s) => s.name.startsWith(`${prefix}/`)).length).toBeGreaterThan(0);
    for (const { name, spec } of specs) expect([name, runSpecErrors(spec)]).toEqual([name, []]);
    for (const p of evaluation.ofType(T.parameter)) {
        const file = path.join(params, p.inputs.name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, p.inputs.type === "SecureString" ? p.inputs.value : p.inputs.insecureValue);
    }
    fs.writeFileSync(
        path.join(bin, "aws"),
        `#!/bin/bash
# aws secretsmanager get-secret-value --secret-id ARN --query Q --output F prints what the real CLI prints for the
# two queries api7-run sends: a JMESPath multiselect hash of VersionId and SecretString as JSON, or VersionId as text.
if [[ "$1" == "secretsmanager" ]]; then
  [[ "$2" == "get-secret-value" ]] || { echo "fake aws: unexpected $*" >&2; exit 2; }
  while [[ $# -gt 0 ]]; do case "$1" in --secret-id) id="$2"; shift 2 ;; --query) query="$2"; shift 2 ;; --output) output="$2"; shift 2 ;; *) shift ;; esac; done
  file="$FAKE_SECRETS/$(printf '%s' "$id" | tr -c 'A-Za-z0-9' '_')"
  [[ -f "$file" ]] || { echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret." >&2; exit 254; }
  if [[ "$query" == "{version: VersionId, secret: SecretString}" && "$output" == "json" ]]; then jq '{version: .VersionId, secret: .SecretString}' "$file"
  elif [[ "$query" == "VersionId" && "$output" == "text" ]]; then jq -r .VersionId "$file"
  else echo "fake aws: unexpected query $query / $output" >&2; exit 2; fi
  exit 0
fi
# aws ecr get-login-password --region R prints a token (ECR user guide, registry_auth.html); FAKE_ECR_DOWN fails it.
if [[ "$1" == "ecr" ]]; then
  [[ "$2" == "get-login-password" && "$3" == "--region" && -n "$4" ]] || { echo "fake aws: unexpected $*" >&2; exit 2; }
  [[ -z "\${FAKE_ECR_DOWN:-}" ]] || { echo "An error occurred (AccessDeniedException) when calling the GetAuthorizationToken operation" >&2; exit 254; }
  printf 'FAKE-ECR-TOKEN-%s\n' "$4"
  exit 0
fi
# aws elbv2 deregister-targets|wait|describe-target-health|register-targets: each call recorded, one per line;
# describe-target-health prints the target's state, FAKE_TARGET_STATE or unused (deregistered).
if [[ "$1" == "elbv2" ]]; then
  printf '%s\\n' "\${*:2}" >> "$FAKE_OUT/elbv2"
  printf 'elbv2 %s\\n' "$2" >> "$FAKE_OUT/events"
  [[ "$2" != describe-target-health ]] || echo "\${FAKE_TARGET_STATE:-unused}"
  exit 0
fi
# aws autoscaling describe-auto-scaling-instances (the group's name, as text) and complete-lifecycle-action: each
# call recorded; with FAKE_NO_LIFECYCLE_ACTION the completion fails as Auto Scaling does with none pending.
if [[ "$1" == "autoscaling" ]]; then
  printf '%s\n' "\${*:2}" >> "$FAKE_OUT/autoscaling"
  case "$2" in
    describe-auto-scaling-instances) echo "api7-dp-hosts-group-fake" ;;
    complete-lifecycle-action)
      [[ -z "\${FAKE_NO_LIFECYCLE_ACTION:-}" ]] || { echo "An error occurred (ValidationError) when calling the CompleteLifecycleAction operation: No active Lifecycle Action found with instance ID i-0fake00000000001" >&2; exit 254; } ;;
    *) echo "fake aws: unexpected $*" >&2; exit 2 ;;
  esac
  exit 0
fi
# aws cloudwatch put-metric-data ... --metric-data JSON: the JSON recorded, one call per line.
if [[ "$1" == "cloudwatch" ]]; then
  [[ "$2" == "put-metric-data" ]] || { echo "fake aws: unexpected $*" >&2; exit 2; }
  while [[ $# -gt 0 ]]; do case "$1" in --metric-data) printf '%s\\n' "$2" >> "$FAKE_OUT/metrics"; shift 2 ;; *) shift ;; esac; done
  exit 0
fi
# aws s3api list-objects-v2 ... --query 'Contents[0].Key' --output text: the first key, or None with
# FAKE_EXPORT_MISSING; recorded with the access key id it signs with ("role": the instance's).
if [[ "$1" == "s3api" ]]; then
  printf '%s %s\\n' "\${AWS_ACCESS_KEY_ID:-role}" "\${*:2}" >> "$FAKE_OUT/s3"
  if [[ -n "\${FAKE_EXPORT_MISSING:-}" ]]; then echo None; else echo gateway_groups/default/export.json; fi
  exit 0
fi
# aws ssm: parameters as files (tests/fakes/aws-ssm.sh), sourced rather than run: no second process per call.
source ${JSON.stringify(path.join(ROOT, "tests", "fakes", "aws-ssm.sh"))}
`,
        { mode: 0o755 },
    );
    const env = {
        ...process.env,
        PATH: `${bin}:${HOST_BIN}:${process.env.PATH}`,
        ...installed.env,
        API7_RUN_DIR: runRoot,
        API7_STATE_DIR: stateDir ?? path.join(dir, "state"),
        // The DP Manager's probe tries again after 1 s on a host; a twentieth of that here.
        API7_PROBE_RETRY_SECONDS: "0.05",
        FAKE_PARAMS: params,
        FAKE_OUT: out,
        FAKE_SECRETS: secrets,
    };
    return {
        dir,
        run: installed.at("/usr/local/sbin/api7-run"),
        apply: installed.at("/usr/local/sbin/api7-apply"),
        lifecycle: installed.at("/usr/local/sbin/api7-lifecycle"),
        runRoot,
        params,
        out,
        secrets,
        env,
    };
}

export function launched(host: Host, status: number | null, stderr: string): Launch {
    const argsFile = path.join(host.out, "args");
    const dockerEnv: Record<string, string> = {};
    for (const f of fs.readdirSync(host.out).filter((f) => f.startsWith("env-")))
        dockerEnv[f.slice(4)] = fs.readFileSync(path.join(host.out, f), "utf8");
    const loginFile = path.join(host.out, "login");
    const login = fs.existsSync(loginFile) ? fs.readFileSync(loginFile, "utf8").split("\n") : undefined;
    const configFile = path.join(host.out, "docker-config");
    return {
        status,
        stderr,
        runDir: host.runRoot,
        login: login && { user: login[0], registry: login[1], password: login[2], dockerConfig: login[3] },
        dockerConfig: fs.existsSync(configFile) ? fs.readFileSync(configFile, "utf8") : undefined,
        dockerArgs: fs.existsSync(argsFile) ? fs.readFileSync(argsFile, "utf8").split("\0").slice(0, -1) : undefined,
        pulls: fs.existsSync(path.join(host.out, "pulls"))
            ? fs.readFileSync(path.join(host.out, "pulls"), "utf8").split("\n").slice(0, -1)
            : [],
        dockerEnv,
    };
}

/** Runs api7-run for `service` on a new host of `prefix` (or `options.host`), with the fakes' switches in `options.env`. */
export function launch(
    evaluation: RunResult,
    prefix: string,
    service: string,
    options: {
        readonly extra?: string[];
        readonly stateDir?: string;
        readonly host?: Host;
        readonly env?: Record<string, string>;
    } = {},
): Launch {
    const host = options.host ?? prepareHost(evaluation, prefix, options.stateDir);
    const r = spawnSync(host.run, [service, ...(options.extra ?? [])], {
        encoding: "utf8",
        env: { ...host.env, ...options.env },
    });
    return launched(host, r.status, r.stderr);
}

export const systemctlCalls = (host: Host) =>
    fs.existsSync(path.join(host.out, "systemctl")) ? fs.readFileSync(path.join(host.out, "systemctl"), "utf8") : "";

export const specOf = (evaluation: RunResult, name: string) =>
    JSON.parse(evaluation.ofType(T.parameter).find((p) => p.inputs.name === name)!.inputs.insecureValue);
export const renderedConfig = (l: Pick<Launch, "runDir">, service: string) =>
    yaml.load(fs.readFileSync(path.join(l.runDir, service, "config.yaml"), "utf8")) as any;
