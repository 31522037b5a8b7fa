/**
 * The load balancers' listener and health-check rules that need no Pulumi runtime (components/aws/load-balancers.ts
 * builds the load balancers from them; the lab's HAProxy and the report read them too). Types only from the SDK.
 */
import type * as aws from "@pulumi/aws";
import type { DataPlaneLoadBalancerSettings } from "./config/settings";
import { PORTS } from "./ports";

/** TLS 1.3 (with 1.2 fallback) policy for TLS listeners (ELB.17, CKV_AWS_103). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** The gateways' health check: GET /status on 7085 answers 200 while the gateway process is up. */
export const GATEWAY_HEALTH_PATH = "/status";

/**
 * The target-group health check for gateways. Never `/status/ready`: it answers 503 while the gateway cannot reach
 * the control plane or runs from the fallback, which would pull every gateway out of rotation exactly when the
 * control plane is down.
 */
export function gatewayHealthCheck(
    hc: DataPlaneLoadBalancerSettings["healthCheck"],
): aws.types.input.lb.TargetGroupHealthCheck {
    return {
        enabled: true,
        protocol: "HTTP",
        port: String(PORTS.gatewayStatus),
        path: GATEWAY_HEALTH_PATH,
        matcher: "200",
        interval: hc.intervalSeconds,
        timeout: hc.timeoutSeconds,
        healthyThreshold: hc.healthyThreshold,
        unhealthyThreshold: hc.unhealthyThreshold,
    };
}

/**
 * The API7 2.x gateways' health check: GET on the Prometheus export server (9091), which APISIX 2.x serves from the
 * gateway's own nginx (components/v2-services.ts says why, having no status API); same timings as 3.x's.
 */
export const GATEWAY_V2_HEALTH_PATH = "/apisix/prometheus/metrics";

export function gatewayV2HealthCheck(
    hc: DataPlaneLoadBalancerSettings["healthCheck"],
): aws.types.input.lb.TargetGroupHealthCheck {
    return { ...gatewayHealthCheck(hc), port: String(PORTS.gatewayMetrics), path: GATEWAY_V2_HEALTH_PATH };
}

/** The dashboard's listener port: 443 with a certificate, 7080 without. */
export function dashboardListenerPort(certificateArn: string | undefined): number {
    return certificateArn ? 443 : PORTS.dashboard;
}

/** The control plane's target-group health check (dashboard and DP Manager): GET /healthz every 10 s. */
export const CONTROL_PLANE_HEALTH = {
    enabled: true,
    protocol: "HTTP",
    path: "/healthz",
    matcher: "200",
    interval: 10,
    timeout: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
};

/** The API7 2.x dashboards' health check: GET /ping on 9000 (components/v2-services.ts), timed as 3.x's. */
export const DASHBOARD_V2_HEALTH = { ...CONTROL_PLANE_HEALTH, path: "/ping", port: String(PORTS.dashboardV2) };

/** A health check's timing, in seconds and passes: a target group's, or HAProxy's in the lab. */
export interface Check {
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
}

/** The control plane's check timing (its target groups', and HAProxy's in the lab). */
export const CONTROL_PLANE_CHECK: Check = Object.freeze({
    intervalSeconds: CONTROL_PLANE_HEALTH.interval,
    timeoutSeconds: CONTROL_PLANE_HEALTH.timeout,
    healthyThreshold: CONTROL_PLANE_HEALTH.healthyThreshold,
    unhealthyThreshold: CONTROL_PLANE_HEALTH.unhealthyThreshold,
});

/** Prometheus's target-group health check: GET /-/healthy (Prometheus's documented health endpoint) on 9090. */
export const PROMETHEUS_HEALTH = {
    enabled: true,
    protocol: "HTTP",
    path: "/-/healthy",
    port: String(PORTS.prometheus),
    matcher: "200",
    interval: 10,
    timeout: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
};
