/**
 * Independent validators on what the program renders: Debian's `cloud-init schema` on every distinct user data of
 * every committed stack (all files in one interpreter, tests/cloud-init-schema.py, proven here to say what the
 * command says), `shellcheck` on every shell script those user data write (installed as they install them, so it
 * follows each script's `source` of the library to where the user data puts it), and `systemd-analyze verify` on
 * every systemd unit they write. A missing validator fails its checks, naming the script that installs it
 * (.ci/install-tools).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AWS_STACKS, runProgram } from "../tools/harness";
import { decodeUserData, needing, parseUserData, T, which } from "./helpers";
import { installUserData } from "./host-files";

/** A test that fails at once, saying how to install it, when the validator `bin` is not on PATH. */
const withValidator = (bin: string) => needing([bin]);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-validators-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let userDatas: { label: string; text: string }[] = [];
beforeAll(async () => {
    const seen = new Map<string, string>();
    for (const stack of AWS_STACKS) {
        const run = await runProgram({ stack });
        for (const template of run.ofType(T.launchTemplate)) {
            const text = decodeUserData(template.inputs.userData);
            if (!seen.has(text)) seen.set(text, `${stack}/${template.name}`);
        }
    }
    userDatas = [...seen].map(([text, label]) => ({ label, text }));
});

/** `cloud-init schema --config-file FILE`, the command itself: its exit status and all it printed. */
function cloudInitSchemaCommand(file: string): { status: number | null; output: string } {
    const r = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * The same for many files in one interpreter (tests/cloud-init-schema.py, run by the Python `cloud-init` itself is
 * run by, from its #! line): about 0.4 CPU-s per file less (measured), nearly all of it Python and the schema loading.
 */
function cloudInitSchema(files: string[]): { status: number | null; output: string }[] {
    const interpreter = fs
        .readFileSync(which("cloud-init")!, "utf8")
        .split("\n")[0]
        .replace(/^#!\s*/, "")
        .split(/\s+/);
    const r = spawnSync(
        interpreter[0],
        [...interpreter.slice(1), path.join(__dirname, "cloud-init-schema.py"), ...files],
        { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`tests/cloud-init-schema.py failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as { status: number; output: string }[];
}

const BROKEN_CLOUD_CONFIG =
    "#cloud-config\nwrite_files:\n  - path: 5\n    permissions: [not, a, string]\nruncmd: true\n";
/** Every distinct user data, then a broken document, through cloudInitSchema once. */
let schemaFiles: string[] = [];
let schemaResults: { status: number | null; output: string }[] = [];
beforeAll(() => {
    if (which("cloud-init") === undefined) return; // each cloud-init test then fails, naming what to install
    schemaFiles = [
        ...userDatas.map(({ label }) => path.join(dir, `${label.replace(/\W+/g, "-")}.yaml`)),
        path.join(dir, "broken.yaml"),
    ];
    userDatas.forEach(({ text }, i) => fs.writeFileSync(schemaFiles[i], text));
    fs.writeFileSync(schemaFiles[schemaFiles.length - 1], BROKEN_CLOUD_CONFIG);
    schemaResults = cloudInitSchema(schemaFiles);
});

withValidator("cloud-init")(`every rendered user data passes cloud-init schema`, () => {
    expect(userDatas.length).toBeGreaterThanOrEqual(2);
    userDatas.forEach(({ label }, i) => {
        expect([label, schemaResults[i]]).toEqual([
            label,
            { status: 0, output: expect.stringContaining("Valid cloud-config") },
        ]);
    });
});

withValidator("cloud-init")(`cloud-init schema does reject a broken document (the check can fail)`, () => {
    expect(schemaResults[schemaResults.length - 1]).toEqual({
        status: 1,
        output: expect.stringContaining("Cloud config schema errors"),
    });
});

withValidator("cloud-init")(
    `many files in one interpreter: what \`cloud-init schema\` itself says of each, a valid and a broken one`,
    () => {
        for (const i of [0, schemaFiles.length - 1])
            expect(schemaResults[i]).toEqual(cloudInitSchemaCommand(schemaFiles[i]));
    },
);

/** A bash script or the bash library the scripts source (which has no #! line, only shellcheck's shell directive). */
const isBash = (content: string) => /^(#!\/bin\/bash|# shellcheck shell=bash)\n/.test(content);

/** shellcheck on an installed file, following what it sources (--external-sources): its exit status and report. */
const shellcheck = (file: string) => {
    const r = spawnSync("shellcheck", ["--severity=style", "--external-sources", file], { encoding: "utf8" });
    return [r.status, r.stdout] as const;
};

withValidator("shellcheck")(
    `every shell script written by user data passes shellcheck, with the library it sources`,
    () => {
        let checked = 0;
        // Hosts and stacks write the same files: each distinct set is checked once (shellcheck sees only the text).
        const verdicts = new Map<string, readonly [number | null, string]>();
        for (const { label, text } of userDatas) {
            const files = parseUserData(text).write_files as { path: string; content: string; encoding?: string }[];
            const installed = installUserData(text, path.join(dir, `root-${label.replace(/\W+/g, "-")}`));
            const shared = files
                .filter((f) => String(f.content).startsWith("# shellcheck shell=bash"))
                .map((f) => f.content)
                .join("\0");
            for (const f of files) {
                // The program writes every file in clear (components/aws/cloud-init.ts): no script hides from
                // shellcheck.
                expect([f.path, f.encoding]).toEqual([f.path, undefined]);
                if (!isBash(String(f.content))) continue;
                const key = `${shared}\0${f.content}`;
                let verdict = verdicts.get(key);
                if (verdict === undefined) {
                    verdict = shellcheck(installed.at(f.path));
                    verdicts.set(key, verdict);
                }
                expect([f.path, ...verdict]).toEqual([f.path, 0, ""]);
                checked++;
            }
        }
        // Per stack: the control plane's api7-run, api7-apply, api7-bootstrap and library, the data plane's api7-run,
        // api7-apply and library.
        expect(checked).toBeGreaterThanOrEqual(14);
    },
);

withValidator("shellcheck")(`shellcheck does follow the library: a script whose library is missing fails`, () => {
    const { text } = userDatas[0];
    const installed = installUserData(text, path.join(dir, "root-no-library"));
    const run = (parseUserData(text).write_files as { path: string }[]).find(
        (f) => path.basename(f.path) === "api7-run",
    )!;
    fs.rmSync(path.join(installed.env.API7_LIB_DIR, "api7-lib.sh"));
    const [status, report] = shellcheck(installed.at(run.path));
    expect(status).not.toBe(0);
    expect(report).toContain("SC1091");
});

withValidator("shellcheck")(`shellcheck does flag a bad script (the check can fail)`, () => {
    const file = path.join(dir, "bad.sh");
    fs.writeFileSync(file, "#!/bin/bash\nrm -rf $1/*\n");
    const r = spawnSync("shellcheck", ["--format=gcc", file], { encoding: "utf8" });
    // ShellCheck 0.9's findings for the unquoted $1 before /* (a missing binary would leave status null, no output).
    expect(r.error).toBeUndefined();
    expect([r.status, r.stdout]).toEqual([
        1,
        expect.stringContaining(`bad.sh:2:8: warning: Use "\${var:?}" to ensure this never expands to /* . [SC2115]`),
    ]);
    expect(r.stdout).toContain("bad.sh:2:8: note: Double quote to prevent globbing and word splitting. [SC2086]");
});

/**
 * What `systemd-analyze verify` may say of a unit here and not on a host: the programs the host provides (our
 * scripts, written by the same user data, and Docker, installed by it) are absent on this machine.
 */
const HOST_PROVIDED = [
    /^\S+: Command \/usr\/local\/sbin\/api7-(run|apply|bootstrap|lifecycle|etcd-member|etcd-admin|secret-files) is not executable: No such file or directory$/,
    /^\S+: Command \/usr\/bin\/docker is not executable: No such file or directory$/,
    /^\S+: Failed to create \S+\/start: Unit docker\.service not found\.$/,
];

/**
 * Verifies units as systemd loads them: each file at its path under /etc/systemd/system/ (drop-ins in
 * <unit>.d/, which verify reads beside the unit it is given), and a template unit as the instances of it that have
 * drop-ins, else as api7@dashboard.
 */
function verifyUnits(files: { name: string; content: string }[]): string[] {
    const unitDir = fs.mkdtempSync(path.join(dir, "units-"));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(unitDir, f.name)), { recursive: true });
        fs.writeFileSync(path.join(unitDir, f.name), f.content);
    }
    const units = files.map((f) => f.name).filter((n) => !n.includes("/"));
    const instances = [
        ...new Set(
            files
                .map((f) => f.name.split("/"))
                .filter((p) => p.length > 1)
                .map((p) => p[0]),
        ),
    ].map((d) => d.replace(/\.d$/, ""));
    const names = units.flatMap((n) => {
        if (!n.endsWith("@.service")) return [n];
        const of = instances.filter((i) => i.startsWith(n.replace("@.service", "@")));
        return of.length > 0 ? of : [n.replace("@.service", "@dashboard.service")];
    });
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...names.map((n) => `./${n}`)], {
        cwd: unitDir,
        encoding: "utf8",
    });
    return `${r.stdout}${r.stderr}`
        .split("\n")
        .filter((line) => line.trim() !== "" && !HOST_PROVIDED.some((ok) => ok.test(line)));
}

withValidator("systemd-analyze")(`every systemd unit in the rendered user data passes systemd-analyze verify`, () => {
    const units = new Map<string, string>();
    for (const { text } of userDatas) {
        for (const f of parseUserData(text).write_files as { path: string; content: string }[]) {
            const at = path.relative("/etc/systemd/system", f.path);
            if (!at.startsWith("..")) {
                // Two user data writing the same file write the same text.
                if (units.has(at)) expect(units.get(at)).toBe(f.content);
                units.set(at, f.content);
            }
        }
    }
    expect([...units.keys()].sort()).toEqual([
        "api7-bootstrap.service",
        "api7-db-rotation.service",
        "api7-db-rotation.timer",
        "api7-etcd-auth.service",
        "api7-etcd-snapshot.service",
        "api7-etcd-snapshot.timer",
        "api7-lifecycle.service",
        "api7-outage-watch@.service",
        "api7-outage-watch@.timer",
        "api7@.service",
        "api7@dashboard.service.d/10-secret-files.conf",
        "api7@etcd.service.d/05-member.conf",
        "api7@etcd.service.d/10-secret-files.conf",
        "api7@gateway.service.d/10-secret-files.conf",
    ]);
    expect(verifyUnits([...units].map(([name, content]) => ({ name, content })))).toEqual([]);
});

withValidator("systemd-analyze")(`systemd-analyze verify does read a unit's drop-ins (the check can fail)`, () => {
    const unit = { name: "api7@.service", content: "[Service]\nExecStart=/bin/true\n" };
    const dropIn = { name: "api7@etcd.service.d/10-x.conf", content: "[Service]\nExecStartPres=/bin/true\n" };
    expect(verifyUnits([unit, dropIn]).join("\n")).toMatch(/10-x\.conf.*Unknown key( name)? 'ExecStartPres'/);
});

withValidator("systemd-tmpfiles")(
    "the hosts' tmpfiles.d rule removes a copy of the scripts' lines not written for 14 days, and keeps a newer one",
    () => {
        // Every user data writes the same rule.
        const rules = new Set(
            userDatas.map(
                ({ text }) =>
                    (parseUserData(text).write_files as { path: string; content: string }[]).find(
                        (f) => f.path === "/etc/tmpfiles.d/api7.conf",
                    )?.content,
            ),
        );
        expect(rules.size).toBe(1);
        const [content] = [...rules];
        const rule = { content: content! };
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "api7-tmpfiles-"));
        try {
            fs.mkdirSync(path.join(root, "etc", "tmpfiles.d"), { recursive: true });
            fs.writeFileSync(path.join(root, "etc", "tmpfiles.d", "api7.conf"), rule.content);
            const dir = path.join(root, "var", "log", "api7");
            fs.mkdirSync(dir, { recursive: true });
            const day = 86400;
            for (const [name, age] of [
                ["host-2026-11-20.log", 15 * day],
                ["host-2026-11-24.log", 13 * day],
            ] as const) {
                fs.writeFileSync(path.join(dir, name), "line\n");
                const when = Date.now() / 1000 - age;
                fs.utimesSync(path.join(dir, name), when, when);
            }
            const r = spawnSync("systemd-tmpfiles", ["--clean", `--root=${root}`], { encoding: "utf8" });
            expect([r.status, r.stderr]).toEqual([0, ""]);
            expect(fs.readdirSync(dir)).toEqual(["host-2026-11-24.log"]);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    },
);

withValidator("systemd-analyze")(`systemd-analyze verify does reject a broken unit (the check can fail)`, () => {
    const problems = verifyUnits([{ name: "broken.timer", content: "[Timer]\nOnUnitActiveSecs=5min\n" }]);
    expect(problems.join("\n")).toMatch(/Unknown key 'OnUnitActiveSecs'/);
});
