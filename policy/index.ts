/**
 * The api7-ha secure-defaults policy pack. Run it against any stack:
 *   (cd policy && npm install) && pulumi preview --policy-pack policy [--policy-pack-config policy/config.dev.json]
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./rules";

new PolicyPack("api7-ha-secure-defaults", {
    description: "Secure defaults for API7 HA on AWS, mirroring Security Hub FSBP and Checkov rules.",
    enforcementLevel: "mandatory",
    policies: [...POLICIES],
});
