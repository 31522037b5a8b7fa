"""`cloud-init schema --config-file FILE` for each FILE given, in one interpreter.

Calls the `cloud-init` console script's own entry point (cloudinit.cmd.main:main, cloud-init 22.4.2 as Debian
bookworm installs it: /usr/bin/cloud-init loads it through the same console_scripts entry point) with the arguments
the command line would pass, once per file, so the schema and the interpreter load once instead of once per file.
Prints a JSON list of {status, output}: the exit status the command would have (SystemExit's code, or main's return
value) and everything it printed, stdout and stderr together. Checked against the command itself in
tests/validators.test.ts.
"""
import contextlib
import io
import json
import sys
from importlib.metadata import entry_points

(entry_point,) = entry_points(group="console_scripts", name="cloud-init")
main = entry_point.load()
results = []
for path in sys.argv[1:]:
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            status = main(["cloud-init", "schema", "--config-file", path])
        except SystemExit as e:
            status = e.code
    # As the interpreter turns sys.exit's argument into an exit status: None is 0, a non-integer 1.
    results.append({"status": 0 if status is None else status if isinstance(status, int) else 1, "output": output.getvalue()})
json.dump(results, sys.stdout)
