/**
 * The etcd drill's probe (API7 2.x): a write and a read of etcd through the 2.x dashboard's API, each probe request
 * one round. API7 publishes no 2.x source; the API is its upstream's, apache/apisix-dashboard (manager-api) @v2.13.1:
 * - POST /apisix/admin/user/login {username, password} answers {code: 0, data: {token}}
 *   (api/internal/handler/authentication/authentication.go), and every other /apisix path wants that token in the
 *   Authorization header (api/internal/filter/authentication.go);
 * - PUT and GET /apisix/admin/upstreams/:id (api/internal/handler/upstream/upstream.go), answers wrapped as
 *   {code, message, data}; DELETE /apisix/admin/upstreams/:ids removes it.
 * The drill writes one upstream of its own, `api7-ha-drill`, which no route uses (so no traffic changes), and deletes
 * it at the end. Whether API7's 2.x build keeps these paths is not confirmed: a login the dashboard refuses ends the
 * drill before anything is stopped.
 */
import { REQUEST_TIMEOUT_MS, SetupError } from "./args";

export const DRILL_UPSTREAM_ID = "api7-ha-drill";

/** One HTTP exchange: method, URL, JSON body and headers in; status and parsed JSON body (or undefined) out. */
export type JsonRequest = (
    method: string,
    url: string,
    body: unknown,
    headers: Record<string, string>,
) => Promise<{ status: number; json: unknown }>;

/** The platform's fetch, with the probe's timeout. */
export const fetchJson: JsonRequest = async (method, url, body, headers) => {
    const res = await fetch(url, {
        method,
        headers: { "Content-Type": "application/json", "User-Agent": "api7-ha-drill", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    return { status: res.status, json };
};

const data = (json: unknown): Record<string, unknown> | undefined => {
    const d = (json as { data?: unknown } | undefined)?.data;
    return d && typeof d === "object" ? (d as Record<string, unknown>) : undefined;
};

export interface EtcdThroughDashboard {
    /** One round: write the drill's upstream with the next counter, read it back; ok when the read has it. */
    round(): Promise<{ ok: boolean; detail: string }>;
    /** Deletes the drill's upstream (after the drill). */
    cleanUp(): Promise<void>;
}

/** Logs in as admin (a SetupError when refused), and returns the rounds. */
export async function etcdThroughDashboard(
    dashboardUrl: string,
    password: string,
    request: JsonRequest = fetchJson,
): Promise<EtcdThroughDashboard> {
    const at = (p: string) => new URL(p, dashboardUrl).toString();
    const login = await request("POST", at("/apisix/admin/user/login"), { username: "admin", password }, {}).catch(
        (e: unknown) => ({ status: 0, json: { message: e instanceof Error ? e.message : String(e) } }),
    );
    const token = data(login.json)?.token;
    if (login.status !== 200 || typeof token !== "string")
        throw new SetupError(
            `the dashboard refused the drill's login (${at("/apisix/admin/user/login")}: status ${login.status}` +
                `${(login.json as { message?: string } | undefined)?.message ? `, ${(login.json as { message: string }).message}` : ""})`,
        );
    const auth = { Authorization: token };
    const upstream = at(`/apisix/admin/upstreams/${DRILL_UPSTREAM_ID}`);
    let n = 0;
    return {
        async round() {
            const desc = `api7-ha drill write ${++n}`;
            try {
                const put = await request(
                    "PUT",
                    upstream,
                    { type: "roundrobin", nodes: { "127.0.0.1:1": 1 }, desc },
                    auth,
                );
                if (put.status !== 200) return { ok: false, detail: `write: status ${put.status}` };
                const get = await request("GET", upstream, undefined, auth);
                if (get.status !== 200) return { ok: false, detail: `read: status ${get.status}` };
                const read = data(get.json)?.desc;
                return read === desc
                    ? { ok: true, detail: "written and read" }
                    : { ok: false, detail: `read "${String(read)}", wrote "${desc}"` };
            } catch (e) {
                return { ok: false, detail: e instanceof Error ? e.message : String(e) };
            }
        },
        async cleanUp() {
            const r = await request("DELETE", upstream, undefined, auth);
            if (r.status !== 200) throw new Error(`DELETE ${upstream}: status ${r.status}`);
        },
    };
}
