/** Names the fallback tests expect for prod: fixed, so bucket policies can name them (components/host.ts). */
export const FALLBACK_CONTROL_PLANE = Object.freeze({ role: "api7-ha-prod-cp-hosts" });
