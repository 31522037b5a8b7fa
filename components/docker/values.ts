/** Lab values computed without the Pulumi runtime (components/docker/lab.ts uses them; tests check them alone). */
import * as crypto from "crypto";

/** A UUID (RFC 9562 layout, version 4 bits) derived from a name: a gateway's stable instance id. */
export function derivedUuid(name: string): string {
    const h = crypto.createHash("sha256").update(name).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Replaces each placeholder token with its value (plain string replacement, as api7-run does on a host). */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
    let out = text;
    for (const [token, value] of Object.entries(values)) out = out.split(token).join(value);
    return out;
}
