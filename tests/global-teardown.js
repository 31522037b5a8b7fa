// After the run: the evaluations tests/global-setup.js made room for are removed.
const fs = require("fs");

module.exports = async () => {
    if (process.env.API7_EVALUATION_DIR) fs.rmSync(process.env.API7_EVALUATION_DIR, { recursive: true, force: true });
};
