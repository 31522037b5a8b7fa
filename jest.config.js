// swc strips types only; `tsc --noEmit` in `npm test` does the type-checking.
/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "<rootDir>/tests/environment.js",
    // A directory for the run's evaluations, shared by the workers (tests/environment.js).
    globalSetup: "<rootDir>/tests/global-setup.js",
    globalTeardown: "<rootDir>/tests/global-teardown.js",
    testSequencer: "<rootDir>/tests/sequencer.js",
    roots: ["<rootDir>/tests"],
    testMatch: ["**/*.test.ts"],
    // tests/cloud runs against real AWS, on purpose only (`npm run test:cloud`); tests/real needs the tools
    // scripts/real-tools.sh builds (`npm run test:real`, which .ci/run runs after npm test).
    testPathIgnorePatterns: ["/node_modules/", "<rootDir>/tests/cloud/", "<rootDir>/tests/real/"],
    transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
    // Generous: on a 2-core CI machine with both workers and the type check busy, a test that runs host scripts takes
    // three to four times as long as it does alone (measured: 17.7 s for one that takes 5 s alone). A hang still fails.
    testTimeout: 60000,
    // Both cores: the default leaves one idle on a 2-core machine.
    maxWorkers: 2,
    // A worker's process is gone 0.53-0.58 s after jest asks it to end (measured: its 'exit' event fires within 2 ms,
    // with no handle left but its pipes, and its ~700 MB are then released), just past jest's default of 500 ms, after
    // which jest kills it and warns that "a worker process has failed to exit gracefully" (jestjs/jest#15984, 30.4).
    workerGracefulExitTimeout: 5000,
    // Every test by name.
    verbose: true,
};
