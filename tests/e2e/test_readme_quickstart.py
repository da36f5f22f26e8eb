"""The README's quickstart, run as a user runs it: every command of its
code blocks, exactly as written, from the repository's root, in order.

`make test` is the one command left out: it is what runs this test. The
state directory is a temporary one (TESSERA_HOME), so that a user's own
`tessera up` on this machine is neither touched nor in the way; the ports
are the defaults the README promises, so this suite runs alone."""

import os
import re
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def quickstart_commands():
    with open(os.path.join(ROOT, "README.md")) as readme:
        text = readme.read()
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            # A trailing backslash continues a command on the next line.
            if commands and commands[-1].endswith("\\"):
                commands[-1] += "\n" + line
            elif line.strip():
                commands.append(line)
    return commands


def test_the_quickstart_commands_are_what_this_test_runs():
    commands = quickstart_commands()
    assert commands[0].startswith("make up") and commands[1].startswith("make test")
    assert commands[-1] == "make down"


def test_every_quickstart_command_runs_as_written(tmp_path):
    environment = {**os.environ, "TESSERA_HOME": str(tmp_path / "tessera")}
    outputs = {}
    try:
        for command in quickstart_commands():
            if command.startswith("make test"):
                continue
            result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=environment,
                                    capture_output=True, text=True, timeout=900)
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
            outputs[command.split()[0] + " " + command.split()[1]] = result.stdout
    finally:
        subprocess.run(["build/bin/tessera", "down"], cwd=ROOT, env=environment,
                       capture_output=True, timeout=300)

    shown = outputs["make up"]
    assert "Serving Benchmark Result" in shown and "Successful requests:" in shown
    assert "Dashboard: http://127.0.0.1:8480/" in shown and "make down" in shown
    assert '"choices"' in outputs["curl -s"]
    assert "decode" in outputs["build/bin/tessera get"]
    assert "scaled (decode: 3)" in outputs["build/bin/tessera scale"]
    assert "Events:" in outputs["build/bin/tessera describe"]
    assert "Stopped." in outputs["make down"]
