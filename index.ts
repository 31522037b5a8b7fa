/**
 * api7-ha: API7 Enterprise in a high-availability topology, one `pulumi up` per environment. Reads the stack's
 * settings and builds the topology on the target deploy.target names: AWS (components/aws/stack.ts), or the Docker
 * lab (components/docker/stack.ts). Both run the same service definitions (components/services.ts). The
 * stack's outputs are what the target returns, as components/outputs.ts defines them.
 */
import { awsStack } from "./components/aws/stack";
import { awsStackV2 } from "./components/aws/stack-v2";
import { loadSettings } from "./components/config/runtime";
import { labStack } from "./components/docker/stack";
import type { AwsV2StackOutputs, Exported, StackOutputs } from "./components/outputs";

const settings = loadSettings();

// API7 2.x (deploy.generation 2.x): on AWS only; the lab does not build it yet (docs/api7-2x.md).
if (settings.generation === "2.x" && settings.target === "docker")
    throw new Error(
        "deploy.generation is `2.x` with deploy.target `docker`: the lab does not build the 2.x topology yet; " +
            "deploy it with deploy.target aws, or run `pulumi config rm --path deploy.generation` for 3.x",
    );

export = settings.generation === "2.x"
    ? (awsStackV2(settings) satisfies Exported<AwsV2StackOutputs>)
    : ((settings.target === "docker" ? labStack(settings) : awsStack(settings)) satisfies Exported<StackOutputs>);
