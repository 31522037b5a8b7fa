/**
 * Where hosts pull images from (images.source), and what that takes in the account: an ECR pull-through cache of
 * Docker Hub, a registry the user pushes to, or Docker Hub itself. The image references in every run spec are
 * rewritten here (imageReference), and the hosts' pull permissions and login are derived here (RegistryAccess).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ImagesSettings } from "../config/settings";
import { pinnedReference } from "../digests";
import { whereabouts } from "./whereabouts";
import {
    DOCKER_HUB_UPSTREAM,
    ECR_ENDPOINT_SERVICES,
    ecrRegistry,
    imageReference,
    type ImageSource,
} from "../image-refs";

/**
 * What a host needs to pull: the registry to log in to and how, and the IAM statement that lets its role pull.
 * - ecr: `aws ecr get-login-password | docker login --username AWS --password-stdin <registry>` (ECR user guide,
 *   registry_auth.html; the token lasts 12 hours, so api7-run logs in at every start);
 * - password: `docker login --username <username> --password-stdin <registry>` with the registryPassword secret;
 * - anonymous: no login.
 */
export type RegistryLogin =
    | { readonly kind: "ecr"; readonly registry: string; readonly region: string }
    | { readonly kind: "password"; readonly registry: string; readonly username: string }
    | { readonly kind: "anonymous" };

/** How hosts reach the registry: the login and the pull permissions of their role. */
export interface RegistryAccess {
    readonly login: pulumi.Output<RegistryLogin>;
    /** The ECR repositories hosts pull from (ARN patterns); empty outside ECR. */
    readonly ecrRepositoryArns: readonly pulumi.Input<string>[];
    /** Pulls go through a pull-through cache: the role may also import images and create their repositories. */
    readonly pullThroughCache: boolean;
    /** What hosts must not start before (the cache rule): their first pull needs it. */
    readonly dependencies: readonly pulumi.Resource[];
}

/**
 * The IAM actions a host's role needs to pull from ECR: a token (GetAuthorizationToken, which has no resource),
 * then the image (BatchGetImage, GetDownloadUrlForLayer, BatchCheckLayerAvailability); through a pull-through cache
 * also BatchImportUpstreamImage and CreateRepository (its first pull of an image creates the repository).
 * ECR user guide: security_iam_id-based-policy-examples.html and pull-through-cache-iam.html.
 */
export const ECR_PULL_ACTIONS = [
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
] as const;
export const ECR_CACHE_ACTIONS = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"] as const;

/** The statements of the hosts' image-pull policy; none outside ECR. */
export function registryPullStatements(
    access: Pick<RegistryAccess, "ecrRepositoryArns" | "pullThroughCache">,
): aws.types.input.iam.GetPolicyDocumentStatementArgs[] {
    if (access.ecrRepositoryArns.length === 0) return [];
    return [
        { sid: "EcrLogin", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
        {
            sid: access.pullThroughCache ? "PullThroughCache" : "PullImages",
            actions: [...ECR_PULL_ACTIONS, ...(access.pullThroughCache ? ECR_CACHE_ACTIONS : [])],
            resources: [...access.ecrRepositoryArns],
        },
    ];
}

export interface ImagesArgs {
    readonly project: string;
    readonly stack: string;
    readonly settings: ImagesSettings;
    /** For the interface endpoints (images.ecrEndpoints): the VPC, its private subnets and CIDR. */
    readonly vpcId: pulumi.Input<string>;
    readonly privateSubnetIds: pulumi.Input<string[]>;
    readonly vpcCidr: pulumi.Input<string>;
    readonly tags?: Record<string, string>;
}

/**
 * The registry side of images.source: the pull-through cache rule (ecrPullThroughCache) and the ECR interface
 * endpoints (images.ecrEndpoints), and, for every host group, how to reach the registry (`access`) and what to pull
 * (`reference`).
 */
export class ImageRegistry extends pulumi.ComponentResource {
    public readonly access: RegistryAccess;
    /** The source with account and region known. */
    public readonly source: pulumi.Output<ImageSource>;
    /** images.pinDigests. */
    private readonly pinDigests: boolean;
    /** images.registry with images.source registry: where the digest is read. */
    private readonly pushedTo?: string;

    constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("api7-ha:images:ImageRegistry", name, {}, opts);
        const s = args.settings;
        this.pinDigests = s.pinDigests;
        this.pushedTo = s.source === "registry" ? s.registry : undefined;
        const invokeOpts = { parent: this };
        const { region, account, partition } = whereabouts(this);
        const password = (registry: string): RegistryLogin =>
            s.username ? { kind: "password", registry, username: s.username } : { kind: "anonymous" };

        if (s.source === "ecrPullThroughCache") {
            // Fails the preview, not the deployment, when the secret is missing or elsewhere (ECR requires it in the
            // rule's account and Region). Reads its metadata only, never its value.
            const secret = aws.secretsmanager.getSecretOutput({ arn: s.dockerHubSecretArn }, invokeOpts);
            const rule = new aws.ecr.PullThroughCacheRule(
                `${name}-docker-hub`,
                {
                    ecrRepositoryPrefix: s.cachePrefix,
                    upstreamRegistryUrl: DOCKER_HUB_UPSTREAM,
                    credentialArn: secret.arn,
                },
                { parent: this },
            );
            const registry = pulumi.interpolate`${rule.registryId}.dkr.ecr.${region}.amazonaws.com`;
            this.source = registry.apply((r): ImageSource => ({
                kind: "ecrPullThroughCache",
                registry: r,
                prefix: s.cachePrefix,
            }));
            this.access = {
                login: pulumi
                    .all([registry, region])
                    .apply(([r, reg]): RegistryLogin => ({ kind: "ecr", registry: r, region: reg })),
                ecrRepositoryArns: [
                    pulumi.interpolate`arn:${partition}:ecr:${region}:${account}:repository/${s.cachePrefix}/*`,
                ],
                pullThroughCache: true,
                dependencies: [rule],
            };
        } else if (s.source === "registry") {
            this.source = pulumi.output<ImageSource>({ kind: "registry", registry: s.registry });
            const host = s.registry.split("/")[0];
            const path = s.registry.slice(host.length + 1);
            const ecr = ecrRegistry(host);
            this.access = {
                login: pulumi.output<RegistryLogin>(
                    ecr ? { kind: "ecr", registry: host, region: ecr.region } : password(host),
                ),
                ecrRepositoryArns: ecr
                    ? [
                          pulumi.interpolate`arn:${partition}:ecr:${ecr.region}:${ecr.account}:repository/${path ? `${path}/` : ""}*`,
                      ]
                    : [],
                pullThroughCache: false,
                dependencies: [],
            };
        } else {
            this.source = pulumi.output<ImageSource>({ kind: "dockerHub" });
            this.access = {
                login: pulumi.output(password("docker.io")),
                ecrRepositoryArns: [],
                pullThroughCache: false,
                dependencies: [],
            };
        }

        if (s.ecrEndpoints) {
            // Interface endpoints for the ECR API (login, image manifests) and Docker registry API (pulls), with
            // private DNS so the usual host names resolve to them; layers come from S3 through the gateway endpoint
            // (ECR user guide, vpc-endpoints.html). Reached on 443 from the VPC only.
            const sg = new aws.ec2.SecurityGroup(
                `${name}-ecr-endpoints`,
                {
                    vpcId: args.vpcId,
                    description: "ECR interface endpoints: HTTPS from the VPC",
                    tags: { ...args.tags, Name: `${name}-ecr-endpoints` },
                },
                { parent: this },
            );
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-ecr-endpoints-https`,
                {
                    securityGroupId: sg.id,
                    ipProtocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    cidrIpv4: args.vpcCidr,
                    description: "HTTPS from the VPC to the ECR endpoints",
                },
                { parent: this },
            );
            for (const service of ECR_ENDPOINT_SERVICES) {
                new aws.ec2.VpcEndpoint(
                    `${name}-${service.replace(".", "-")}`,
                    {
                        vpcId: args.vpcId,
                        serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
                        vpcEndpointType: "Interface",
                        privateDnsEnabled: true,
                        subnetIds: args.privateSubnetIds,
                        securityGroupIds: [sg.id],
                        tags: { ...args.tags, Name: `${name}-${service}` },
                    },
                    { parent: this },
                );
            }
        }
        this.registerOutputs({ source: this.source });
    }

    /** The reference hosts pull for a Docker Hub image named in the settings. */
    public reference(image: string): pulumi.Output<string> {
        const pulled = this.source.apply((source) => imageReference(source, image));
        // Pinned: the digest of the Docker Hub image for dockerHub and the pull-through cache (ECR's documentation does
        // not say whether the cache keeps Docker Hub's manifest digest; one it did not keep makes the pull fail rather
        // than run another image); of the pushed copy for images.source registry.
        return this.pinDigests
            ? pinnedReference(
                  pulled,
                  this.pushedTo ? imageReference({ kind: "registry", registry: this.pushedTo }, image) : image,
                  true,
                  this,
              )
            : pulled;
    }
}
