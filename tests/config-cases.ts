/**
 * The configurations the suite evaluates prod with (tests/config.test.ts), as the changes a user makes with
 * `pulumi config`: the real tier (tests/real/pulumi-config.test.ts) runs the same commands through the real CLI, so
 * the port the suite applies them with (tools/pulumi-cli/) is held to the CLI on every one of them.
 */
import { EXTERNAL_DATABASE, EXTERNAL_DSN, MTLS_SECRETS, type RunOptions } from "../tools/harness";

export type Change = Pick<RunOptions, "config" | "secrets" | "commands"> & { readonly stack?: RunOptions["stack"] };

export const BYO = { "network.existingVpcId": "vpc-0123456789abcdef0" };
export const TWO_SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
export const NUMBER =
    "must be a number (unquoted in the stack file; `pulumi config set --path` stores digits as a number)";
export const DATA_PLANE_SETTINGS =
    "count, instanceType, gatewayImage, gatewayGroupId, gatewayGroupName, createGatewayGroup, upstreamCidrs, " +
    "controlPlaneAuth, controlPlaneSni, mode, loadBalancer, healthCheck, reconnectAfterChecks, deregistrationDelaySeconds, " +
    "autoscaling, warmPool";
export const SECRET_LIST =
    "databaseDsn, license, adminPassword, gatewayToken, gatewayClientCert, gatewayClientKey, gatewayCa, registryPassword";

/** Bad configurations: what changes prod, and the problem lines the program reports. */
export const BAD_CASES: [string, Change, string[]][] = [
    [
        "one control-plane host",
        { config: { "controlPlane.count": 1 } },
        ["controlPlane.count = 1: must be at least 2: one control-plane host is a single point of failure"],
    ],
    [
        "one gateway",
        { config: { "dataPlane.count": 1 } },
        ["dataPlane.count = 1: must be at least 2: one gateway is a single point of failure"],
    ],
    ["21 gateways", { config: { "dataPlane.count": 21 } }, ["dataPlane.count = 21: must be at most 20"]],
    ["a count that is a word", { config: { "dataPlane.count": "two" } }, [`dataPlane.count = "two": ${NUMBER}`]],
    [
        "a count that is a fraction (the CLI keeps it a string)",
        { config: { "dataPlane.count": "2.5" } },
        [`dataPlane.count = "2.5": ${NUMBER}`],
    ],
    [
        "one availability zone",
        { config: { "network.availabilityZones": 1, "controlPlane.count": 1 } },
        [
            "network.availabilityZones = 1: must be from 2 to 6: HA needs at least two availability zones",
            "controlPlane.count = 1: must be at least 2: one control-plane host is a single point of failure",
        ],
    ],
    [
        "seven availability zones",
        { config: { "network.availabilityZones": 7 } },
        ["network.availabilityZones = 7: must be from 2 to 6: HA needs at least two availability zones"],
    ],
    [
        "more control-plane hosts than AZs",
        { config: { "controlPlane.count": 4 } },
        [
            "controlPlane.count = 4: is larger than the number of availability zones (3); each control-plane " +
                "host needs its own AZ",
        ],
    ],
    [
        "an arm64 gateway type",
        { config: { "dataPlane.instanceType": "c7g.large" } },
        [
            'dataPlane.instanceType = "c7g.large": is arm64; API7 hosts must be x86_64 (e.g. use c6i.large ' +
                "instead of c7g.large)",
        ],
    ],
    [
        "a Graviton burstable type",
        { config: { "controlPlane.instanceType": "t4g.medium" } },
        [
            'controlPlane.instanceType = "t4g.medium": is arm64; API7 hosts must be x86_64 (e.g. use c6i.large ' +
                "instead of c7g.large)",
        ],
    ],
    [
        "a type below 4 GiB",
        { config: { "controlPlane.instanceType": "t3.small" } },
        ['controlPlane.instanceType = "t3.small": has 2 vCPU / 2 GiB; API7 needs >= 2 vCPU and >= 4 GiB'],
    ],
    [
        "a Prometheus host below 4 GiB",
        { config: { "prometheus.instanceType": "t3.micro" } },
        ['prometheus.instanceType = "t3.micro": has 2 vCPU / 1 GiB; API7 needs >= 2 vCPU and >= 4 GiB'],
    ],
    [
        "an instance type in capitals",
        { config: { "controlPlane.instanceType": "T3.medium" } },
        [
            'controlPlane.instanceType = "T3.medium": is not an EC2 instance type name (lower-case series and ' +
                "size separated by a period, e.g. c6i.large); did you mean t3.medium?",
        ],
    ],
    [
        "an empty instance type",
        { config: { "dataPlane.instanceType": "" } },
        [
            'dataPlane.instanceType = "": is not an EC2 instance type name (lower-case series and size separated ' +
                "by a period, e.g. c6i.large)",
        ],
    ],
    [
        "a misspelt size",
        { config: { "dataPlane.instanceType": "t3.mediun" } },
        [
            'dataPlane.instanceType = "t3.mediun": is not a size of the t3 family (large, xlarge, 2xlarge, ...); ' +
                "did you mean t3.medium?",
        ],
    ],
    [
        "a small root volume",
        { config: { "hosts.rootVolumeGiB": 40 } },
        ["hosts.rootVolumeGiB = 40: must be from 80 GiB (API7's minimum free disk) to 16384 GiB (gp3 limit)"],
    ],
    [
        "a malformed AMI id",
        { config: { "hosts.amiId": "ubuntu" } },
        ['hosts.amiId = "ubuntu": must be empty or an AMI id (ami-...)'],
    ],
    [
        "a VPC CIDR that is not one",
        { config: { "network.cidr": "10.80.0.0" } },
        ['network.cidr = "10.80.0.0": is not an IPv4 CIDR (a.b.c.d/n)'],
    ],
    [
        "a VPC too small to split",
        { config: { "network.cidr": "10.80.0.0/24" } },
        [
            'network.cidr = "10.80.0.0/24": must have a prefix from /16 to /22 (room for a private and a public ' +
                "subnet per AZ)",
        ],
    ],
    [
        "an unknown NAT layout",
        { config: { "network.natGateways": "none" } },
        ['network.natGateways = "none": must be `single` or `perAz`'],
    ],
    [
        "an admin CIDR open to the world",
        { config: { "access.adminCidrs": ["0.0.0.0/0"] } },
        [
            'access.adminCidrs[0] = "0.0.0.0/0": opens the admin ports to the whole internet; use your ' +
                "office/VPN ranges or set access.allowPublicAdmin true",
        ],
    ],
    [
        "an IPv6 admin CIDR open to the world",
        { config: { "access.adminCidrs": ["10.0.0.0/8", "::/0"] } },
        [
            'access.adminCidrs[1] = "::/0": opens the admin ports to the whole internet; use your office/VPN ' +
                "ranges or set access.allowPublicAdmin true",
        ],
    ],
    [
        "an admin CIDR that is not one",
        { config: { "access.adminCidrs": ["office"] } },
        ['access.adminCidrs[0] = "office": is not an IPv4 or IPv6 CIDR'],
    ],
    [
        "admin CIDRs set as one value, not a list",
        { commands: [["set", "--path", "access.adminCidrs", "10.0.0.0/8"]] },
        [
            'access.adminCidrs = "10.0.0.0/8": must be a list (set items with `pulumi config set --path ' +
                "'<key>[0]' <value>`)",
        ],
    ],
    [
        "a boolean that is a word",
        { config: { "access.allowPublicAdmin": "yes" } },
        ['access.allowPublicAdmin = "yes": must be true or false'],
    ],
    [
        "an unpinned image",
        { config: { "dataPlane.gatewayImage": "api7/api7-ee-3-gateway" } },
        ['dataPlane.gatewayImage = "api7/api7-ee-3-gateway": has no tag: pin a version (e.g. :3.2.16.3) or a digest'],
    ],
    [
        "a latest image",
        { config: { "controlPlane.dashboardImage": "api7/api7-ee-3-integrated:latest" } },
        [
            'controlPlane.dashboardImage = "api7/api7-ee-3-integrated:latest": uses `latest`: pin a version so ' +
                "every host and every preview runs the same image",
        ],
    ],
    [
        "an image reference that is not one",
        { config: { "prometheus.image": "Prom/Prometheus" } },
        [
            'prometheus.image = "Prom/Prometheus": is not a valid image reference ([registry/]repository[:tag][@sha256:digest])',
        ],
    ],
    [
        "a SQL Server DSN (API7 supports SQL Server from 3.8.21)",
        {
            config: EXTERNAL_DATABASE.config,
            secrets: { databaseDsn: "sqlserver://sa:p@db:1433?database=api7ee" },
        },
        [
            "databaseDsn = [secret]: is a SQL Server DSN: API7 supports SQL Server 2022 from 3.8.21, and this " +
                "program runs 3.2.16; use postgres://<user>:<password>@<host>:5432/api7ee, or for MySQL 5.7 and " +
                "OceanBase mysql://<user>:<password>@tcp(<host>:3306)/api7ee (OceanBase's port is 2881)",
        ],
    ],
    [
        "a MySQL DSN in URL form rather than the Go driver's tcp(host:port) form API7 reads",
        { config: EXTERNAL_DATABASE.config, secrets: { databaseDsn: "mysql://u:p@db:3306/api7ee" } },
        [
            "databaseDsn = [secret]: is not a MySQL DSN API7 reads; expected postgres://<user>:<password>@<host>:" +
                "5432/api7ee, or for MySQL 5.7 and OceanBase mysql://<user>:<password>@tcp(<host>:3306)/api7ee " +
                "(OceanBase's port is 2881)",
        ],
    ],
    [
        "a DSN that is not a URL",
        { config: EXTERNAL_DATABASE.config, secrets: { databaseDsn: "db.internal" } },
        [
            "databaseDsn = [secret]: has no scheme; expected postgres://<user>:<password>@<host>:5432/api7ee, or for " +
                "MySQL 5.7 and OceanBase mysql://<user>:<password>@tcp(<host>:3306)/api7ee (OceanBase's port is 2881)",
        ],
    ],
    [
        "a token with mTLS auth",
        { config: { "dataPlane.controlPlaneAuth": "mtls" }, secrets: { gatewayToken: "t" } },
        [
            "gatewayToken = [secret]: is set but dataPlane.controlPlaneAuth is `mtls`; remove it with `pulumi " +
                "config rm gatewayToken`",
        ],
    ],
    [
        "a client certificate with token auth",
        { secrets: { gatewayClientCert: MTLS_SECRETS.gatewayClientCert } },
        [
            "gatewayClientCert = [secret]: is set but dataPlane.controlPlaneAuth is `token`; remove it or set " +
                "dataPlane.controlPlaneAuth mtls",
        ],
    ],
    [
        "mTLS without the key",
        { config: { "dataPlane.controlPlaneAuth": "mtls" }, secrets: { ...MTLS_SECRETS, gatewayClientKey: undefined } },
        [
            "gatewayClientKey: is required with the other mTLS secrets (gatewayClientCert, gatewayClientKey and " +
                "gatewayCa go together; or set none and the control plane issues them): `pulumi config set " +
                "--secret gatewayClientKey < <file>.pem`",
        ],
    ],
    [
        "a short admin password",
        { secrets: { adminPassword: "s3cret" } },
        [
            "adminPassword = [secret]: must be at least 12 characters (API7 enforces a password policy it does " +
                "not document; 15 with upper and lower case, a digit and a symbol is safe)",
        ],
    ],
    ["an empty license", { secrets: { license: "" } }, ["license = [secret]: is empty"]],
    [
        "mTLS with a certificate that is not PEM",
        { config: { "dataPlane.controlPlaneAuth": "mtls" }, secrets: { ...MTLS_SECRETS, gatewayClientCert: "abc" } },
        ["gatewayClientCert = [secret]: is not PEM (-----BEGIN ...----- ... -----END ...-----)"],
    ],
    [
        "an unknown auth",
        { config: { "dataPlane.controlPlaneAuth": "password" } },
        ['dataPlane.controlPlaneAuth = "password": must be `token` or `mtls`'],
    ],
    [
        "an existing VPC with one subnet",
        {
            config: {
                ...BYO,
                "network.existingPrivateSubnetIds": [TWO_SUBNETS[0]],
                "network.existingPublicSubnetIds": ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
            },
        },
        [
            'network.existingPrivateSubnetIds = ["subnet-0123456789abcdef0"]: needs at least 2 private subnets ' +
                "in distinct AZs when network.existingVpcId is set",
            "controlPlane.count = 2: is larger than the number of availability zones (1); each control-plane " +
                "host needs its own AZ",
        ],
    ],
    [
        "subnets without a VPC",
        { config: { "network.existingPrivateSubnetIds": TWO_SUBNETS } },
        [
            'network.existingPrivateSubnetIds = ["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]: is set ' +
                "but network.existingVpcId is empty; set both or neither",
        ],
    ],
    [
        "a subnet listed twice",
        {
            config: {
                ...BYO,
                "network.existingPrivateSubnetIds": [TWO_SUBNETS[0], TWO_SUBNETS[0]],
                "dataPlane.loadBalancer.internal": true,
            },
        },
        [
            'network.existingPrivateSubnetIds = ["subnet-0123456789abcdef0","subnet-0123456789abcdef0"]: lists a ' +
                "subnet twice",
        ],
    ],
    [
        "an existing VPC without public subnets for an internet-facing NLB",
        { config: { ...BYO, "network.existingPrivateSubnetIds": TWO_SUBNETS } },
        [
            "network.existingPublicSubnetIds = []: needs at least 2 public subnets in distinct AZs for an " +
                "internet-facing load balancer (or make both load balancers internal)",
        ],
    ],
    [
        "a VPC id that is not one",
        { config: { "network.existingVpcId": "default" } },
        ['network.existingVpcId = "default": must be empty or a VPC id (vpc-...)'],
    ],
    [
        "an extra S3 endpoint bucket that is not an ARN",
        { config: { "network.s3EndpointBucketArns": ["my-bucket"] } },
        ['network.s3EndpointBucketArns[0] = "my-bucket": is not an S3 bucket ARN (arn:aws:s3:::<bucket>)'],
    ],
    [
        "an unknown S3 endpoint access",
        { config: { "network.s3EndpointAccess": "open" } },
        ['network.s3EndpointAccess = "open": must be `restricted` or `unrestricted`'],
    ],
    [
        "extra buckets with an unrestricted endpoint",
        {
            config: {
                "network.s3EndpointAccess": "unrestricted",
                "network.s3EndpointBucketArns": ["arn:aws:s3:::upstream-assets"],
            },
        },
        [
            'network.s3EndpointBucketArns = ["arn:aws:s3:::upstream-assets"]: has no effect with ' +
                "network.s3EndpointAccess `unrestricted` (every bucket is reachable); remove one of the two",
        ],
    ],
    [
        "a bad gateway group id",
        { config: { "dataPlane.gatewayGroupId": "my group" } },
        ['dataPlane.gatewayGroupId = "my group": must be 1-64 letters, digits, _ or -'],
    ],
    [
        "a health-check interval below AWS's minimum",
        { config: { "dataPlane.healthCheck.intervalSeconds": 4 } },
        ["dataPlane.healthCheck.intervalSeconds = 4: must be from 5 to 300 seconds (AWS target-group limits)"],
    ],
    [
        "a health-check interval above AWS's maximum",
        { config: { "dataPlane.healthCheck.intervalSeconds": 301 } },
        ["dataPlane.healthCheck.intervalSeconds = 301: must be from 5 to 300 seconds (AWS target-group limits)"],
    ],
    [
        "a healthy threshold of 1",
        { config: { "dataPlane.healthCheck.healthyThreshold": 1 } },
        ["dataPlane.healthCheck.healthyThreshold = 1: must be from 2 to 10 (AWS target-group limits)"],
    ],
    [
        "an unhealthy threshold of 11",
        { config: { "dataPlane.healthCheck.unhealthyThreshold": 11 } },
        ["dataPlane.healthCheck.unhealthyThreshold = 11: must be from 2 to 10 (AWS target-group limits)"],
    ],
    [
        "a timeout as long as the interval",
        { config: { "dataPlane.healthCheck.intervalSeconds": 10, "dataPlane.healthCheck.timeoutSeconds": 10 } },
        ["dataPlane.healthCheck.timeoutSeconds = 10: must be less than dataPlane.healthCheck.intervalSeconds (10)"],
    ],
    [
        "a negative deregistration delay",
        { config: { "dataPlane.deregistrationDelaySeconds": -1 } },
        ["dataPlane.deregistrationDelaySeconds = -1: must be from 0 to 3600 seconds"],
    ],
    [
        "a deregistration delay over an hour",
        { config: { "dataPlane.deregistrationDelaySeconds": 3601 } },
        ["dataPlane.deregistrationDelaySeconds = 3601: must be from 0 to 3600 seconds"],
    ],
    [
        "a TLS listener without a certificate",
        { config: { "dataPlane.loadBalancer.httpsMode": "terminate" } },
        [
            'dataPlane.loadBalancer.certificateArn = "": is required when dataPlane.loadBalancer.httpsMode is ' +
                "`terminate` (a TLS listener needs a certificate)",
        ],
    ],
    [
        "a certificate that is not an ACM ARN",
        { config: { "controlPlane.loadBalancer.certificateArn": "my-cert" } },
        [
            'controlPlane.loadBalancer.certificateArn = "my-cert": must be empty or an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
        ],
    ],
    [
        "two listeners on one port",
        { config: { "dataPlane.loadBalancer.httpPort": 443 } },
        [
            "dataPlane.loadBalancer.httpsPort = 443: must differ from dataPlane.loadBalancer.httpPort (one " +
                "listener per port)",
        ],
    ],
    [
        "a listener port out of range",
        { config: { "dataPlane.loadBalancer.httpPort": 70000 } },
        ["dataPlane.loadBalancer.httpPort = 70000: must be a port from 1 to 65535"],
    ],
    [
        "an unknown HTTPS mode",
        { config: { "dataPlane.loadBalancer.httpsMode": "offload" } },
        ['dataPlane.loadBalancer.httpsMode = "offload": must be `passthrough` or `terminate`'],
    ],
    [
        "Prometheus on a gateway host",
        { config: { "prometheus.placement": "dataPlane" } },
        [
            'prometheus.placement = "dataPlane": must be `dedicated` or `controlPlane` (never a gateway host: ' +
                "its control API holds 127.0.0.1:9090)",
        ],
    ],
    [
        "standalone without fallback buckets",
        { config: { "dataPlane.mode": "standalone", "fallback.enabled": false } },
        [
            'dataPlane.mode = "standalone": is `standalone` but fallback.enabled is false: standalone gateways ' +
                "serve from the fallback buckets",
        ],
    ],
    [
        "an unknown data-plane mode",
        { config: { "dataPlane.mode": "offline" } },
        ['dataPlane.mode = "offline": must be `normal` or `standalone`'],
    ],
    [
        "an invalid bucket name",
        { config: { "fallback.configBucketName": "My_Bucket" } },
        [
            'fallback.configBucketName = "My_Bucket": must be empty or a valid S3 bucket name: it has characters ' +
                "other than lower-case letters, digits, dots and hyphens; does not begin and end with a " +
                "lower-case letter or digit",
        ],
    ],
    [
        "a bucket name formatted as an IP address",
        { config: { "fallback.resourceBucketName": "10.0.0.1" } },
        [
            'fallback.resourceBucketName = "10.0.0.1": must be empty or a valid S3 bucket name: it is formatted ' +
                "as an IP address",
        ],
    ],
    [
        "the same bucket twice",
        { config: { "fallback.configBucketName": "acme-api7", "fallback.resourceBucketName": "acme-api7" } },
        [
            'fallback.resourceBucketName = "acme-api7": must differ from fallback.configBucketName (API7 exports ' +
                "to two buckets)",
        ],
    ],
    [
        "a KMS key that is not an ARN",
        { config: { "fallback.kmsKeyArn": "alias/api7" } },
        ['fallback.kmsKeyArn = "alias/api7": must be empty or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'],
    ],
    [
        "a zero-day expiry",
        { config: { "fallback.noncurrentVersionExpirationDays": 0 } },
        ["fallback.noncurrentVersionExpirationDays = 0: must be from 1 to 3650 days"],
    ],
    [
        "an unknown credentials mode",
        { config: { "fallback.credentials": "sso" } },
        ['fallback.credentials = "sso": must be `accessKeys` or `instanceRole`'],
    ],
    [
        "forceDestroy that is a word",
        { config: { "fallback.forceDestroy": "yes" } },
        ['fallback.forceDestroy = "yes": must be true or false'],
    ],
    [
        "an export faster than every 10 s",
        { config: { "fallback.cronSpec": "@every 5s" } },
        ['fallback.cronSpec = "@every 5s": exports every 5 s; the shortest allowed interval is 10 s'],
    ],
    [
        "a bad upstream CIDR",
        { config: { "dataPlane.upstreamCidrs": ["10.0.0.0/33"] } },
        ['dataPlane.upstreamCidrs[0] = "10.0.0.0/33": is not an IPv4 or IPv6 CIDR'],
    ],
    [
        "a misspelt setting",
        { config: { "dataPlane.cuont": 3 } },
        [
            `dataPlane.cuont: is not a setting this program reads; check its spelling (dataPlane has: ${DATA_PLANE_SETTINGS})`,
        ],
    ],
    [
        "a misspelt nested setting",
        { config: { "dataPlane.healthCheck.interval": 5 } },
        [
            "dataPlane.healthCheck.interval: is not a setting this program reads; check its spelling " +
                "(dataPlane.healthCheck has: intervalSeconds, timeoutSeconds, healthyThreshold, unhealthyThreshold)",
        ],
    ],
    [
        "an alarm address that is not an email address",
        { config: { "alarms.emails[0]": "oncall-at-example.com" } },
        ['alarms.emails[0] = "oncall-at-example.com": is not an email address'],
    ],
    [
        "an alarm topic that is not an SNS topic ARN",
        { config: { "alarms.topicArn": "arn:aws:sqs:us-east-1:111122223333:pager" } },
        [
            'alarms.topicArn = "arn:aws:sqs:us-east-1:111122223333:pager": must be empty or an SNS topic ARN ' +
                "(arn:aws:sns:<region>:<account>:<name>)",
        ],
    ],
    [
        "an alarm topic in another region than the stack's aws:region",
        { config: { "alarms.topicArn": "arn:aws:sns:eu-west-1:111122223333:pager" } },
        [
            'alarms.topicArn = "arn:aws:sns:eu-west-1:111122223333:pager": is in eu-west-1, not in the stack\'s ' +
                "region us-east-1; an alarm notifies a topic in its own region",
        ],
    ],
    [
        "a database connection threshold past RDS PostgreSQL's ceiling",
        { config: { "alarms.databaseConnections": 6000 } },
        [
            "alarms.databaseConnections = 6000: must be a whole number of connections from 1 to 5000 (RDS " +
                "PostgreSQL's ceiling)",
        ],
    ],
    [
        "a log retention CloudWatch Logs does not offer",
        { config: { "logs.retentionDays": 31 } },
        [
            "logs.retentionDays = 31: must be one of CloudWatch Logs' retention periods: 1, 3, 5, 7, 14, 30, 60, " +
                "90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
        ],
    ],
    [
        "a log key that is not a KMS key ARN",
        { config: { "logs.kmsKeyArn": "alias/aws/logs" } },
        [
            'logs.kmsKeyArn = "alias/aws/logs": must be empty or a KMS key ARN ' +
                "(arn:aws:kms:<region>:<account>:key/<id>)",
        ],
    ],
    [
        "a misspelt area",
        { config: { "dataplane.count": 3 } },
        [
            `dataplane: is not a key this program reads (settings: network, access, loadBalancers, hosts, ` +
                `controlPlane, database, dataPlane, alarms, logs, fallback, images, deploy, lab, prometheus, etcd, v2; secrets: ` +
                `${SECRET_LIST}); check its spelling`,
        ],
    ],
    [
        "a setting set without --path",
        { commands: [["set", "dataPlane.count", "3"]] },
        [
            'dataPlane.count = "3": was set without --path, so the CLI stored a separate key named ' +
                '"dataPlane.count" that this program does not read; run `pulumi config rm dataPlane.count` and ' +
                "`pulumi config set --path dataPlane.count <value>`",
        ],
    ],
    [
        "an area set to a single value",
        { commands: [["set", "network", "big"]] },
        [
            'network = "big": must be a set of settings (set one with `pulumi config set --path <key>.<setting> <value>`)',
        ],
    ],
    [
        "a secret set in plain text",
        { commands: [["set", "--plaintext", "gatewayToken", "abc"]] },
        [
            "gatewayToken: is stored in plain text in the stack file; set it with `pulumi config set --secret " +
                "gatewayToken <value>`",
        ],
    ],
    [
        "an external database without its DSN",
        { config: EXTERNAL_DATABASE.config },
        [
            "databaseDsn: is required with database.kind `external`: pulumi config set --secret databaseDsn " +
                "'postgres://<user>:<password>@<host>:5432/api7ee' (or a MySQL 5.7 or OceanBase DSN: README, The database)",
        ],
    ],
    [
        "a DSN with the managed database",
        { secrets: { databaseDsn: EXTERNAL_DSN } },
        [
            "databaseDsn = [secret]: is set but database.kind is `managed` (the default since the program " +
                "creates the database). To keep using the database this DSN names, set database.kind external; " +
                "only for a new, empty RDS database instead, remove it with `pulumi config rm databaseDsn`",
        ],
    ],
    [
        "an external database's DSN in plain text",
        {
            config: EXTERNAL_DATABASE.config,
            commands: [["set", "--plaintext", "databaseDsn", "postgres://u:p@db:5432/api7ee"]],
        },
        [
            "databaseDsn: is stored in plain text in the stack file; set it with `pulumi config set --secret " +
                "databaseDsn <value>`",
        ],
    ],
    [
        "an unknown database kind",
        { config: { "database.kind": "aurora" } },
        ['database.kind = "aurora": must be `managed` or `external`'],
    ],
    [
        "a PostgreSQL version RDS or API7 does not offer here",
        { config: { "database.engineVersion": "12" } },
        ['database.engineVersion = "12": must be `15` or `16` or `17`'],
    ],
    [
        "an instance class without the db. prefix",
        { config: { "database.instanceClass": "m7g.large" } },
        ['database.instanceClass = "m7g.large": is not an RDS instance class (db.<family>.<size>, e.g. db.t4g.medium)'],
    ],
    [
        "no automated backups",
        { config: { "database.backupRetentionDays": 0 } },
        ["database.backupRetentionDays = 0: must be from 1 to 35 days (RDS automated backups)"],
    ],
    [
        "a storage ceiling under RDS's 10% minimum",
        { config: { "database.allocatedStorageGiB": 100, "database.maxAllocatedStorageGiB": 105 } },
        [
            "database.maxAllocatedStorageGiB = 105: must be 0 (no autoscaling) or at least 10% above " +
                "database.allocatedStorageGiB (110)",
        ],
    ],
    [
        "a managed-database setting with an external database",
        {
            config: {
                ...EXTERNAL_DATABASE.config,
                "database.multiAz": false,
                "database.instanceClass": "db.r7g.large",
            },
            secrets: EXTERNAL_DATABASE.secrets,
        },
        [
            'database.instanceClass = "db.r7g.large": applies to database.kind `managed`; remove it, or set ' +
                "database.kind managed",
            "database.multiAz = false: applies to database.kind `managed`; remove it, or set database.kind managed",
        ],
    ],
    [
        "external database CIDRs with the managed database",
        { config: { "database.externalCidrs": ["192.168.0.0/16"] } },
        [
            'database.externalCidrs = ["192.168.0.0/16"]: applies to database.kind `external`; the managed ' +
                "database is reached through its own security group",
        ],
    ],
    [
        "a secret set without --path as if it were a setting",
        { commands: [["set", "--secret", "controlPlane.databaseDsn", "postgres://u:SECRET-PW@db/x"]] },
        [
            "controlPlane.databaseDsn = [secret]: was set without --path, so the CLI stored a separate key named " +
                '"controlPlane.databaseDsn" that this program does not read; secrets are keys of their own: run ' +
                "`pulumi config rm controlPlane.databaseDsn` and `pulumi config set --secret databaseDsn <value>`",
        ],
    ],
    [
        "a secret set inside an area",
        { commands: [["set", "--path", "--secret", "dataPlane.token", "abc"]] },
        [
            `dataPlane: holds a secret (a value set with --path and --secret), which makes all of dataPlane ` +
                `secret and hides it in every diff; secrets are keys of their own (${SECRET_LIST}): remove it ` +
                `with \`pulumi config rm --path dataPlane.<setting>\``,
        ],
    ],
    // Images (dev pulls from Docker Hub; prod through the ECR cache with the tests' secret ARN).
    [
        "a Docker Hub secret whose name ECR would refuse",
        {
            stack: "prod",
            config: {
                "images.dockerHubSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:dockerhub-AbCdEf",
            },
        },
        [
            "images.dockerHubSecretArn = " +
                '"arn:aws:secretsmanager:us-east-1:123456789012:secret:dockerhub-AbCdEf": must be empty or the ' +
                "ARN of a Secrets Manager secret whose name begins with ecr-pullthroughcache/ (an ECR " +
                "requirement), e.g. arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
        ],
    ],
    [
        "the cache's secret left behind after switching to Docker Hub",
        { stack: "prod", config: { "images.source": "dockerHub" } },
        [
            "images.dockerHubSecretArn = " +
                '"arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/api7-ha-prod-AbCdEf": ' +
                "applies to images.source `ecrPullThroughCache`; remove it, or set images.source ecrPullThroughCache",
        ],
    ],
    [
        "a registry source with no registry",
        { stack: "dev", config: { "images.source": "registry" } },
        [
            'images.registry = "": is required with images.source `registry`: the registry you push the images ' +
                "to, e.g. 111122223333.dkr.ecr.us-east-1.amazonaws.com/api7",
        ],
    ],
    [
        "a registry with a scheme",
        { stack: "dev", config: { "images.source": "registry", "images.registry": "https://registry.example.com" } },
        [
            'images.registry = "https://registry.example.com": must be empty or a registry host with an optional ' +
                "path and no scheme or tag, e.g. 111122223333.dkr.ecr.us-east-1.amazonaws.com/api7",
        ],
    ],
    [
        "a registry user without its password",
        { stack: "dev", config: { "images.username": "ci" } },
        [
            "registryPassword: is required with images.username: pulumi config set --secret registryPassword " +
                "<password or access token>",
        ],
    ],
    [
        "a registry password for ECR, where the role pulls",
        { stack: "prod", config: { "images.username": "ci" }, secrets: { registryPassword: "x" } },
        [
            'images.username = "ci": is not used with images from ECR: hosts pull with their role; remove it',
            "registryPassword = [secret]: is not used with images from ECR: hosts pull with their role; remove " +
                "it with `pulumi config rm registryPassword`",
        ],
    ],
    [
        "ECR endpoints while pulling from Docker Hub",
        { stack: "dev", config: { "images.ecrEndpoints": true } },
        [
            "images.ecrEndpoints = true: applies to images from ECR (images.source `ecrPullThroughCache`, or " +
                "`registry` in ECR)",
        ],
    ],
    [
        "a cached image from another registry",
        { stack: "prod", config: { "dataPlane.gatewayImage": "quay.io/acme/gw:1.0" } },
        [
            'dataPlane.gatewayImage = "quay.io/acme/gw:1.0": names a registry other than Docker Hub ' +
                "(quay.io/acme/gw:1.0); images.source `ecrPullThroughCache` caches Docker Hub only",
        ],
    ],
    [
        "a cache prefix ECR would refuse",
        { stack: "prod", config: { "images.cachePrefix": "API7_Cache" } },
        [
            'images.cachePrefix = "API7_Cache": must be empty or an ECR repository prefix (lower-case letters, ' +
                "digits, . _ - and /)",
        ],
    ],
    // Scaling.
    [
        "a scaling ceiling under the count",
        { stack: "prod", config: { "dataPlane.autoscaling.enabled": true, "dataPlane.autoscaling.maxCount": 2 } },
        ["dataPlane.autoscaling.maxCount = 2: must be at least dataPlane.count (3)"],
    ],
    [
        "scaling bounds with scaling off",
        { config: { "dataPlane.autoscaling.maxCount": 8 } },
        [
            "dataPlane.autoscaling.enabled = false: is false, but other dataPlane.autoscaling settings are set; " +
                "set it true or remove them",
        ],
    ],
    [
        "a grace period over two hours",
        { config: { "hosts.healthCheckGraceSeconds": 9000 } },
        ["hosts.healthCheckGraceSeconds = 9000: must be from 0 to 7200 seconds"],
    ],
];

/** Bad configurations where one rule must not hide or invent another. */
export const INTERPLAY_CASES: [string, Change, string[]][] = [
    [
        "a bad item before a public CIDR: only the bad item (the list's rule waits for a valid list)",
        { config: { "access.adminCidrs": ["bad", "0.0.0.0/0"] } },
        ['access.adminCidrs[0] = "bad": is not an IPv4 or IPv6 CIDR'],
    ],
    [
        "an interval out of range: no rule judges the timeout against a default",
        { config: { "dataPlane.healthCheck.intervalSeconds": 400, "dataPlane.healthCheck.timeoutSeconds": 60 } },
        ["dataPlane.healthCheck.intervalSeconds = 400: must be from 5 to 300 seconds (AWS target-group limits)"],
    ],
    [
        "too many AZs: no rule compares the control plane with a default AZ count",
        { config: { "network.availabilityZones": 7 } },
        ["network.availabilityZones = 7: must be from 2 to 6: HA needs at least two availability zones"],
    ],
    [
        "a bad subnet id: no rule invents a shorter list",
        {
            config: {
                ...BYO,
                "network.existingPrivateSubnetIds": ["subnet-XYZ", TWO_SUBNETS[1]],
                "network.existingPublicSubnetIds": ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
            },
        },
        ['network.existingPrivateSubnetIds[0] = "subnet-XYZ": is not a subnet id (subnet-...)'],
    ],
    [
        "a rule reading only valid settings still runs next to a failing one",
        { config: { "hosts.rootVolumeGiB": "lots", "dataPlane.loadBalancer.httpsMode": "terminate" } },
        [
            `hosts.rootVolumeGiB = "lots": ${NUMBER}`,
            'dataPlane.loadBalancer.certificateArn = "": is required when dataPlane.loadBalancer.httpsMode ' +
                "is `terminate` (a TLS listener needs a certificate)",
        ],
    ],
];

/** Edge configurations the program accepts. */
export const GOOD_CASES: [string, Change][] = [
    ["three AZs and three control-plane hosts", { config: { "controlPlane.count": 3 } }],
    ["an odd number of gateways", { config: { "dataPlane.count": 5 } }],
    [
        "an image pinned by digest",
        { config: { "dataPlane.gatewayImage": `api7/api7-ee-3-gateway@sha256:${"a".repeat(64)}` } },
    ],
    [
        "a private registry with a port",
        {
            config: {
                "images.source": "dockerHub",
                "images.dockerHubSecretArn": undefined,
                "dataPlane.gatewayImage": "registry.example.com:5000/api7/gw:1.0",
            },
        },
    ],
    [
        "TLS terminated at the NLB with a certificate",
        {
            config: {
                "dataPlane.loadBalancer.httpsMode": "terminate",
                "dataPlane.loadBalancer.certificateArn":
                    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-000000000000",
            },
        },
    ],
    [
        "the fastest health check AWS allows",
        {
            config: {
                "dataPlane.healthCheck": {
                    intervalSeconds: 5,
                    timeoutSeconds: 2,
                    healthyThreshold: 2,
                    unhealthyThreshold: 2,
                },
                "dataPlane.deregistrationDelaySeconds": 0,
            },
        },
    ],
    ["mTLS with all three PEMs", { config: { "dataPlane.controlPlaneAuth": "mtls" }, secrets: MTLS_SECRETS }],
    ["IPv6 admin ranges", { config: { "access.adminCidrs": ["2001:db8::/32"] } }],
    [
        "admin 0.0.0.0/0 when allowed in writing",
        { config: { "access.adminCidrs": ["0.0.0.0/0"], "access.allowPublicAdmin": true } },
    ],
    ["an unrestricted S3 endpoint", { config: { "network.s3EndpointAccess": "unrestricted" } }],
    ["a cron export every 5 minutes", { config: { "fallback.cronSpec": "*/5 * * * *" } }],
    [
        "a DSN on another port",
        { config: EXTERNAL_DATABASE.config, secrets: { databaseDsn: "postgres://u:p@db:6432/api7ee" } },
    ],
    ["a managed database without storage autoscaling", { config: { "database.maxAllocatedStorageGiB": 0 } }],
    [
        "an external database in given CIDRs",
        {
            config: { ...EXTERNAL_DATABASE.config, "database.externalCidrs": ["192.168.0.0/16"] },
            secrets: EXTERNAL_DATABASE.secrets,
        },
    ],
];

/** What the Pulumi CLI itself refuses (tests/config.test.ts "what the Pulumi CLI itself stops"). */
export const CLI_CASES: Record<"missingSecrets" | "settingUnderScalar" | "negativeWithoutDashes", Change> = {
    missingSecrets: { secrets: { license: undefined, adminPassword: undefined } },
    settingUnderScalar: { commands: [["set", "--path", "dataPlane.count.max", "3"]] },
    negativeWithoutDashes: { commands: [["set", "--path", "dataPlane.deregistrationDelaySeconds", "-1"]] },
};
