"""``assert_matches_golden`` and ``--update-golden`` as a user's suite meets them: a project of its
own (its rootdir, its ``golden_dir``, its artifacts/), run by pytest's own ``pytester``."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from PIL import Image

pytest_plugins = ["pytester"]

USER_TEST = """
import os
from PIL import Image, ImageDraw

def picture():
    image = Image.new("RGB", (240, 120), "white")
    x = int(os.environ.get("COLUMN_X", "20"))
    ImageDraw.Draw(image).rectangle([x, 10, x + 40, 110], fill=(20, 40, 90))
    return image

def test_picture(assert_matches_golden):
    assert_matches_golden(picture(), "bild")
"""


def test_update_golden_then_a_moved_column_fails_with_its_evidence(pytester, monkeypatch):
    pytester.makeini("[pytest]\ngolden_dir = bilder\n")
    pytester.makepyfile(test_bild=USER_TEST)
    golden = pytester.path / "bilder" / "bild.png"
    junit = pytester.path / "junit.xml"

    def run(*args, column_x=None):
        if column_x is None:
            monkeypatch.delenv("COLUMN_X", raising=False)
        else:
            monkeypatch.setenv("COLUMN_X", str(column_x))
        # In process, beside our own session: without pytest-playwright (its soft-assertion scope does not nest).
        return pytester.runpytest_inprocess(
            "-p", "no:cacheprovider", "-p", "no:playwright", f"--junitxml={junit}", *args
        )

    missing = run()
    missing.assert_outcomes(failed=1)
    assert "ingen guldbild" in missing.stdout.str() and "--update-golden" in missing.stdout.str()

    run("--update-golden").assert_outcomes(passed=1)
    assert golden.is_file()
    run().assert_outcomes(passed=1)

    moved = run(column_x=80)
    moved.assert_outcomes(failed=1)
    out = moved.stdout.str()
    assert "px skiljer" in out
    evidence = pytester.path / "artifacts" / "visual" / "bild"
    assert {p.name for p in evidence.iterdir()} == {"expected.png", "actual.png", "diff.png"}
    assert evidence.joinpath("diff.png").resolve().as_uri() in out
    properties = {p.get("name"): p.get("value") for p in ET.parse(junit).iter("property")}
    assert properties["golden_diff"] == str((evidence / "diff.png").resolve())
    assert Image.open(evidence / "diff.png").getpixel((100, 60)) == (230, 0, 0)  # the new place, in red

    run("--update-golden", column_x=80).assert_outcomes(passed=1)
    run(column_x=80).assert_outcomes(passed=1)
    run().assert_outcomes(failed=1)  # the old look is the change now
