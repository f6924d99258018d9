"""The product imports where POSIX-only modules do not exist (Windows), and its cross-process lock
holds across processes on every platform."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from betyg_harness.mock_kit.locks import Locks
from sqlalchemy import create_engine

IMPORT_EVERYTHING = textwrap.dedent("""
    import importlib, pkgutil, sys
    for name in ("fcntl", "pwd", "grp", "termios", "resource", "pty", "tty"):
        sys.modules[name] = None  # as on Windows: importing it raises ImportError
    names = []
    # Each top folder on its own: an editable install maps them into the package, which
    # walk_packages of betyg_harness alone does not see.
    for top in ("betyg_harness", "betyg_harness.flows", "betyg_harness.mock_kit", "betyg_harness.mock_pingpong",
                "betyg_harness.mock_ber", "betyg_harness.fixtures"):
        package = importlib.import_module(top)
        names += [top] + [i.name for i in pkgutil.walk_packages(package.__path__, top + ".")
                          if not i.name.endswith("__main__")]  # running a command is not importing it
    names = sorted(set(names))
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failed.append(f"{name}: {exc}")
    print(len(names))
    print("\\n".join(failed))
""")


def test_every_shipped_module_imports_without_posix_only_modules():
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", IMPORT_EVERYTHING], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    count, *failed = result.stdout.splitlines()
    assert int(count) > 60, "every package of the product was walked"
    assert not [f for f in failed if f], failed


HOLD_IN_ANOTHER_PROCESS = textwrap.dedent("""
    import sys, time
    from sqlalchemy import create_engine
    from betyg_harness.mock_kit.locks import Locks
    locks = Locks(create_engine(f"sqlite:///{sys.argv[1]}"), shared=True)
    with locks.hold("sync"):
        print("held", flush=True)
        sys.stdin.readline()
""")


def test_a_lock_held_by_another_process_is_refused_without_waiting(tmp_path):
    database = tmp_path / "mock.sqlite3"
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_IN_ANOTHER_PROCESS, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout.readline().strip() == "held"
        locks = Locks(create_engine(f"sqlite:///{database}"), shared=True)
        with locks.hold("sync", blocking=False) as got:
            assert got is False
        with locks.hold("other", blocking=False) as got:
            assert got is True
    finally:
        other.communicate("\n", timeout=30)
    with locks.hold("sync", blocking=False) as got:
        assert got is True, "released when the other process let go"
