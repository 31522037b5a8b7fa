/**
 * Docker healthchecks for the lab's API7 and Prometheus containers: GET the service's health URL (the same one the
 * AWS target's load balancers check, components/services.ts healthUrl) from inside the container.
 *
 * Which HTTP client the images hold is NOT CONFIRMED. API7's own setups never run one inside them: the Helm chart
 * (api7/api7-helm-chart @bfbe7b9) probes the dashboard and DP Manager with Kubernetes `httpGet` and the gateway with
 * `tcpSocket`, from outside; API7's compose files (api7/adc, api7/a7) give only PostgreSQL a healthcheck. The gateway
 * has /bin/sh (the chart's preStop runs `/bin/sh -c "sleep N"`), and the Apache APISIX images it resembles dropped
 * curl and wget in apache/apisix-docker 96e5b04 (PR #514). So the check uses whichever client is there: curl, else
 * wget, else bash's /dev/tcp (bash is Essential in the Debian and Ubuntu bases those images use; plain HTTP only:
 * over HTTPS it can only see the port accept a connection). With none of them the container reports unhealthy, and
 * nothing else depends on it: the lab's load balancer does its own checks, and no container waits for these.
 *
 * The Engine API's HealthConfig.Test (moby/moby api/swagger.yaml @b985e231): "`["CMD-SHELL", command]` run command
 * with system's default shell ... A non-zero exit code indicates a failed healthcheck: `0` healthy, `1` unhealthy,
 * `2` reserved (treated as unhealthy)", hence `|| exit 1`; failures inside the start period do not count
 * (daemon/health.go, same commit). @pulumi/docker 5.2 takes the test as `tests` (types/input.d.ts
 * ContainerHealthcheck), with durations as strings such as "10s".
 */
import type * as docker from "@pulumi/docker";

/** A check's timing, as the lab's load balancer and the AWS target groups take it. */
export interface ProbeTiming {
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    /** Consecutive failures before the container is unhealthy (Docker's `retries`). */
    readonly unhealthyThreshold: number;
    /** Failures in this first period do not count (Docker's `start_period`): the service's start-up. */
    readonly startPeriodSeconds: number;
}

/** Single-quoted for sh: the URL and the bash fallback go in as literal text. */
function shQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell command a healthcheck runs: GET `url` with curl, wget or bash; exit 0 when the service answers without
 * an HTTP error (curl -f and wget: below 400; bash: a 2xx status), else 1.
 */
export function httpProbeCommand(url: string, timeoutSeconds: number): string {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`healthcheck: ${url} is not an http(s) URL`);
    const tls = u.protocol === "https:";
    const port = u.port || (tls ? "443" : "80");
    const target = `${u.pathname}${u.search}`;
    // bash: a raw HTTP/1.0 request (the server closes after answering), the status line's code read back (with or
    // without a reason phrase after it). The path goes in as an argument, never into printf's format. Over HTTPS
    // only the TCP connection can be tried.
    const connect = `exec 3<>/dev/tcp/${u.hostname}/${port}`;
    const bash = tls
        ? connect
        : `p=${shQuote(target)}; ${connect} && printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n' "$p" ` +
          `${shQuote(u.hostname)} >&3 && read -r _ code _ <&3 && [[ $code == 2[0-9][0-9]* ]]`;
    return [
        `u=${shQuote(url)}`,
        `if command -v curl >/dev/null 2>&1; then curl -fsS${tls ? "k" : ""} -o /dev/null --max-time ` +
            `${timeoutSeconds} "$u"`,
        `elif command -v wget >/dev/null 2>&1; then wget -q${tls ? " --no-check-certificate" : ""} -O /dev/null ` +
            `-T ${timeoutSeconds} "$u"`,
        `else bash -c ${shQuote(bash)}`,
        `fi || exit 1`,
    ].join("\n");
}

/** The container's healthcheck: the probe of `url` at the given timing. */
export function httpHealthcheck(url: string, t: ProbeTiming): docker.types.input.ContainerHealthcheck {
    return {
        tests: ["CMD-SHELL", httpProbeCommand(url, t.timeoutSeconds)],
        interval: `${t.intervalSeconds}s`,
        timeout: `${t.timeoutSeconds}s`,
        retries: t.unhealthyThreshold,
        startPeriod: `${t.startPeriodSeconds}s`,
    };
}
