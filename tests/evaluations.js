// The run's successful evaluations, for tests/environment.js (tested in tests/harness.test.ts).
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/**
 * Evaluations by their options (as JSON), this worker's in memory and the run's in files (in `dir`: the directory
 * tests/global-setup.js makes for the run), so one worker's evaluation serves the others: the program and its inputs
 * do not change during a run. A file is written aside and renamed into place, so another worker reads a whole one or
 * none. Without `dir`, memory only.
 */
class Evaluations {
    constructor(dir) {
        this.memory = new Map();
        this.dir = dir;
    }

    file(key) {
        return path.join(this.dir, `${crypto.createHash("sha256").update(key).digest("hex")}.json`);
    }

    get(key) {
        let json = this.memory.get(key);
        if (json === undefined && this.dir) {
            try {
                json = fs.readFileSync(this.file(key), "utf8");
                this.memory.set(key, json);
            } catch {
                // No worker has evaluated these options yet.
            }
        }
        return json;
    }

    set(key, json) {
        this.memory.set(key, json);
        if (!this.dir) return;
        const file = this.file(key);
        fs.writeFileSync(`${file}.${process.pid}`, json);
        fs.renameSync(`${file}.${process.pid}`, file);
    }
}

module.exports = { Evaluations };
