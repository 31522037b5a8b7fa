/**
 * The DSN of a database the stack brings (the databaseDsn secret, database.kind external), as API7 3.2.16's dashboard
 * and DP Manager read it from `database.dsn`: the engine follows from the scheme, there is no other setting
 * (API7's own end-to-end tests use `postgres://api7ee:changeme@api7-postgresql:5432/api7ee`,
 * `mysql://root:changeme@tcp(mysql:3306)/api7ee` for MySQL and `mysql://root@tcp(oceanbase:2881)/api7ee` for
 * OceanBase: api7/api7-ingress-controller test/e2e/framework/database.go @f84d602a). After `mysql://` comes the Go
 * MySQL driver's DSN, `[user[:password]@][protocol[(address)]]/dbname[?params]`, whose password "can consist of any
 * character" (go-sql-driver/mysql README.md "DSN (Data Source Name)" and dsn.go ParseDSN, which takes the last `/`
 * and then the last `@` before it, @416cd99d); this program takes it with `tcp(host[:port])`. Whether API7 hands the
 * text after `mysql://` to that parser unchanged is not documented: its tests' form is what is accepted.
 *
 * API7 3.2.16 supports MySQL 5.7 (release notes, 3.2.10.1: "支持 MySQL 5.7") and OceanBase ("API7 企业版也支持使用
 * MySQL 或 OceanBase 代替 PostgreSQL": introduction/api7-ee-architecture.md, 3.2.11.3 to 3.2.16.7), not SQL Server
 * (release notes, 3.8.21: "支持使用 MSSQL Server 2022 作为控制面的数据库"); api7/docs.apiseven.com
 * enterprise_versioned_docs @faf96f0e. Loads nothing but the URL parser and the ports table.
 */
import { PORTS } from "./ports";

export type DatabaseEngine = "postgresql" | "mysql";

export interface ParsedDsn {
    readonly engine: DatabaseEngine;
    readonly host: string;
    readonly port: number;
    readonly database: string;
}

export const DSN_FORMS =
    "postgres://<user>:<password>@<host>:5432/api7ee, or for MySQL 5.7 and OceanBase " +
    "mysql://<user>:<password>@tcp(<host>:3306)/api7ee (OceanBase's port is 2881)";

/** The default ports: PostgreSQL's and MySQL's (OceanBase's 2881 is always written in its DSN). */
const DEFAULT_PORT: Record<DatabaseEngine, number> = { postgresql: PORTS.postgres, mysql: PORTS.mysql };

/**
 * A MySQL-family DSN: the password runs to the last `@` before `tcp(` (the Go driver takes the last `@` too), so it
 * may hold `@`, `:` and `/`.
 */
const MYSQL = /^mysql:\/\/(?:[^:@]*(?::[\s\S]*)?@)?tcp\(([^()/:\s]+)(?::(\d{1,5}))?\)\/([^?/\s]+)(\?\S*)?$/;

/** The DSN's engine, host, port and database, or why it is not one this program can hand API7 3.2.16. */
export function parseDsn(dsn: string): ParsedDsn | { readonly problem: string } {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(dsn)?.[1]?.toLowerCase();
    if (scheme === "sqlserver" || scheme === "mssql") {
        return {
            problem:
                "is a SQL Server DSN: API7 supports SQL Server 2022 from 3.8.21, and this program runs 3.2.16; use " +
                DSN_FORMS,
        };
    }
    if (scheme === "mysql") {
        const m = MYSQL.exec(dsn);
        if (!m) return { problem: `is not a MySQL DSN API7 reads; expected ${DSN_FORMS}` };
        const port = Number(m[2] ?? DEFAULT_PORT.mysql);
        if (port < 1 || port > 65535) return { problem: `has port ${port}; expected 1 to 65535` };
        return { engine: "mysql", host: m[1], port, database: m[3] };
    }
    if (scheme !== "postgres" && scheme !== "postgresql") {
        return { problem: `${scheme ? `uses scheme ${scheme}` : "has no scheme"}; expected ${DSN_FORMS}` };
    }
    let url: URL;
    try {
        url = new URL(dsn);
    } catch {
        return { problem: `is not a URL; expected ${DSN_FORMS}` };
    }
    if (!url.hostname) return { problem: `has no host; expected ${DSN_FORMS}` };
    return {
        engine: "postgresql",
        host: url.hostname,
        port: Number(url.port || DEFAULT_PORT.postgresql),
        database: decodeURIComponent(url.pathname.replace(/^\//, "")),
    };
}
