/**
 * The program's one reader of configuration: every project key, once, from the Pulumi runtime, checked by
 * parseSettings (components/config/load.ts). Apart from load.ts so the checks run without the SDK (tests, scripts).
 */
import * as pulumi from "@pulumi/pulumi";
import { parseSettings } from "./load";
import { PROJECT } from "./schema";
import type { Settings } from "./settings";

/**
 * Whether the runtime holds `fullKey` as a secret, or undefined when it cannot say. The Node SDK keeps
 * PULUMI_CONFIG_SECRET_KEYS for this (pulumi/pulumi sdk/nodejs/runtime/config.ts `isConfigSecret`, exported from
 * the runtime module but not typed as public API); without it, the secret checks are skipped rather than guessed.
 */
function runtimeIsSecret(fullKey: string): boolean | undefined {
    const check = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    return check?.(fullKey);
}

/** Reads the stack's configuration from the Pulumi runtime. The only reader of configuration in the program. */
export function loadSettings(): Settings {
    const prefix = `${PROJECT}:`;
    const values: Record<string, string> = {};
    let secretKeys: Set<string> | undefined = new Set<string>();
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        values[key] = value;
        const secret = runtimeIsSecret(fullKey);
        if (secret === undefined) secretKeys = undefined;
        else if (secret) secretKeys?.add(key);
    }
    return parseSettings(
        { values, secretKeys, awsRegion: pulumi.runtime.allConfig()["aws:region"] },
        pulumi.getStack(),
    );
}
