#!/usr/bin/env python3
"""Pin an environment by hash: adapters/python/requirements/ENV.txt from what .venvs/ENV holds.

Usage: tools/pin_requirements.py ENV

Every installed distribution (pip freeze) is written as `name==version` with the sha256 of every
file PyPI serves for that version (read from the simple index, which is a package registry and so
reachable at set-up time), so the file installs on any platform and pip refuses a file whose
content changed after it was pinned (`pip install -r` switches to hash-checking mode by itself).
Run it after installing ENV.in into a fresh environment; it never installs anything.
"""
import html.parser
import json
import pathlib
import re
import subprocess
import sys
import urllib.request

INDEX = "https://pypi.org/simple/"


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.files = []  # (filename, sha256)

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href", "") if tag == "a" else ""
        name, _, digest = href.partition("#sha256=")
        if digest:
            self.files.append((name.rsplit("/", 1)[-1], digest))


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _is_release(file, name, version):
    """Whether FILE (a wheel `dist-version-tags.whl` or a source `name-version.tar.gz`) is NAME==VERSION."""
    if file.endswith(".whl"):
        dist, release = file.split("-")[:2]
    else:
        base = re.sub(r"\.(tar\.gz|tar\.bz2|zip)$", "", file)
        dist, _, release = base.rpartition("-")
    return normalized(dist) == normalized(name) and release == version


def hashes_of(name, version):
    with urllib.request.urlopen(INDEX + normalized(name) + "/", timeout=60) as page:
        links = _Links()
        links.feed(page.read().decode())
    found = sorted(digest for file, digest in links.files if _is_release(file, name, version))
    if not found:
        sys.exit(f"pin_requirements: no file of {name}=={version} on {INDEX}")
    return found


def packaging_tools_required(python):
    """pip, setuptools and wheel come with every virtual environment and are left out, unless an
    installed package requires one at run time (llama-index-core requires setuptools): then pip's
    hash-checking mode refuses the file without it."""
    required = []
    for tool in ("pip", "setuptools", "wheel"):
        shown = subprocess.run([python, "-m", "pip", "show", tool], capture_output=True, text=True).stdout
        fields = dict(line.split(": ", 1) for line in shown.splitlines() if ": " in line)
        if fields.get("Required-by"):
            required.append(f"{tool}=={fields['Version']}")
    return required


# Run inside the environment: for each distribution, the extras its dependents always ask of it.
_EXTRAS_ASKED = r"""
import importlib.metadata as m, json, re
asked = {}
for dist in m.distributions():
    for requirement in dist.requires or []:
        spec, _, marker = requirement.partition(";")
        found = re.match(r"\s*([A-Za-z0-9._-]+)\s*\[([^\]]+)\]", spec)
        if found and "extra" not in marker:
            name = re.sub(r"[-_.]+", "-", found.group(1)).lower()
            asked.setdefault(name, set()).update(e.strip() for e in found.group(2).split(","))
print(json.dumps({name: sorted(extras) for name, extras in asked.items()}))
"""


def extras_asked(python):
    """Extras that installed packages require unconditionally (chromadb asks for uvicorn[standard]):
    pip's hash-checking mode refuses a file that pins `uvicorn==V` where `uvicorn[standard]==V` is
    asked, so such lines carry the extras."""
    return json.loads(subprocess.run([python, "-c", _EXTRAS_ASKED], check=True, capture_output=True, text=True).stdout)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    env = sys.argv[1]
    root = pathlib.Path(__file__).resolve().parent.parent
    python = root / ".venvs" / env / "bin" / "python"
    frozen = subprocess.run([python, "-m", "pip", "freeze", "--all", "--exclude", "pip",
                             "--exclude", "setuptools", "--exclude", "wheel"],
                            check=True, capture_output=True, text=True).stdout.split()
    frozen += packaging_tools_required(python)
    extras = extras_asked(python)
    lines = [f"# Every package of the {env} environment, pinned by hash (tools/pin_requirements.py "
             f"{env}, from {env}.in); install with pip install -r."]
    for requirement in sorted(frozen, key=str.lower):
        name, _, version = requirement.partition("==")
        if not version:
            sys.exit(f"pin_requirements: {requirement!r} is not installed from an index")
        digests = hashes_of(name, version)
        asked = extras.get(normalized(name))
        lines.append(f"{name}{'[' + ','.join(asked) + ']' if asked else ''}=={version} \\")
        lines += [f"    --hash=sha256:{d}" + (" \\" if i + 1 < len(digests) else "")
                  for i, d in enumerate(digests)]
    out = root / "adapters" / "python" / "requirements" / f"{env}.txt"
    out.write_text("\n".join(lines) + "\n")
    print(f"{out}: {len(frozen)} packages")


if __name__ == "__main__":
    main()
