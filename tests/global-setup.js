// Before any test file: a directory for the run's evaluations, which every jest worker inherits in its environment
// (tests/environment.js shares successful evaluations there). tests/global-teardown.js removes it.
const fs = require("fs");
const os = require("os");
const path = require("path");

module.exports = async () => {
    process.env.API7_EVALUATION_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "api7-ha-evaluations-"));
};
