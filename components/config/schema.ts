/**
 * The schema: every setting this program reads, declared once. Type, default, range or enum and description live
 * in its areas (components/config/areas/, built from components/config/setting-types.ts) and here for the secrets;
 * validation (components/config/load.ts), README's reference and the stack-file JSON Schema
 * (components/config/reference.ts) are derived from it. Cross-field rules are in components/config/rules.ts.
 *
 * Shape, and why (the Pulumi CLI's config rules this relies on are ported, with their sources, in tools/pulumi-cli/):
 * - Settings are grouped into one structured key per area (`api7-ha:dataPlane`, ...), set with
 *   `pulumi config set --path dataPlane.count 3` and read as JSON. The CLI treats a declared key's name as a
 *   property path (pulumi/pulumi sdk/go/common/resource/config/map.go `Map.Get(k, path)`), so a key name with a
 *   dot is never used.
 * - Secrets are flat top-level keys (`pulumi config set --secret databaseDsn ...`): a secure leaf inside an object
 *   would make the whole object secret and hide every setting of that area in `pulumi preview --diff`.
 * - Defaults are applied here, not by the CLI: Pulumi.yaml declares only the always-required secret.
 */
import { parseDsn } from "../database-dsn";
import { z } from "zod";
import { checked } from "./setting-types";
import { INFRA_AREAS } from "./areas/infra";
import { PLANES_AREAS } from "./areas/planes";
import { EXTRAS_AREAS } from "./areas/extras";
import { GENERATION_AREAS } from "./areas/generation";

export {
    DATABASE_ENGINE_VERSIONS,
    DEFAULT_DATABASE_ENGINE_VERSION,
    MIN_EXPORT_INTERVAL_SECONDS,
    PROJECT,
    bucketNameProblems,
    imageProblem,
} from "./setting-types";

// ---------------------------------------------------------------------------------------------------------------
// Areas (one structured key each), in the order README and the stack-file schema list them

export const AREAS = { ...INFRA_AREAS, ...PLANES_AREAS, ...EXTRAS_AREAS, ...GENERATION_AREAS } as const;

export type AreaName = keyof typeof AREAS;
export const AREA_NAMES = Object.keys(AREAS) as AreaName[];

// ---------------------------------------------------------------------------------------------------------------
// Secrets (flat keys, each set with `pulumi config set --secret <key> <value>`)

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/;
const pem = z.string().regex(PEM, { error: "is not PEM (-----BEGIN ...----- ... -----END ...-----)" });

function dsnProblem(dsn: string): string | undefined {
    const parsed = parseDsn(dsn);
    return "problem" in parsed ? parsed.problem : undefined;
}

export interface SecretDeclaration {
    readonly schema: z.ZodType<string>;
    readonly description: string;
    /**
     * Required in every stack, so declared in Pulumi.yaml (`secret: true`, no default): the CLI itself then stops a
     * deployment without it, or with it in plain text. Optional secrets cannot be declared there (a declared secret
     * with a default fails validation since CLI v3.202.0) and are checked by the program instead.
     */
    readonly required: boolean;
}

export const SECRETS = {
    databaseDsn: {
        schema: checked(dsnProblem),
        required: false,
        description:
            "With database.kind `external` (and only then): DSN of the API7 database, PostgreSQL " +
            "(postgres://user:password@host:5432/api7ee), MySQL 5.7 (mysql://user:password@tcp(host:3306)/api7ee) or " +
            "OceanBase 4.2.2 (mysql://user:password@tcp(host:2881)/api7ee). Stored as an SSM SecureString; never in " +
            "user data. A managed " +
            "database needs none: its hosts build the DSN from the RDS-managed secret.",
    },
    license: {
        schema: z.string().min(1, { error: "is empty" }),
        required: true,
        description:
            "Your API7 Enterprise license (the text API7 sent you): the control plane uploads it to the dashboard at " +
            "first start. Set it with `pulumi config set --secret license < license.txt`.",
    },
    adminPassword: {
        schema: z
            .string()
            .min(12, {
                error:
                    "must be at least 12 characters (API7 enforces a password policy it does not document; 15 " +
                    "with upper and lower case, a digit and a symbol is safe)",
            })
            .refine((p) => p !== "admin", { error: "must not be the initial password" }),
        required: true,
        description:
            "The dashboard's admin password: the control plane changes the initial admin/admin to it at first start. " +
            "At least 12 characters.",
    },
    gatewayToken: {
        schema: z.string(),
        required: false,
        description:
            "A gateway group token you already have (dataPlane.controlPlaneAuth `token`). Unset: the control plane " +
            "issues one at first start and stores it for the gateways.",
    },
    gatewayClientCert: {
        schema: pem,
        required: false,
        description:
            "A PEM client certificate you already have for mTLS to the DP Manager (with gatewayClientKey and " +
            "gatewayCa). Unset: the control plane issues them at first start.",
    },
    gatewayClientKey: { schema: pem, required: false, description: "PEM private key of gatewayClientCert." },
    gatewayCa: { schema: pem, required: false, description: "PEM CA that signed the DP Manager's mTLS certificate." },
    registryPassword: {
        schema: z.string().min(1, { error: "is empty" }),
        required: false,
        description:
            "With images.username: the password or access token hosts log in to the image registry with (Docker Hub, " +
            "or a registry outside ECR). Stored as an SSM SecureString; the hosts keep the login in tmpfs only.",
    },
} as const satisfies Record<string, SecretDeclaration>;

export type SecretName = keyof typeof SECRETS;
export const SECRET_NAMES = Object.keys(SECRETS) as SecretName[];

// ---------------------------------------------------------------------------------------------------------------
// The whole configuration

/** Every area (defaults filled in) plus the secrets that are set. */
export const configSchema = z.strictObject({
    ...AREAS,
    ...(Object.fromEntries(SECRET_NAMES.map((name) => [name, SECRETS[name].schema.optional()])) as {
        [K in SecretName]: z.ZodOptional<(typeof SECRETS)[K]["schema"]>;
    }),
});

export type ConfigValues = z.output<typeof configSchema>;
