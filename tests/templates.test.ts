import * as yaml from "js-yaml";
import { fill, renderYamlTemplate } from "../components/templates";

describe("template renderer", () => {
    test("a placeholder is replaced by a typed value: numbers stay numbers, lists stay lists", () => {
        expect(fill({ port: "{{ port }}", hosts: "{{ hosts }}" }, { port: 7080, hosts: ["a", "b"] })).toEqual({ port: 7080, hosts: ["a", "b"] });
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
        expect(() => fill({ server: { port: "{{ port }}" } }, {}, "dashboard-config.yaml")).toThrow("dashboard-config.yaml.server.port: no value for {{ port }}");
    });
    test("text mixed with a placeholder is refused (no string building)", () => {
        expect(() => fill({ url: "http://{{ host }}:7900" }, { host: "h" })).toThrow(/mixes text and a placeholder/);
    });
    test("rendering keeps the template's key order", () => {
        const text = renderYamlTemplate("dashboard-config.yaml", { http: { disable: false, port: 7080 }, https: { disable: true, port: 7443 }, databaseDsn: "x" });
        expect(text.indexOf("server:")).toBeLessThan(text.indexOf("database:"));
        expect(text.indexOf("listen:")).toBeLessThan(text.indexOf("tls:"));
        expect(yaml.load(text)).toEqual({
            server: { listen: { disable: false, host: "0.0.0.0", port: 7080 }, tls: { disable: true, host: "0.0.0.0", port: 7443 } },
            database: { dsn: "x" },
        });
    });
});
