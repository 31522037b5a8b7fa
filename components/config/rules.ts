/**
 * Rules between settings (one setting's valid values depending on another's). Each problem is raised at the path
 * of the setting to change, so the message names the key as the user types it in `pulumi config set`.
 */
import { PROJECT, type ConfigValues } from "./schema";

const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

/** api7-ha-<stack>-prometheus-hosts must fit IAM's 64 characters (components/host.ts hostRoleName). */
export const MAX_STACK_NAME_FRAGMENT = 38;

/** Physical-name fragment for a stack: lower case, [a-z0-9-] only (S3 and IAM names). */
export function nameFragment(stack: string): string {
    return stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The default fallback bucket names (the account id is 12 digits). */
export function defaultBucketName(project: string, stack: string, kind: "config" | "resource", accountId: string): string {
    return `${project}-${nameFragment(stack)}-fallback-${kind}-${accountId}`;
}

type Path = (string | number)[];

/** Every cross-field problem of an otherwise well-typed configuration, at the path of the setting to change. */
export function crossFieldProblems(c: ConfigValues, stack: string): { path: Path; message: string }[] {
    const problems: { path: Path; message: string }[] = [];
    const problem = (path: Path, message: string) => problems.push({ path, message });
    const { network: net, dataPlane: dp, controlPlane: cp, fallback } = c;

    // Network: created or brought.
    const byo = net.existingVpcId !== "";
    if (byo && net.existingPrivateSubnetIds.length < 2) {
        problem(["network", "existingPrivateSubnetIds"], "needs at least 2 private subnets in distinct AZs when network.existingVpcId is set");
    }
    if (!byo) {
        for (const key of ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const) {
            if (net[key].length > 0) problem(["network", key], "is set but network.existingVpcId is empty; set both or neither");
        }
    }
    for (const key of ["existingPrivateSubnetIds", "existingPublicSubnetIds"] as const) {
        if (new Set(net[key]).size !== net[key].length) problem(["network", key], "lists a subnet twice");
    }
    const azCount = byo ? net.existingPrivateSubnetIds.length : net.availabilityZones;
    if (cp.count > azCount) {
        problem(["controlPlane", "count"], `is larger than the number of availability zones (${azCount}); each control-plane host needs its own AZ`);
    }
    if (byo && (net.s3EndpointAccess !== "restricted" || net.s3EndpointBucketArns.length > 0)) {
        problem(["network", net.s3EndpointBucketArns.length > 0 ? "s3EndpointBucketArns" : "s3EndpointAccess"],
            "applies to the S3 endpoint the program creates; with network.existingVpcId the endpoint (if any) is yours");
    }
    if (net.s3EndpointAccess === "unrestricted" && net.s3EndpointBucketArns.length > 0) {
        problem(["network", "s3EndpointBucketArns"], "has no effect with network.s3EndpointAccess `unrestricted` (every bucket is reachable); remove one of the two");
    }

    // Load balancers.
    const hc = dp.healthCheck;
    if (hc.timeoutSeconds >= hc.intervalSeconds) {
        problem(["dataPlane", "healthCheck", "timeoutSeconds"], `must be less than dataPlane.healthCheck.intervalSeconds (${hc.intervalSeconds})`);
    }
    const lb = dp.loadBalancer;
    if (lb.httpPort === lb.httpsPort) {
        problem(["dataPlane", "loadBalancer", "httpsPort"], "must differ from dataPlane.loadBalancer.httpPort (one listener per port)");
    }
    if (lb.httpsMode === "terminate" && !lb.certificateArn) {
        problem(["dataPlane", "loadBalancer", "certificateArn"], "is required when dataPlane.loadBalancer.httpsMode is `terminate` (a TLS listener needs a certificate)");
    }
    const internetFacing = !lb.internal || !cp.loadBalancer.internal;
    if (byo && internetFacing && net.existingPublicSubnetIds.length < 2) {
        problem(["network", "existingPublicSubnetIds"], "needs at least 2 public subnets in distinct AZs for an internet-facing load balancer (or make both load balancers internal)");
    }

    // Physical names derived from the stack (IAM roles: 64 characters).
    if (nameFragment(stack).length > MAX_STACK_NAME_FRAGMENT) {
        problem([], `the stack name "${stack}" is longer than ${MAX_STACK_NAME_FRAGMENT} characters, too long for the IAM names derived from it; use a shorter stack name`);
    }

    // Fallback.
    if (dp.mode === "standalone" && !fallback.enabled) {
        problem(["dataPlane", "mode"], "is `standalone` but fallback.enabled is false: standalone gateways serve from the fallback buckets");
    }
    if (fallback.configBucketName && fallback.configBucketName === fallback.resourceBucketName) {
        problem(["fallback", "resourceBucketName"], "must differ from fallback.configBucketName (API7 exports to two buckets)");
    }
    for (const kind of ["config", "resource"] as const) {
        const key = kind === "config" ? "configBucketName" : "resourceBucketName";
        const derived = defaultBucketName(PROJECT, stack, kind, "123456789012");
        if (fallback.enabled && !fallback[key] && derived.length > 63) {
            problem(["fallback", key], `is needed: the stack name makes the default name ${derived.length} characters long (S3 allows 63); set a shorter name`);
        }
    }

    // Admin access is never the whole internet unless someone says so in writing.
    if (!c.access.allowPublicAdmin) {
        c.access.adminCidrs.forEach((cidr, i) => {
            if (PUBLIC_CIDRS.has(cidr)) {
                problem(["access", "adminCidrs", i], "opens the admin ports to the whole internet; use your office/VPN ranges or set access.allowPublicAdmin true");
            }
        });
    }

    // Gateway credentials you bring must fit the chosen auth; unset, the control plane issues them.
    const mtlsKeys = ["gatewayClientCert", "gatewayClientKey", "gatewayCa"] as const;
    if (dp.controlPlaneAuth === "token") {
        for (const key of mtlsKeys) if (c[key]) problem([key], "is set but dataPlane.controlPlaneAuth is `token`; remove it or set dataPlane.controlPlaneAuth mtls");
    } else {
        if (c.gatewayToken) problem(["gatewayToken"], "is set but dataPlane.controlPlaneAuth is `mtls`; remove it with `pulumi config rm gatewayToken`");
        if (mtlsKeys.some((k) => c[k])) {
            for (const key of mtlsKeys) {
                if (!c[key]) problem([key], `is required with the other mTLS secrets (gatewayClientCert, gatewayClientKey and gatewayCa go together; or set none and the control plane issues them): \`pulumi config set --secret ${key} < <file>.pem\``);
            }
        }
    }
    return problems;
}
