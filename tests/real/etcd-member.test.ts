/**
 * config-templates/api7-etcd-member.sh and api7-secret-files.sh, as an etcd host runs them before etcd starts, with
 * the real AWS CLI v2 against EC2 and SSM in moto, and the instance's id from AWS's IMDS mock (tests/real/services.ts):
 * the member's network interface and volume taken over from the host that held them once it lets them go, then its
 * TLS files from SSM, and the marker that tells a lost volume from a new one. What cannot run here, and why: no
 * volume's device appears (no EC2 instance, no NVMe), so most runs end at the device wait, which says so; one test
 * stands a file in for the device and stand-ins for the block-device tools.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../tools/harness";
import { awsAt, hostAwsEnv, REGION, startImds, startMoto, type Imds, type Moto } from "./services";

const PREFIX = "/api7-ha/prod/etcd-1";
const TLS = { "member.crt": "CERT PEM\nline 2\n", "member.key": "KEY PEM $x 'y'\n", "ca.crt": "CA PEM\n" };

let dir: string;
let moto: Moto;
let imds: Imds;
let env: Record<string, string>;
let ids: { eni: string; volume: string; old: string; self: string };

function aws(...args: string[]): any {
    const r = spawnSync("aws", [...args, "--region", REGION, "--output", "json"], {
        encoding: "utf8",
        env: { ...env, AWS_ACCESS_KEY_ID: "seed", AWS_SECRET_ACCESS_KEY: "seed" },
    });
    if (r.status !== 0) throw new Error(`aws ${args.join(" ")}: ${r.stderr}`);
    return r.stdout ? JSON.parse(r.stdout) : undefined;
}

function member(extra: Record<string, string>) {
    return spawn("bash", [path.join(ROOT, "config-templates", "api7-etcd-member.sh")], {
        env: {
            ...env,
            API7_ETCD_MEMBER_POLL: "1",
            API7_ETCD_DEVICE_WAIT: "1",
            ...extra,
        },
    });
}

function finished(child: ReturnType<typeof spawn>): Promise<{ status: number | null; stderr: string }> {
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on("exit", (status) => resolve({ status, stderr })));
}

const eniHolder = () =>
    aws("ec2", "describe-network-interfaces", "--network-interface-ids", ids.eni).NetworkInterfaces[0].Attachment;
/** The interface on the host being replaced, where its previous host had it (device 1). */
const attachEniToOld = () =>
    aws(
        "ec2",
        "attach-network-interface",
        "--network-interface-id",
        ids.eni,
        "--instance-id",
        ids.old,
        "--device-index",
        "1",
    );
const volumeHolder = () => aws("ec2", "describe-volumes", "--volume-ids", ids.volume).Volumes[0].Attachments[0];

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-real-etcd-member-"));
    moto = await startMoto();
    env = { PATH: `${awsAt(dir, moto.endpoint)}:/usr/bin:/bin`, HOME: dir, AWS_PAGER: "" };
    const vpc = aws("ec2", "create-vpc", "--cidr-block", "10.80.0.0/16").Vpc.VpcId;
    const subnet = aws(
        "ec2",
        "create-subnet",
        "--vpc-id",
        vpc,
        "--cidr-block",
        "10.80.0.0/19",
        "--availability-zone",
        `${REGION}a`,
    ).Subnet.SubnetId;
    const image = aws("ec2", "describe-images", "--owners", "amazon").Images[0].ImageId;
    const run = () =>
        aws("ec2", "run-instances", "--image-id", image, "--subnet-id", subnet, "--instance-type", "t3.medium")
            .Instances[0].InstanceId;
    const [old, self] = [run(), run()];
    const eni = aws("ec2", "create-network-interface", "--subnet-id", subnet, "--private-ip-address", "10.80.0.10")
        .NetworkInterface.NetworkInterfaceId;
    const volume = aws("ec2", "create-volume", "--availability-zone", `${REGION}a`, "--size", "20").VolumeId;
    ids = { eni, volume, old, self };
    for (const [file, value] of Object.entries(TLS))
        await moto.json("ssm", "AmazonSSM.PutParameter", {
            Name: `${PREFIX}/secrets/etcd-${file}`,
            Value: value,
            Type: "SecureString",
        });
    imds = await startImds(
        dir,
        "api7-ha-prod-etcd-1-hosts",
        { AccessKeyId: "AKIAHOST", SecretAccessKey: "host-secret" },
        { "instance-id": self },
    );
    const etc = path.join(dir, "etc");
    fs.mkdirSync(etc);
    fs.writeFileSync(path.join(etc, "host.json"), JSON.stringify({ region: REGION, parameterPrefix: PREFIX }));
    fs.writeFileSync(
        path.join(etc, "etcd-member.json"),
        JSON.stringify({
            networkInterfaceId: eni,
            volumeId: volume,
            device: "/dev/sdf",
            mount: path.join(dir, "var-lib-etcd"),
        }),
    );
    fs.writeFileSync(
        path.join(etc, "secret-files-etcd.json"),
        JSON.stringify({
            dir: path.join(dir, "run-etcd-tls"),
            files: Object.fromEntries(Object.keys(TLS).map((f) => [f, `${PREFIX}/secrets/etcd-${f}`])),
        }),
    );
    fs.mkdirSync(path.join(dir, "dev"));
    env = {
        ...env,
        ...hostAwsEnv(imds, path.join(dir, "home")),
        API7_LIB_DIR: path.join(ROOT, "config-templates"),
        API7_ETC_DIR: etc,
        API7_LOG_COPY: "off",
        API7_DEV_DIR: path.join(dir, "dev"),
    };
}, 60000);

afterAll(() => {
    imds?.stop();
    moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("held by the host it replaces: waits, then takes the interface and the volume once that host lets them go", async () => {
    attachEniToOld();
    aws("ec2", "attach-volume", "--volume-id", ids.volume, "--instance-id", ids.old, "--device", "/dev/sdf");
    const run = finished(member({ API7_ETCD_MEMBER_WAIT: "60" }));
    await new Promise((r) => setTimeout(r, 4000));
    // Still the old host's: nothing forced off it.
    expect([eniHolder().InstanceId, volumeHolder().InstanceId]).toEqual([ids.old, ids.old]);
    aws("ec2", "detach-network-interface", "--attachment-id", eniHolder().AttachmentId);
    // With the instance named: moto 5.1.18 answers 500 without it (AWS takes the volume alone).
    aws("ec2", "detach-volume", "--volume-id", ids.volume, "--instance-id", ids.old);
    const { status, stderr } = await run;
    expect(stderr).toContain(`api7-etcd-member: ${ids.eni} and ${ids.volume} attached to ${ids.self}`);
    expect([eniHolder().InstanceId, eniHolder().DeviceIndex]).toEqual([ids.self, 1]);
    expect([volumeHolder().InstanceId, volumeHolder().Device]).toEqual([ids.self, "/dev/sdf"]);
    // Where this machine stops: no NVMe device for the volume.
    expect(status).toBe(1);
    expect(stderr).toContain(`api7-etcd-member: no device for ${ids.volume}`);
}, 60000);

test("api7-secret-files: the TLS files from SSM, readable by their owner alone, each replaced whole", async () => {
    const run = () =>
        finished(
            spawn(
                "bash",
                [
                    path.join(ROOT, "config-templates", "api7-secret-files.sh"),
                    path.join(env.API7_ETC_DIR, "secret-files-etcd.json"),
                ],
                {
                    env,
                },
            ),
        );
    expect(await run()).toEqual({
        status: 0,
        stderr: `api7-secret-files: 3 files in ${path.join(dir, "run-etcd-tls")}\n`,
    });
    // The CLI's text output ends each with a newline, which PEM readers skip.
    const read = () =>
        Object.keys(TLS).map((file) => {
            const f = path.join(dir, "run-etcd-tls", file);
            return [file, fs.readFileSync(f, "utf8").trimEnd(), fs.statSync(f).mode & 0o777];
        });
    expect(read()).toEqual(Object.entries(TLS).map(([file, value]) => [file, value.trimEnd(), 0o600]));
    expect(fs.statSync(path.join(dir, "run-etcd-tls")).mode & 0o777).toBe(0o700);
    // A renewed certificate: the next start writes it; no `.new` file is left behind.
    await moto.json("ssm", "AmazonSSM.PutParameter", {
        Name: `${PREFIX}/secrets/etcd-member.crt`,
        Value: "RENEWED PEM\n",
        Type: "SecureString",
        Overwrite: true,
    });
    expect((await run()).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "run-etcd-tls", "member.crt"), "utf8").trimEnd()).toBe("RENEWED PEM");
    expect(fs.readdirSync(path.join(dir, "run-etcd-tls")).sort()).toEqual(["ca.crt", "member.crt", "member.key"]);
});

test("api7-secret-files: files the container's other users may read (fileMode, dirMode), under a parent root's alone", async () => {
    const config = path.join(dir, "readable.json");
    const target = path.join(dir, "shared", "gateway");
    fs.writeFileSync(
        config,
        JSON.stringify({
            dir: target,
            files: { "ca.crt": `${PREFIX}/secrets/etcd-ca.crt` },
            fileMode: "0644",
            dirMode: "0755",
        }),
    );
    const { status } = await finished(
        spawn("bash", [path.join(ROOT, "config-templates", "api7-secret-files.sh"), config], { env }),
    );
    expect(status).toBe(0);
    expect([
        fs.statSync(path.join(dir, "shared")).mode & 0o777,
        fs.statSync(target).mode & 0o777,
        fs.statSync(path.join(target, "ca.crt")).mode & 0o777,
    ]).toEqual([0o700, 0o755, 0o644]);
});

test("api7-secret-files: a parameter it cannot read stops the start, naming it", async () => {
    const config = path.join(dir, "missing.json");
    fs.writeFileSync(
        config,
        JSON.stringify({ dir: path.join(dir, "tls-missing"), files: { "x.crt": `${PREFIX}/secrets/nope` } }),
    );
    const { status, stderr } = await finished(
        spawn("bash", [path.join(ROOT, "config-templates", "api7-secret-files.sh"), config], { env }),
    );
    expect(status).not.toBe(0);
    expect(stderr).toContain(`api7: cannot read the SSM parameter ${PREFIX}/secrets/nope`);
    expect(fs.readdirSync(path.join(dir, "tls-missing"))).toEqual([]);
});

test("run again on the host that has them: nothing to wait for", async () => {
    const started = Date.now();
    const { status, stderr } = await finished(member({ API7_ETCD_MEMBER_WAIT: "60" }));
    expect(stderr).toContain(`attached to ${ids.self}`);
    expect([status, stderr]).toEqual([1, expect.stringContaining(`no device for ${ids.volume}`)]);
    expect(Date.now() - started).toBeLessThan(15000);
});

/**
 * Past the device: a new volume is formatted and the member's marker recorded; a volume without a file system for an
 * interface whose member had data stops the start. Stand-ins, and why: blkid, mkfs.xfs, mountpoint, mount and
 * xfs_growfs (no block device can be attached or mounted here), each recording its call; the device is a file.
 */
test("a new volume: formatted, marker recorded; a lost one for the same interface: refused, nothing formatted", async () => {
    const stubs = path.join(dir, "stubs");
    const state = path.join(dir, "stub-state");
    fs.mkdirSync(stubs, { recursive: true });
    fs.mkdirSync(state, { recursive: true });
    const stub = (name: string, body: string) =>
        fs.writeFileSync(path.join(stubs, name), `#!/bin/bash\necho "${name} $*" >>"${state}/calls"\n${body}\n`, {
            mode: 0o755,
        });
    // blkid exits 2 when it finds nothing (blkid(8)).
    stub("blkid", `[[ -f "${state}/fs" ]] || exit 2\necho xfs`);
    stub("mkfs.xfs", `touch "${state}/fs"`);
    stub("mountpoint", "exit 1");
    stub("mount", "exit 0");
    stub("xfs_growfs", "exit 0");
    fs.writeFileSync(path.join(env.API7_DEV_DIR, "sdf"), "");
    const calls = () =>
        fs.existsSync(path.join(state, "calls"))
            ? fs
                  .readFileSync(path.join(state, "calls"), "utf8")
                  .trim()
                  .split("\n")
                  .map((l) => l.split(" ")[0])
            : [];
    const withStubs = { PATH: `${stubs}:${env.PATH}`, API7_ETCD_MEMBER_WAIT: "30" };
    const marker = () => aws("ssm", "get-parameter", "--name", `${PREFIX}/member-volume`).Parameter.Value;

    const first = await finished(member(withStubs));
    expect([first.status, first.stderr]).toEqual([0, expect.stringContaining("has no file system: a new member")]);
    expect(calls()).toEqual(["blkid", "mkfs.xfs", "mountpoint", "mount", "xfs_growfs"]);
    expect(marker()).toBe(`${ids.eni} ${ids.volume}`);

    // The volume lost (a new, empty one in its place): the same interface's member had data.
    fs.rmSync(path.join(state, "fs"));
    fs.rmSync(path.join(state, "calls"));
    const lost = await finished(member(withStubs));
    expect(lost.status).toBe(1);
    expect(lost.stderr).toContain(`this member had data on ${ids.volume}: it lost its data and must rejoin`);
    expect(calls()).toEqual(["blkid"]);

    // A marker of another interface (the stack destroyed and created again): a new member.
    aws(
        "ssm",
        "put-parameter",
        "--name",
        `${PREFIX}/member-volume`,
        "--type",
        "String",
        "--overwrite",
        "--value",
        "eni-0old vol-0old",
    );
    fs.rmSync(path.join(state, "calls"));
    const recreated = await finished(member(withStubs));
    expect(recreated.status).toBe(0);
    expect(calls()).toContain("mkfs.xfs");
    expect(marker()).toBe(`${ids.eni} ${ids.volume}`);
    fs.rmSync(path.join(env.API7_DEV_DIR, "sdf"));
}, 60000);

test("never let go: gives up after the wait, naming the instance that holds them, and forces nothing", async () => {
    aws("ec2", "detach-network-interface", "--attachment-id", eniHolder().AttachmentId);
    attachEniToOld();
    const { status, stderr } = await finished(member({ API7_ETCD_MEMBER_WAIT: "3" }));
    expect(status).toBe(1);
    expect(stderr).toContain(`api7-etcd-member: network interface ${ids.eni} is still in-use on ${ids.old} after 3 s`);
    expect(eniHolder().InstanceId).toBe(ids.old);
}, 30000);
