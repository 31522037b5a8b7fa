/**
 * api7-ha: API7 Enterprise in a high-availability topology, one `pulumi up` per environment. Reads the stack's
 * settings and builds the topology on the target deploy.target names: AWS (components/aws/stack.ts), or the Docker
 * lab (components/docker/stack.ts). Both run the same service definitions (components/services.ts). The
 * stack's outputs are what the target returns, as components/outputs.ts defines them.
 */
import { awsStack } from "./components/aws/stack";
import { awsStackV2 } from "./components/aws/stack-v2";
import { loadSettings } from "./components/config/runtime";
import { labStack, labStackV2 } from "./components/docker/stack";
import type { AwsV2StackOutputs, DockerV2StackOutputs, Exported, StackOutputs } from "./components/outputs";

const settings = loadSettings();

// API7 2.x (deploy.generation 2.x): its own stacks on both targets (docs/api7-2x.md).
export = settings.generation === "2.x"
    ? settings.target === "docker"
        ? (labStackV2(settings) satisfies Exported<DockerV2StackOutputs>)
        : (awsStackV2(settings) satisfies Exported<AwsV2StackOutputs>)
    : ((settings.target === "docker" ? labStack(settings) : awsStack(settings)) satisfies Exported<StackOutputs>);
