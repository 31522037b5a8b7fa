/**
 * A host's files as its user data installs them, under a directory standing for the host's root, so the tests run
 * the scripts exactly as a host has them: the same text, the same mode, and the library where the scripts source it.
 * Written as cloud-init's write_files writes them (canonical/cloud-init cloudinit/config/cc_write_files.py
 * @0167c1b9): each entry's content at its path, missing parent directories created, mode from its `permissions`
 * (an octal string, 0644 when absent).
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { HOST_LOG_DIR } from "../components/aws/log-agent";

export interface InstalledHost {
    /** The directory standing for the host's root. */
    readonly root: string;
    /** Where a host path (e.g. /usr/local/sbin/api7-run) is under the root. */
    at(hostPath: string): string;
    /**
     * The environment that points the scripts at the root rather than at the machine running the tests: the
     * directories of host.json (API7_ETC_DIR), the library (API7_LIB_DIR) and api7-run (API7_SBIN_DIR), each taken
     * from where the user data writes that file.
     */
    readonly env: Record<"API7_ETC_DIR" | "API7_LIB_DIR" | "API7_SBIN_DIR" | "API7_LOG_DIR", string>;
}

interface WriteFile {
    readonly path: string;
    readonly content?: string;
    readonly permissions?: string;
    readonly encoding?: string;
}

/** Writes `userData`'s (a `#cloud-config` document's) write_files under `root`. */
export function installUserData(userData: string, root: string): InstalledHost {
    const files = (yaml.load(userData) as { write_files: WriteFile[] }).write_files;
    const at = (hostPath: string) => path.join(root, hostPath);
    for (const f of files) {
        // The program writes every file in clear; anything else would need cloud-init's decoding here.
        if (f.encoding !== undefined) throw new Error(`${f.path}: encoding ${f.encoding} is not written in clear`);
        fs.mkdirSync(path.dirname(at(f.path)), { recursive: true });
        fs.writeFileSync(at(f.path), f.content ?? "");
        fs.chmodSync(at(f.path), parseInt(f.permissions ?? "0644", 8));
    }
    const dirOf = (name: string) => {
        const found = files.filter((f) => path.basename(f.path) === name);
        if (found.length !== 1) throw new Error(`the user data writes ${found.length} files named ${name}`);
        return path.dirname(at(found[0].path));
    };
    return {
        root,
        at,
        env: {
            API7_ETC_DIR: dirOf("host.json"),
            API7_LIB_DIR: dirOf("api7-lib.sh"),
            API7_SBIN_DIR: dirOf("api7-run"),
            // Where the scripts keep their lines for the CloudWatch agent (components/aws/log-agent.ts).
            API7_LOG_DIR: at(HOST_LOG_DIR),
        },
    };
}
