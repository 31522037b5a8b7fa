import * as path from "path";
import * as yaml from "js-yaml";
import { HOST_SCRIPTS, renderUserData, type UserDataArgs } from "../components/aws/cloud-init";
import { fill, readTemplateFile, renderYamlTemplate } from "../components/templates";

describe("template renderer", () => {
    test("a placeholder is replaced by a typed value: numbers stay numbers, lists stay lists", () => {
        expect(fill({ port: "{{ port }}", hosts: "{{ hosts }}" }, { port: 7080, hosts: ["a", "b"] })).toEqual({
            port: 7080,
            hosts: ["a", "b"],
        });
    });
    test("dotted paths reach into the data", () => {
        expect(fill({ run: "{{ scripts.run }}" }, { scripts: { run: "#!/bin/bash" } })).toEqual({ run: "#!/bin/bash" });
    });
    test("an optional placeholder drops its key when the value is undefined, and keeps it otherwise", () => {
        expect(fill({ a: 1, b: "{{ b? }}" }, {})).toEqual({ a: 1 });
        expect(fill({ a: 1, b: "{{ b? }}" }, { b: { x: 1 } })).toEqual({ a: 1, b: { x: 1 } });
    });
    test("a spread splices a list into a list", () => {
        expect(fill(["first", "{{ ...rest }}"], { rest: ["second", "third"] })).toEqual(["first", "second", "third"]);
    });
    test("a missing required value is an error naming the template path", () => {
        expect(() => fill({ server: { port: "{{ port }}" } }, {}, "dashboard-config.yaml")).toThrow(
            "dashboard-config.yaml.server.port: no value for {{ port }}",
        );
    });
    test("text mixed with a placeholder is refused (no string building)", () => {
        expect(() => fill({ url: "http://{{ host }}:7900" }, { host: "h" })).toThrow(/mixes text and a placeholder/);
    });
    test("rendering keeps the template's key order", () => {
        const text = renderYamlTemplate("dashboard-config.yaml", {
            http: { disable: false, port: 7080 },
            https: { disable: true, port: 7443 },
            databaseDsn: "x",
        });
        expect(text.indexOf("server:")).toBeLessThan(text.indexOf("database:"));
        expect(text.indexOf("listen:")).toBeLessThan(text.indexOf("tls:"));
        expect(yaml.load(text)).toEqual({
            server: {
                listen: { disable: false, host: "0.0.0.0", port: 7080 },
                tls: { disable: true, host: "0.0.0.0", port: 7443 },
            },
            database: { dsn: "x" },
        });
    });
});

describe("host shell files in the user data", () => {
    const files = (args: Partial<UserDataArgs>) =>
        (
            yaml.load(
                renderUserData({
                    region: "us-east-1",
                    parameterPrefix: "/api7-ha/prod/cp",
                    services: ["dashboard"],
                    ...args,
                }),
            ) as { write_files: { path: string; content: string; permissions: string }[] }
        ).write_files;
    test("each lands as committed less its full-line comments and indentation, the scripts executable and the library they source not", () => {
        const written = new Map(files({ bootstrap: true }).map((f) => [path.basename(f.path), f]));
        // What may be left of a comment: the first line (shebang or shellcheck's shell directive) and shellcheck's
        // directives, which it needs to follow the library.
        const isComment = (line: string) => /^\s*#/.test(line);
        const kept = (line: string) => /^\s*# shellcheck /.test(line);
        expect(
            Object.values(HOST_SCRIPTS).map((file) => {
                const f = written.get(file === "api7-lib.sh" ? file : file.replace(/\.sh$/, ""));
                const committed = readTemplateFile(file).split("\n");
                const landed = String(f?.content).split("\n");
                return [
                    file,
                    landed[0] === committed[0],
                    JSON.stringify(landed.slice(1)) ===
                        JSON.stringify(
                            committed
                                .slice(1)
                                .filter((l) => !isComment(l) || kept(l))
                                .map((l) => l.trimStart()),
                        ),
                    committed.filter(isComment).length > landed.filter(isComment).length,
                    f?.permissions,
                ];
            }),
        ).toEqual([
            ["api7-lib.sh", true, true, true, "0644"],
            ["api7-run.sh", true, true, true, "0755"],
            ["api7-apply.sh", true, true, true, "0755"],
            ["api7-bootstrap.sh", true, true, true, "0755"],
            ["api7-lifecycle.sh", true, true, true, "0755"],
        ]);
    });
    test("each systemd unit lands as committed less its full-line comments", () => {
        const units = files({ bootstrap: true, databaseRotation: true, watchedServices: ["gateway"] }).filter((f) =>
            f.path.startsWith("/etc/systemd/system/"),
        );
        expect(units.length).toBe(7);
        for (const unit of units) {
            const file = path.basename(unit.path);
            const committed = readTemplateFile(file).split("\n");
            expect(String(unit.content).split("\n")).toEqual(committed.filter((l) => !/^\s*[#;]/.test(l)));
            expect(committed.some((l) => l.startsWith("#"))).toBe(true);
        }
    });
    test("the library is written once, on hosts with and without the bootstrap", () => {
        for (const bootstrap of [true, false])
            expect(
                files({ bootstrap })
                    .filter((f) => f.path.endsWith("/api7-lib.sh"))
                    .map((f) => f.path),
            ).toEqual(["/usr/local/lib/api7/api7-lib.sh"]);
    });
});
