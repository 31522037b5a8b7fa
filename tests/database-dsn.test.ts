/**
 * A brought database's DSN (components/database-dsn.ts): the forms API7 3.2.16 reads, their engine, host, port and
 * database, written out by hand; and what is refused, with the forms it takes.
 */
import { parseDsn } from "../components/database-dsn";

test.each<[string, string, object]>([
    ["PostgreSQL", "postgres://api7ee:changeme@db.internal:5432/api7ee", { engine: "postgresql", port: 5432 }],
    ["PostgreSQL, no port", "postgresql://u:p@db.internal/api7ee", { engine: "postgresql", port: 5432 }],
    // API7's own end-to-end tests' forms (api7/api7-ingress-controller test/e2e/framework/database.go).
    ["MySQL 5.7", "mysql://root:changeme@tcp(mysql:3306)/api7ee", { engine: "mysql", host: "mysql", port: 3306 }],
    ["OceanBase", "mysql://root@tcp(oceanbase:2881)/api7ee", { engine: "mysql", host: "oceanbase", port: 2881 }],
    ["MySQL, no port", "mysql://u:p@tcp(db.internal)/api7ee?parseTime=true", { port: 3306, database: "api7ee" }],
    // The Go driver takes the last @ before the address: a password may hold @, :, / and ?.
    [
        "MySQL, a password with every character a URL reserves",
        "mysql://api7:p@ss:w/o?r#d%41@tcp(10.0.3.7:3307)/api7ee",
        { engine: "mysql", host: "10.0.3.7", port: 3307, database: "api7ee" },
    ],
])("%s", (_what, dsn, expected) => {
    expect(parseDsn(dsn)).toMatchObject(expected);
});

test.each<[string, RegExp]>([
    ["sqlserver://sa:p@db:1433?database=api7ee", /^is a SQL Server DSN: API7 supports SQL Server 2022 from 3\.8\.21/],
    ["mysql://u:p@db:3306/api7ee", /^is not a MySQL DSN API7 reads; expected /],
    ["mysql://u:p@tcp(db:70000)/api7ee", /^has port 70000; expected 1 to 65535$/],
    ["mysql://u:p@tcp(db:3306)/", /^is not a MySQL DSN API7 reads/],
    ["oracle://u:p@db/x", /^uses scheme oracle; expected postgres:\/\//],
    ["db.internal:5432", /^has no scheme; expected /],
])("%s is refused", (dsn, problem) => {
    const parsed = parseDsn(dsn);
    expect("problem" in parsed ? parsed.problem : "accepted").toMatch(problem);
});
