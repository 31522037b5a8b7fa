// swc strips types only; `tsc --noEmit` in `npm test` does the type-checking.
/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "<rootDir>/tests/environment.js",
    roots: ["<rootDir>/tests"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
    testTimeout: 20000,
    // Both cores: the default leaves one idle on a 2-core machine.
    maxWorkers: 2,
    // Every test by name: a skipped one (the opt-in cloud test) shows its reason in the log.
    verbose: true,
};
