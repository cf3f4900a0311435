#!/usr/bin/env python3
"""Every legion-bench command the README and docs/*.md show, checked with --dry-run.

  documented_commands.py LEGION_BENCH SOURCE

Each line of a fenced code block that starts a legion-bench command (`build/bench/legion-bench …`
or `legion-bench …`, after any VAR=value assignments; a trailing `\\` joins the next line; a `#`
comment after whitespace is dropped) runs through bash from the repository root, as a reader would
paste it, with `--dry-run` put right after the program: options parse, and for a run, a stress
suite, ab, calibrate and publish everything they name is checked (systems, suites, scenarios,
settings) and what would run is printed — nothing runs. Each must exit 0. A line written as a
template (URL, NAME, FILE, `…`, alternatives `a|b`, optional `[…]`, path/to/) cannot run as it
stands: it is listed, and the test checks only that its options exist in the command's --help.
Running the documented commands themselves is what the suites' own tests and the publication do.
"""
import pathlib
import re
import subprocess
import sys

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


START = re.compile(r"^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)(?:build/bench/)?legion-bench(?=\s|$)(?!\s\()(.*)$")
# Placeholders, alternatives and optional parts; build folders and environments of a reader's own;
# --resume, which continues a run an earlier command left.
TEMPLATE = re.compile(r"\b(URL|NAME|FILE|DIR\d?|VAR|MS|N|OUT|RUN_DIR|LABEL|SYSTEM)\b|…|\.\.\.|\[|path/to/|\w\|\w|<|R\.\."
                      r"|\.\./old|base-build|--resume")
SUBCOMMANDS = {"list", "oracle", "analyze", "report", "publish", "compare", "ab", "calibrate", "plan", "zero-io", "footprint",
               "stress-engine", "worker"}


def documented(source):
    """(where, command line) for every legion-bench command in a fenced block of the README and
    docs/*.md; a shell loop's variable ($c in `for c in 1 10 100; do`) takes the loop's first value."""
    files = [source / "README.md"] + sorted((source / "docs").glob("*.md"))
    for f in files:
        in_block, pending, loops = False, None, {}
        for number, line in enumerate(f.read_text().splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_block, pending, loops = not in_block, None, {}
                continue
            if not in_block:
                continue
            text = line.strip()
            if loop := re.match(r"for (\w+) in (\S+)", text):
                loops[loop.group(1)] = loop.group(2)
            for var, value in loops.items():
                text = re.sub(r"\$\{?" + var + r"\}?(?!\w)", value, text)
            if pending is not None:
                pending[1] += " " + text.rstrip("\\").strip()
                if not text.endswith("\\"):
                    yield pending
                    pending = None
                continue
            if START.match(text):
                entry = [f"{f.relative_to(source)}:{number}", text.rstrip("\\").strip()]
                if text.endswith("\\"):
                    pending = entry
                else:
                    yield entry


def without_comment(command):
    # A `#` after whitespace starts a comment (none of the documented commands quotes one).
    return re.split(r"\s#", command, maxsplit=1)[0].strip()


def runnable(line):
    """The command as a reader pastes it (comment dropped), its VAR=value prefix, the rest after the
    program, and whether it is a template that cannot run as it stands."""
    command = without_comment(line)
    env, rest = START.match(command).groups()
    return command, env, rest, bool(TEMPLATE.search(command))


def options_of(words):
    sub = next((w for w in words if w in SUBCOMMANDS), None)
    help_text = subprocess.run([LEGION_BENCH] + ([sub] if sub else []) + ["--help"], capture_output=True, text=True).stdout
    if sub:  # a subcommand also takes the run's options where it falls through (ab, calibrate)
        help_text += subprocess.run([LEGION_BENCH, "--help"], capture_output=True, text=True).stdout
    return [w.split("=")[0] for w in words if w.startswith("--")], help_text


def main():
    global LEGION_BENCH
    LEGION_BENCH, source = sys.argv[1], pathlib.Path(sys.argv[2])
    commands = list(documented(source))
    ran = templates = 0
    for where, line in commands:
        command, env, rest, template = runnable(line)
        if template:
            templates += 1
            flags, help_text = options_of(rest.split())
            for flag in flags:
                check(re.search(r"(^|[\s,])" + re.escape(flag) + r"\b", help_text), f"{where}: template `{command}`: no option {flag} in its --help")
            continue
        ran += 1
        p = subprocess.run(["bash", "-c", f'{env}"$0" --dry-run{rest}', LEGION_BENCH], cwd=source, capture_output=True, text=True, timeout=120)
        check(p.returncode == 0, f"{where}: `{command}` exited {p.returncode}:\n{p.stdout[-600:]}{p.stderr[-600:]}")

    print(f"{len(commands)} documented commands: {ran} checked with --dry-run, {templates} templates checked against --help")
    check(len(commands) >= 100 and ran >= 80, f"the documented commands were found ({len(commands)}, {ran} runnable)")
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
