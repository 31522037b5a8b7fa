/**
 * api7-ha: API7 Enterprise in a high-availability topology, one `pulumi up` per environment. Reads the stack's
 * settings and builds the topology on the target deploy.target names: AWS (components/aws/stack.ts), or the Docker
 * lab (components/docker/stack.ts). Both run the same service definitions (components/services.ts). The
 * stack's outputs are what the target returns, as components/outputs.ts defines them.
 */
import { awsStack } from "./components/aws/stack";
import { loadSettings } from "./components/config/runtime";
import { labStack } from "./components/docker/stack";
import type { Exported, StackOutputs } from "./components/outputs";

const settings = loadSettings();

export = (settings.target === "docker" ? labStack(settings) : awsStack(settings)) satisfies Exported<StackOutputs>;
