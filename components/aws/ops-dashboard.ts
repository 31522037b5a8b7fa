/**
 * The stack's CloudWatch dashboard: the signals its alarms watch, grouped by tier (gateways, control plane, database,
 * fallback export), and the state of every alarm. Its body is the JSON the CloudWatch API takes (CloudWatch API
 * Reference, "Dashboard Body Structure and Syntax", CloudWatch-Dashboard-Body-Structure.html: `widgets`, each with
 * type, x, y, width, height and properties; a metric widget's `metrics` are arrays of namespace, metric name and
 * dimension name/value pairs, with an options object last). Pure: the body is built from resolved names.
 */
import { OUTAGE_METRICS_NAMESPACE } from "./run-spec";

export interface DashboardSignals {
    readonly region: string;
    readonly gateways: {
        readonly loadBalancer: string;
        readonly targetGroups: readonly string[];
        readonly group: string;
        /** The gateways' outage metrics' dimensions, while they ride through outages. */
        readonly outage?: { readonly stack: string; readonly gatewayGroup: string };
    };
    readonly controlPlane: {
        readonly targets: readonly {
            readonly role: string;
            readonly namespace: string;
            readonly loadBalancer: string;
            readonly targetGroup: string;
        }[];
        readonly group: string;
    };
    readonly database?: string;
    readonly exportBuckets?: readonly string[];
    readonly exportMetricsId: string;
    readonly alarmArns: readonly string[];
}

type Metric = (string | Record<string, unknown>)[];

interface Widget {
    readonly type: "metric" | "text" | "alarm";
    readonly properties: Record<string, unknown>;
    readonly height: number;
}

const WIDTH = 24;
const TILE = 8;

/** The dashboard's body, one row per tier (a heading, then its graphs, three to a row). */
export function dashboardBody(s: DashboardSignals): string {
    const graph = (title: string, metrics: Metric[], stat = "Maximum"): Widget => ({
        type: "metric",
        height: 6,
        properties: { title, metrics, region: s.region, view: "timeSeries", stat, period: 60 },
    });
    const heading = (text: string): Widget => ({ type: "text", height: 1, properties: { markdown: `## ${text}` } });
    const asg = (group: string): Metric[] => [
        ["AWS/AutoScaling", "GroupDesiredCapacity", "AutoScalingGroupName", group, { label: "desired" }],
        ["AWS/AutoScaling", "GroupInServiceInstances", "AutoScalingGroupName", group, { label: "in service" }],
    ];
    const g = s.gateways;
    const tiers: Widget[][] = [
        [
            heading("Gateways"),
            graph(
                "Gateways healthy and unhealthy, per target group",
                g.targetGroups.flatMap((tg) =>
                    ["HealthyHostCount", "UnHealthyHostCount"].map((m): Metric => [
                        "AWS/NetworkELB",
                        m,
                        "TargetGroup",
                        tg,
                        "LoadBalancer",
                        g.loadBalancer,
                    ]),
                ),
            ),
            graph("Gateways in service and desired", asg(g.group), "Minimum"),
            ...(g.outage
                ? [
                      graph(
                          "Gateways reaching the DP Manager, and standalone",
                          ["ControlPlaneReachable", "Standalone"].map((m): Metric => [
                              OUTAGE_METRICS_NAMESPACE,
                              m,
                              "Stack",
                              g.outage!.stack,
                              "GatewayGroup",
                              g.outage!.gatewayGroup,
                          ]),
                      ),
                  ]
                : []),
        ],
        [
            heading("Control plane"),
            graph(
                "Dashboard and DP Manager unhealthy hosts",
                s.controlPlane.targets.map((t): Metric => [
                    t.namespace,
                    "UnHealthyHostCount",
                    "TargetGroup",
                    t.targetGroup,
                    "LoadBalancer",
                    t.loadBalancer,
                    { label: t.role },
                ]),
            ),
            graph(
                "Dashboard 5xx",
                s.controlPlane.targets
                    .filter((t) => t.role === "dashboard")
                    .flatMap((t): Metric[] => [
                        [
                            t.namespace,
                            "HTTPCode_Target_5XX_Count",
                            "TargetGroup",
                            t.targetGroup,
                            "LoadBalancer",
                            t.loadBalancer,
                        ],
                        [t.namespace, "HTTPCode_ELB_5XX_Count", "LoadBalancer", t.loadBalancer],
                    ]),
                "Sum",
            ),
            graph("Control plane in service and desired", asg(s.controlPlane.group), "Minimum"),
        ],
        ...(s.database
            ? [
                  [
                      heading("Database"),
                      ...[
                          ["CPU (%)", "CPUUtilization"],
                          ["Free storage (bytes)", "FreeStorageSpace"],
                          ["Freeable memory (bytes)", "FreeableMemory"],
                          ["Connections", "DatabaseConnections"],
                      ].map(([title, m]) => graph(title, [["AWS/RDS", m, "DBInstanceIdentifier", s.database!]])),
                  ],
              ]
            : []),
        ...(s.exportBuckets
            ? [
                  [
                      heading("Fallback export"),
                      graph(
                          "Exports written (PUT requests)",
                          s.exportBuckets.map((b): Metric => [
                              "AWS/S3",
                              "PutRequests",
                              "BucketName",
                              b,
                              "FilterId",
                              s.exportMetricsId,
                          ]),
                          "Sum",
                      ),
                  ],
              ]
            : []),
        [
            heading("Alarms"),
            { type: "alarm", height: 6, properties: { title: "Every alarm of the stack", alarms: [...s.alarmArns] } },
        ],
    ];
    // Laid out top to bottom: a heading across the width, then the tier's widgets three to a row (the alarm list
    // across the width).
    const widgets: Record<string, unknown>[] = [];
    let y = 0;
    for (const [head, ...rest] of tiers) {
        widgets.push({ ...head, x: 0, y, width: WIDTH });
        y += head.height;
        rest.forEach((w, i) => {
            const width = w.type === "alarm" ? WIDTH : TILE;
            widgets.push({ ...w, x: (i * TILE) % WIDTH, y: y + Math.floor((i * TILE) / WIDTH) * 6, width });
        });
        y += Math.ceil((rest.length * TILE) / WIDTH) * 6;
    }
    return JSON.stringify({ widgets });
}

/** The console's link to a dashboard, as the console shows it in its address bar. */
export function dashboardUrl(region: string, name: string): string {
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${name}`;
}
