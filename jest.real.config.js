// `npm run test:real`: the tier that runs real tools (tests/real/), after scripts/real-tools.sh has built them.
// npm test leaves tests/real out (jest.config.js).
/** @type {import('jest').Config} */
module.exports = {
    roots: ["<rootDir>/tests/real"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
    testTimeout: 120000,
    maxWorkers: 2,
    verbose: true,
};
