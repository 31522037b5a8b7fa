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

// The 2.x topology's settings are read and checked (components/config/areas/generation.ts), its etcd cluster planned
// (components/etcd.ts); neither target builds it yet, so a 2.x stack stops here rather than get 3.x's hosts.
if (settings.generation === "2.x")
    throw new Error(
        "deploy.generation is `2.x`: this version checks the 2.x settings but does not build the 2.x topology yet; " +
            "run `pulumi config rm --path deploy.generation` for 3.x",
    );

export = (settings.target === "docker" ? labStack(settings) : awsStack(settings)) satisfies Exported<StackOutputs>;
