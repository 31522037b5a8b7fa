/** Rules on physical names, the Docker lab and image sources. */
import { PROJECT } from "../schema";
import { MAX_STACK_NAME_FRAGMENT, nameFragment } from "../names";
import { defaultCachePrefix, parseImage } from "../../image-refs";
import { byoVpc, imagesFromEcr } from "./helpers";
import type { Path, Rule } from "../rules";

export const DEPLOY_RULES: readonly Rule[] = [
    // Physical names derived from the stack (IAM roles: 64 characters).
    {
        id: "stack-name-length",
        check: (_c, stack, problem) => {
            if (nameFragment(stack).length > MAX_STACK_NAME_FRAGMENT) {
                problem(
                    [],
                    `the stack name "${stack}" is longer than ${MAX_STACK_NAME_FRAGMENT} characters, too long ` +
                        `for the IAM names derived from it; use a shorter stack name`,
                );
            }
        },
    },
    // The Docker lab: what it supports of the topology, and the ports it publishes.
    {
        id: "lab-image-source",
        check: (c, _s, problem) => {
            if (c.deploy.target === "docker" && c.images.source === "ecrPullThroughCache") {
                problem(
                    ["images", "source"],
                    "is `ecrPullThroughCache`, an ECR cache in AWS, with deploy.target `docker`: the lab pulls with " +
                        "the local Docker engine; use `dockerHub` (or `registry` with a registry your engine can pull " +
                        "from)",
                );
            }
        },
    },
    {
        id: "lab-no-standalone",
        check: (c, _s, problem) => {
            if (c.deploy.target === "docker" && c.dataPlane.mode === "standalone") {
                problem(
                    ["dataPlane", "mode"],
                    "is `standalone` with deploy.target `docker`: standalone gateways read the control plane's S3 " +
                        "exports, which the lab does not create; use `normal`",
                );
            }
        },
    },
    {
        id: "lab-token-auth",
        check: (c, _s, problem) => {
            if (c.deploy.target === "docker" && c.dataPlane.controlPlaneAuth === "mtls") {
                problem(
                    ["dataPlane", "controlPlaneAuth"],
                    "is `mtls` with deploy.target `docker`: the lab's bootstrap hands gateways a token; use `token`",
                );
            }
        },
    },
    {
        id: "lab-ports-distinct",
        check: (c, _s, problem) => {
            if (c.deploy.target !== "docker") return;
            const ports = [
                ["httpPort", c.lab.httpPort],
                ["httpsPort", c.lab.httpsPort],
                ["dashboardPort", c.lab.dashboardPort],
            ] as const;
            ports.forEach(([key, value], i) => {
                const clash = ports.slice(0, i).find(([, other]) => other === value);
                if (clash)
                    problem(
                        ["lab", key],
                        `is ${value}, the same port as lab.${clash[0]}: each published port needs its own`,
                    );
            });
        },
    },
    // Images: each source with exactly the settings it reads.
    {
        id: "cache-credentials-secret",
        check: (c, _s, problem) => {
            if (c.images.source === "ecrPullThroughCache" && c.images.dockerHubSecretArn === "") {
                problem(
                    ["images", "dockerHubSecretArn"],
                    "is required with images.source `ecrPullThroughCache` (ECR needs Docker Hub credentials for " +
                        "a Docker Hub cache): create a secret named ecr-pullthroughcache/<name> holding " +
                        '{"username": ..., "accessToken": ...}, then pulumi config set --path ' +
                        "images.dockerHubSecretArn <its ARN>",
                );
            }
        },
    },
    {
        id: "cache-settings-need-cache",
        check: (c, _s, problem) => {
            if (c.images.source === "ecrPullThroughCache") return;
            for (const key of ["dockerHubSecretArn", "cachePrefix"] as const) {
                if (c.images[key] !== "")
                    problem(
                        ["images", key],
                        "applies to images.source `ecrPullThroughCache`; remove it, or set images.source " +
                            "ecrPullThroughCache",
                    );
            }
        },
    },
    {
        id: "cache-prefix-length",
        check: (c, stack, problem) => {
            if (c.images.source !== "ecrPullThroughCache" || c.images.cachePrefix !== "") return;
            const derived = defaultCachePrefix(PROJECT, nameFragment(stack));
            if (derived.length > 30)
                problem(
                    ["images", "cachePrefix"],
                    `is needed: the default prefix ${derived} is ${derived.length} characters (ECR allows 30); ` +
                        `set a shorter one`,
                );
        },
    },
    {
        id: "registry-with-registry-source",
        check: (c, _s, problem) => {
            const im = c.images;
            if (im.source === "registry" && im.registry === "")
                problem(
                    ["images", "registry"],
                    "is required with images.source `registry`: the registry you push the images to, e.g. " +
                        "111122223333.dkr.ecr.us-east-1.amazonaws.com/api7",
                );
            if (im.source !== "registry" && im.registry !== "")
                problem(
                    ["images", "registry"],
                    "applies to images.source `registry`; remove it, or set images.source registry",
                );
        },
    },
    {
        id: "ecr-pulls-without-login",
        check: (c, _s, problem) => {
            if (!imagesFromEcr(c)) return;
            if (c.images.username !== "")
                problem(
                    ["images", "username"],
                    "is not used with images from ECR: hosts pull with their role; remove it",
                );
            if (c.registryPassword !== undefined)
                problem(
                    ["registryPassword"],
                    "is not used with images from ECR: hosts pull with their role; remove it with `pulumi config rm " +
                        "registryPassword`",
                );
        },
    },
    {
        id: "registry-login-pair",
        check: (c, _s, problem) => {
            if (imagesFromEcr(c)) return;
            if (c.images.username !== "" && c.registryPassword === undefined)
                problem(
                    ["registryPassword"],
                    "is required with images.username: pulumi config set --secret registryPassword <password or " +
                        "access token>",
                );
            if (c.images.username === "" && c.registryPassword !== undefined)
                problem(
                    ["images", "username"],
                    "is required with the registryPassword secret (the user docker logs in as)",
                );
        },
    },
    {
        id: "ecr-endpoints-for-ecr",
        check: (c, _s, problem) => {
            if (c.images.ecrEndpoints && !imagesFromEcr(c))
                problem(
                    ["images", "ecrEndpoints"],
                    "applies to images from ECR (images.source `ecrPullThroughCache`, or `registry` in ECR)",
                );
        },
    },
    {
        id: "ecr-endpoints-created-vpc-only",
        check: (c, _s, problem) => {
            if (c.images.ecrEndpoints && byoVpc(c)) {
                problem(
                    ["images", "ecrEndpoints"],
                    "applies to the VPC the program creates; with network.existingVpcId the endpoints (if any) are " +
                        "yours",
                );
            }
        },
    },
    {
        id: "cache-images-from-docker-hub",
        check: (c, _s, problem) => {
            if (c.images.source !== "ecrPullThroughCache") return;
            const images: [Path, string][] = [
                [["controlPlane", "dashboardImage"], c.controlPlane.dashboardImage],
                [["controlPlane", "dpManagerImage"], c.controlPlane.dpManagerImage],
                [["dataPlane", "gatewayImage"], c.dataPlane.gatewayImage],
                ...(c.prometheus.enabled ? [[["prometheus", "image"], c.prometheus.image] as [Path, string]] : []),
            ];
            for (const [path, ref] of images) {
                if (parseImage(ref).domain !== undefined)
                    problem(
                        path,
                        `names a registry other than Docker Hub (${ref}); images.source \`ecrPullThroughCache\` ` +
                            `caches Docker Hub only`,
                    );
            }
        },
    },
];
