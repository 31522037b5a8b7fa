/**
 * api7-ha: API7 Enterprise in a high-availability topology on AWS. Reads the stack's settings, builds the
 * components and exports what operators need. Resource logic lives in components/.
 */
import { ControlPlane } from "./components/control-plane";
import { DataPlane } from "./components/data-plane";
import { resolveAmi } from "./components/host";
import { Network } from "./components/network";
import { PORTS } from "./components/ports";
import { SecurityGroups } from "./components/security-groups";
import { loadSettings } from "./components/settings";

const settings = loadSettings();

const network = new Network("api7", { settings: settings.network });

const securityGroups = new SecurityGroups("api7", {
    vpcId: network.vpcId,
    vpcCidr: network.vpcCidr,
    adminCidrs: settings.access.adminCidrs,
    controlPlaneAuth: settings.dataPlane.auth.kind,
    databaseCidrs: settings.controlPlane.databaseCidrs,
    databasePort: settings.controlPlane.databasePort,
    upstreamCidrs: settings.dataPlane.upstreamCidrs,
});

const ami = resolveAmi(settings.hosts.amiId);

const controlPlane = new ControlPlane("api7-cp", {
    settings,
    ami,
    subnets: network.privateSubnets,
    securityGroupIds: [securityGroups.controlPlaneId],
});

const dpManagerScheme = settings.dataPlane.auth.kind === "mtls" ? "https" : "http";
const dpManagerPort = settings.dataPlane.auth.kind === "mtls" ? PORTS.dpManagerMtls : PORTS.dpManager;

const dataPlane = new DataPlane("api7-dp", {
    settings,
    ami,
    subnets: network.privateSubnets,
    securityGroupIds: [securityGroups.dataPlaneId],
    controlPlaneEndpoints: controlPlane.privateIps.apply((ips) => ips.map((ip) => `${dpManagerScheme}://${ip}:${dpManagerPort}`)),
});

export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const publicSubnetIds = network.publicSubnetIds;
export const availabilityZones = network.availabilityZones;
export const securityGroupIds = { controlPlane: securityGroups.controlPlaneId, dataPlane: securityGroups.dataPlaneId };
export const controlPlaneInstanceIds = controlPlane.instanceIds;
export const controlPlanePrivateIps = controlPlane.privateIps;
export const dataPlaneInstanceIds = dataPlane.instanceIds;
export const dataPlanePrivateIps = dataPlane.privateIps;
