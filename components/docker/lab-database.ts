/**
 * The lab's database (lab.database): PostgreSQL 15, as API7's 3.2.16.3 installation guide asks, or MySQL 5.7, which
 * API7 3.2.16 also runs on (components/database-dsn.ts cites where). One container on the lab's network only, its
 * data on a Docker volume, its password derived from the admin password (a secret), and the DSN the control plane
 * gets in the form components/database-dsn.ts accepts from a user.
 *
 * `pulumi up` creates the dashboards once the database is healthy, not merely started: "If `true`, then the Docker
 * container is waited for being healthy state after creation" (@pulumi/docker 5.2 container.d.ts `wait`; the provider
 * polls the health status every second, on create only). Both images run a temporary server without
 * TCP while they initialise a new volume, so each healthcheck asks over TCP (127.0.0.1): the temporary server must not
 * count as ready.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseEngine } from "../database-dsn";
import { PORTS } from "../ports";

export interface LabDatabaseArgs {
    readonly engine: DatabaseEngine;
    readonly postgresImage: string;
    readonly mysqlImage: string;
    readonly password: pulumi.Output<string>;
    readonly image: (kind: string, ref: pulumi.Input<string>) => pulumi.Input<string>;
    readonly attach: (alias: string) => docker.types.input.ContainerNetworksAdvanced[];
    readonly cname: (n: string) => string;
}

export interface LabDatabase {
    readonly container: docker.Container;
    /** The container's name (`docker ps`). */
    readonly name: string;
    /** What the dashboards and DP Managers get as `database.dsn`: a secret. */
    readonly dsn: pulumi.Output<string>;
}

/** The database, the user and the schema API7 uses: `api7`, as API7's configs are given it in the DSN. */
const DB = "api7";

/**
 * The provider waits for "healthy" until waitTimeout and fails the create only then: an "unhealthy" status on the
 * way does not stop it (kreuzwerker/terraform-provider-docker internal/provider/resource_docker_container_funcs.go
 * v4.5.0 5074970c, waitForHealthyState). MySQL 5.7 initialises a new volume more slowly, and its image is amd64 only (so
 * emulated on an arm64 machine): it gets longer.
 */
const WAIT_SECONDS: Record<DatabaseEngine, number> = { postgresql: 120, mysql: 300 };

/** Resource names `<lab>-postgres` (unchanged since the lab had only PostgreSQL) and `<lab>-mysql`. */
export function labDatabase(labName: string, a: LabDatabaseArgs, opts: pulumi.CustomResourceOptions): LabDatabase {
    const alias = a.engine === "mysql" ? "mysql" : "postgres";
    const volume = new docker.Volume(`${labName}-${alias}-data`, { name: a.cname(`${alias}-data`) }, opts);
    const name = a.cname(alias);
    if (a.engine === "mysql") {
        // docker-library/mysql 5.7 (removed as end of life at 3e959c22, 2023-12-18; its last build, 5.7.44, at
        // 9678ed1d: 5.7/docker-entrypoint.sh, 5.7/Dockerfile.oracle, versions.json): MYSQL_DATABASE is created and
        // MYSQL_USER gets `GRANT ALL` on it; MYSQL_RANDOM_ROOT_PASSWORD leaves no known root password; the
        // initialising server runs with --skip-networking; arguments starting with `-` go to mysqld. amd64 only.
        // utf8mb4 on the server: MySQL 5.7's default character set is latin1, and API7 does not say which one it
        // needs, so the one that holds every name a user may type.
        const container = new docker.Container(
            `${labName}-mysql`,
            {
                name,
                image: a.image("mysql", a.mysqlImage),
                envs: pulumi.secret(
                    a.password.apply((p) => [
                        `MYSQL_PASSWORD=${p}`,
                        `MYSQL_USER=${DB}`,
                        `MYSQL_DATABASE=${DB}`,
                        "MYSQL_RANDOM_ROOT_PASSWORD=yes",
                    ]),
                ),
                command: ["--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"],
                volumes: [{ volumeName: volume.name, containerPath: "/var/lib/mysql" }],
                networksAdvanced: a.attach(alias),
                // mysqladmin is in the image (its entrypoint stops the initialising server with it). `ping` exits 1
                // when the server does not answer, and 0 when it does, even refusing the login (MySQL 5.7 Reference
                // Manual, 4.5.2 mysqladmin, https://dev.mysql.com/doc/refman/5.7/en/mysqladmin.html); it logs in as
                // API7's user anyway, the password from the container's own environment (MYSQL_PWD, read by 5.7's
                // clients), so the healthcheck's text holds no secret.
                healthcheck: {
                    tests: [
                        "CMD-SHELL",
                        `MYSQL_PWD="$MYSQL_PASSWORD" mysqladmin ping --silent -h 127.0.0.1 -P ${PORTS.mysql} -u ${DB}`,
                    ],
                    interval: "5s",
                    timeout: "3s",
                    retries: 10,
                    startPeriod: "30s",
                },
                wait: true,
                waitTimeout: WAIT_SECONDS.mysql,
                restart: "unless-stopped",
            },
            opts,
        );
        const dsn = pulumi.secret(pulumi.interpolate`mysql://${DB}:${a.password}@tcp(${alias}:${PORTS.mysql})/${DB}`);
        return { container, name, dsn };
    }
    const container = new docker.Container(
        `${labName}-postgres`,
        {
            name,
            image: a.image("postgres", a.postgresImage),
            envs: pulumi.secret(
                a.password.apply((p) => [`POSTGRES_PASSWORD=${p}`, `POSTGRES_USER=${DB}`, `POSTGRES_DB=${DB}`]),
            ),
            volumes: [{ volumeName: volume.name, containerPath: "/var/lib/postgresql/data" }],
            networksAdvanced: a.attach(alias),
            // pg_isready ships in the image (docker-library/postgres); the healthcheck form is Docker's CMD array. The
            // entrypoint's temporary server listens on the Unix socket only (docker-library/postgres
            // 15/trixie/docker-entrypoint.sh @6edb0a8c, docker_temp_server_start: `-c listen_addresses=''`).
            healthcheck: {
                tests: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", DB, "-d", DB],
                interval: "5s",
                timeout: "3s",
                retries: 10,
                startPeriod: "10s",
            },
            wait: true,
            waitTimeout: WAIT_SECONDS.postgresql,
            restart: "unless-stopped",
        },
        opts,
    );
    const dsn = pulumi.secret(pulumi.interpolate`postgres://${DB}:${a.password}@${alias}:${PORTS.postgres}/${DB}`);
    return { container, name, dsn };
}
