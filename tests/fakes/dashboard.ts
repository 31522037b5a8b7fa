/**
 * A stand-in for API7's dashboard, implementing the Admin API calls the bootstrap makes, as API7 documents them
 * for 3.2.14.6-3.2.16 (api7/docs.apiseven.com enterprise_versioned_docs/version-3.2.14.6/reference/admin-api.json
 * @faf96f0e; api7/adc libs/backend-api7/e2e/support/global-setup.ts @fed76ee6): a session cookie from
 * POST /api/login, answers wrapped as {value} or {list, total}, errors as {error_msg}. Where API7 does not document
 * a detail (the status of a wrong password, of a missing license), this fake picks one; the script must not depend
 * on it beyond "not 2xx". Listens on 127.0.0.1 only.
 */
import * as crypto from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";

export interface FakeDashboardOptions {
    /** The admin password the dashboard has: "admin" on a fresh install. */
    readonly password?: string;
    /** A license already installed. */
    readonly license?: string;
    /** GET /healthz fails this many times before it answers 200; Infinity: never healthy. */
    readonly unhealthyFor?: number;
    /** Reject every license upload. */
    readonly rejectLicense?: boolean;
    /** From 3.2.15, per ADC's setup: a license upload before the password change is refused. */
    readonly licenseNeedsNewPassword?: boolean;
    /** The first call to this "METHOD /path" answers 400 (a failure partway through a run). */
    readonly failOnce?: string;
    /** The first client certificate answer lacks its CA. */
    readonly omitCaOnce?: boolean;
}

export interface Call {
    readonly method: string;
    readonly path: string;
}

export interface FakeDashboard {
    readonly url: string;
    readonly calls: Call[];
    readonly state: {
        password: string;
        license?: string;
        settings: { control_plane_address: string[] };
        groups: { id: string; name: string; config: { control_plane_key_prefix: string } }[];
        tokens: string[];
        certificates: number;
    };
    close(): Promise<void>;
}

export async function startFakeDashboard(options: FakeDashboardOptions = {}): Promise<FakeDashboard> {
    const state: FakeDashboard["state"] = {
        password: options.password ?? "admin",
        license: options.license,
        settings: { control_plane_address: [] },
        groups: [{ id: "default", name: "default", config: { control_plane_key_prefix: "/gateway_groups/default" } }],
        tokens: [],
        certificates: 0,
    };
    const calls: Call[] = [];
    const sessions = new Set<string>();
    let healthChecks = 0;
    let failing = options.failOnce;
    let omitCa = options.omitCaOnce ?? false;

    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://fake");
            const method = req.method ?? "GET";
            calls.push({ method, path: url.pathname });
            if (failing === `${method} ${url.pathname}`) {
                failing = undefined;
                res.writeHead(400, { "Content-Type": "application/json" });
                return res.end(JSON.stringify({ error_msg: "injected failure" }));
            }
            const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
                res.writeHead(status, { "Content-Type": "application/json", ...headers });
                res.end(JSON.stringify(body));
            };
            const fail = (status: number, message: string) => send(status, { error_msg: message });
            let body: Record<string, unknown> = {};
            try {
                body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
            } catch {
                return fail(400, "invalid JSON body");
            }

            if (url.pathname === "/healthz") {
                healthChecks++;
                return healthChecks > (options.unhealthyFor ?? 0) ? send(200, { value: "ok" }) : fail(503, "starting");
            }
            if (method === "POST" && url.pathname === "/api/login") {
                if (body.username !== "admin" || body.password !== state.password)
                    return fail(401, "invalid username or password");
                const session = crypto.randomBytes(8).toString("hex");
                sessions.add(session);
                return send(
                    200,
                    { value: { username: "admin" } },
                    { "Set-Cookie": `session=${session}; Path=/; HttpOnly` },
                );
            }
            const cookie = /(?:^|;\s*)session=([0-9a-f]+)/.exec(req.headers.cookie ?? "")?.[1];
            if (!cookie || !sessions.has(cookie)) return fail(401, "unauthorized");

            if (method === "PUT" && url.pathname === "/api/password") {
                if (body.old_password !== state.password) return fail(400, "the old password is incorrect");
                state.password = String(body.new_password);
                // Every session ends with a password change (API7 3.2.14.4 release note: a login ends earlier
                // sessions).
                sessions.clear();
                return send(200, { value: {} });
            }
            if (url.pathname === "/api/license") {
                if (method === "GET")
                    return state.license
                        ? send(200, { value: { customer: "ACME", status: "normal" } })
                        : fail(404, "license not found");
                if (method === "PUT") {
                    if (options.licenseNeedsNewPassword && state.password === "admin")
                        return fail(400, "please change the default password first");
                    if (options.rejectLicense || typeof body.data !== "string" || !body.data)
                        return fail(400, "invalid license");
                    state.license = body.data;
                    return send(200, { value: { customer: "ACME", effective_at: 0, expired_at: 0 } });
                }
            }
            if (url.pathname === "/api/gateway_groups") {
                if (method === "GET") return send(200, { list: state.groups, total: state.groups.length });
                if (method === "POST") {
                    const short = crypto.randomBytes(4).toString("hex");
                    const group = {
                        id: crypto.randomUUID(),
                        name: String(body.name),
                        config: { control_plane_key_prefix: `/gateway_groups/${short}` },
                    };
                    state.groups.push(group);
                    return send(200, { value: group });
                }
            }
            const issue = /^\/api\/gateway_groups\/([^/]+)\/(instance_token|dp_client_certificates)$/.exec(
                url.pathname,
            );
            if (method === "POST" && issue) {
                if (!state.groups.some((g) => g.id === issue[1])) return fail(404, "gateway group not found");
                if (issue[2] === "instance_token") {
                    const token = `a7ee-FAKE-TOKEN-${state.tokens.length + 1}`;
                    state.tokens.push(token);
                    return send(200, { value: { id: crypto.randomUUID(), token_plain_text: token } });
                }
                state.certificates++;
                const ca = omitCa
                    ? {}
                    : { ca_certificate: "-----BEGIN CERTIFICATE-----\nFAKE-CA\n-----END CERTIFICATE-----" };
                omitCa = false;
                return send(200, {
                    value: {
                        id: crypto.randomUUID(),
                        certificate: `-----BEGIN CERTIFICATE-----\nFAKE-CERT-${state.certificates}\n-----END CERTIFICATE-----`,
                        private_key:
                            `-----BEGIN PRIVATE KEY-----\nFAKE-KEY-${state.certificates}\n-----END ` +
                            `PRIVATE KEY-----`,
                        ...ca,
                    },
                });
            }
            if (url.pathname === "/api/system_settings") {
                if (method === "GET") return send(200, { value: state.settings });
                if (method === "PUT") {
                    if (!Array.isArray(body.control_plane_address))
                        return fail(400, "control_plane_address must be a list");
                    state.settings = { control_plane_address: body.control_plane_address as string[] };
                    return send(200, { value: state.settings });
                }
            }
            return fail(404, `no route ${method} ${url.pathname}`);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        calls,
        state,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
