"""requirements.lock pins every package make install installs, each with a hash, at the versions
pyproject.toml asks for: a dependency changed in pyproject.toml without `make lock` fails here."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from core.settings import PROJECT_ROOT

LOCK = PROJECT_ROOT / "requirements.lock"
TOOLS_LOCK = PROJECT_ROOT / "requirements" / "tools.lock"


def pins(path) -> dict[str, tuple[str, list[str]]]:
    """name → (version, hashes) of a hashed lockfile."""
    text = path.read_text()
    found: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", block)
        if m:
            found[canonicalize_name(m.group(1))] = (m.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return found


def wanted() -> list[Requirement]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in ("export", "dev"):
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def test_every_locked_package_has_a_hash():
    for path in (LOCK, TOOLS_LOCK):
        locked = pins(path)
        assert locked, path
        assert all(hashes for _, hashes in locked.values()), [n for n, (_, h) in locked.items() if not h]


def test_the_lock_holds_what_pyproject_asks_for():
    locked = pins(LOCK)
    wrong = []
    for req in wanted():
        name = canonicalize_name(req.name)
        if name not in locked:
            wrong.append(f"{req} is not locked")
        elif not req.specifier.contains(locked[name][0].split("+")[0], prereleases=True):
            wrong.append(f"{req} but the lock has {locked[name][0]}")
    assert not wrong, "run `make lock`: " + "; ".join(wrong)


def test_torch_is_the_cpu_build():
    assert pins(LOCK)["torch"][0].endswith("+cpu")


def test_the_installers_are_locked_too():
    assert {"pip", "setuptools"} <= set(pins(TOOLS_LOCK))
