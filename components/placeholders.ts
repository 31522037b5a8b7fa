/**
 * Values the program writes into rendered configs and SSM parameters that the hosts' scripts replace or wait on.
 * Kept free of SDK imports: the host scripts' tests read them without loading Pulumi.
 */

/** What an issued secret holds until the control plane's bootstrap writes it (api7-run waits while it does). */
export const PENDING_SECRET = "pending: issued by the control plane at its first start";

/** Substituted on the host with the DSN from SSM (api7-run), so the plain config never holds it. */
export const DSN_PLACEHOLDER = "__API7_SECRET_DATABASE_DSN__";

/** Substituted on the host with the gateway's admin key (state file admin.key), so no key is in SSM or the diff. */
export const ADMIN_KEY_PLACEHOLDER = "__API7_HOST_ADMIN_KEY__";
