/**
 * The host scripts' SSM calls (config-templates/api7-lib.sh: api7_ssm_put, api7_ssm_get, api7_ssm_delete) run with
 * the real AWS CLI v2 (Debian's awscli, /usr/bin/aws) against AWS's SSM API emulated by moto (moto_server from
 * tools/real/requirements.txt, on 127.0.0.1 for this file), and the same calls against the file-store fake npm test
 * uses (tests/fakes/aws-ssm.sh): what a get prints (byte for byte, trailing newline included), how a `file://` value
 * arrives (UTF-8, CRLF), and how each refusal ends (exit status, SSM's error code) must be the same. The fake stays
 * in npm test because it costs no process per call; this tier keeps it honest.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../tools/harness";
import { awsAt, startMoto, type Moto } from "./services";

const LIB = path.join(ROOT, "config-templates", "api7-lib.sh");
const FAKE = path.join(ROOT, "tests", "fakes", "aws-ssm.sh");

/** What one bash run of the library's calls prints: each step's output and status, one block per step. */
const SCRIPT = String.raw`
set -u
source "$LIB"
region=us-east-1
api7_work="$(mktemp -d)"
step() { local name="$1"; shift; local out status; out="$("$@" 2>"$api7_work/err")"; status=$?;
  printf '== %s: status %s\n%s|\n' "$name" "$status" "$out"
  grep -o 'ParameterNotFound\|ParameterAlreadyExists' "$api7_work/err" | head -1 | sed 's/^/error: /'; }
step put-text api7_ssm_put /api7-ha/t/cp/a String $'line one\n\ttabbed, "quoted", $dollar\n'
step get-text api7_ssm_get /api7-ha/t/cp/a
step put-again api7_ssm_put /api7-ha/t/cp/a String other
step get-unchanged api7_ssm_get /api7-ha/t/cp/a
step overwrite api7_ssm_put /api7-ha/t/cp/a String 'über ∑ 𝄞' --overwrite
step get-utf8 api7_ssm_get /api7-ha/t/cp/a
step put-crlf api7_ssm_put /api7-ha/t/cp/crlf String $'a\r\nb\rc'
step get-crlf api7_ssm_get /api7-ha/t/cp/crlf
step put-secure api7_ssm_put /api7-ha/t/dp/secrets/token SecureString $'-----BEGIN X-----\nAAAA\n-----END X-----'
step get-secure api7_ssm_get /api7-ha/t/dp/secrets/token
step get-missing api7_ssm_get /api7-ha/t/cp/none
step delete api7_ssm_delete /api7-ha/t/cp/a
step get-deleted api7_ssm_get /api7-ha/t/cp/a
`;

let moto: Moto;

beforeAll(async () => {
    moto = await startMoto();
}, 30000);

afterAll(() => moto?.stop());

function run(bin: string, env: Record<string, string>): string {
    const result = spawnSync("/bin/bash", ["-c", SCRIPT], {
        env: { PATH: `${bin}:/usr/bin:/bin`, LIB, LANG: "C.UTF-8", ...env },
        encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`the script failed: ${result.stderr}`);
    return result.stdout;
}

test("api7-lib's SSM calls: the fake prints and fails exactly as the real AWS CLI v2 does against SSM (moto)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-ssm-"));
    try {
        // The real CLI, first on PATH, told moto's address (tests/real/services.ts awsAt). Moto accepts any
        // credentials.
        const realBin = awsAt(dir, moto.endpoint);
        const version = spawnSync("/usr/bin/aws", ["--version"], { encoding: "utf8" });
        expect(version.stdout).toMatch(/^aws-cli\/2\./);
        const real = run(realBin, {
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing",
            AWS_DEFAULT_REGION: "us-east-1",
            HOME: dir,
        });
        // The fake, run as `aws`.
        const fakeBin = path.join(dir, "fake-bin");
        const params = path.join(dir, "params");
        fs.mkdirSync(fakeBin);
        fs.mkdirSync(params);
        fs.writeFileSync(path.join(fakeBin, "aws"), `#!/bin/bash\nsource ${JSON.stringify(FAKE)}\n`, { mode: 0o755 });
        const fake = run(fakeBin, { FAKE_PARAMS: params });
        expect(real).toContain('== get-text: status 0\nline one\n\ttabbed, "quoted", $dollar|');
        expect(fake).toBe(real);
        console.log(`${real.split("\n== ").length} SSM calls run against moto with ${version.stdout.trim()}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
