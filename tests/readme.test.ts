import * as fs from "fs";
import { configReference, README, withReference } from "../scripts/config-docs";
import { loadDeclarations } from "../components/settings";

const readme = fs.readFileSync(README, "utf8");

test("README's config reference matches Pulumi.yaml (run `npm run docs` to refresh)", () => {
    expect(withReference(readme)).toBe(readme);
});

test("the reference has a row for every declared key", () => {
    const table = configReference();
    for (const key of Object.keys(loadDeclarations())) expect(table).toContain(`| \`api7-ha:${key}\` |`);
});

test("README gives the two commands that set up and check everything", () => {
    expect(readme).toMatch(/```(sh|bash)\nnpm ci\nnpm test\n```/);
});
