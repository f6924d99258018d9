"""Visual regression: a PDF page by page or a screen, compared with a golden image kept in the
repository, with a tolerance that absorbs antialiasing noise but not a moved column, a missing
signature line or a font fallback.

The comparison (Pillow, C speed): a pixel differs when it lies outside the range of the other
image's pixels around the same place (a ``neighbourhood`` × ``neighbourhood`` window, per channel)
by more than ``threshold``, in either direction. Edges that moved by a pixel or were antialiased a
little differently stay inside that range; a line that is gone, text in another typeface or a
column a few millimetres over does not. The images pass while at most ``max_pixels`` differ.

    store = GoldenStore(Path("tests/golden"), Path("artifacts/visual"))
    store.check("betygskatalog", pdf_pages(pdf))   # raises VisualMismatch, keeping the evidence

With ``update=True`` (pytest ``--update-golden``) a differing or missing golden image is
(re)written instead. The pytest plugin offers it as the fixture ``assert_matches_golden``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

from betyg_harness.text import PORTABLE
from betyg_harness.text import slug as text_slug

# What screens are photographed at: one size everywhere, so goldens compare across machines.
VIEWPORT = {"width": 1280, "height": 800}
# A browser context whose pages render alike on any machine (the fonts come from the pages).
CONTEXT_ARGS = {
    "viewport": VIEWPORT,
    "device_scale_factor": 1,
    "locale": "sv-SE",
    "timezone_id": "Europe/Stockholm",
    "color_scheme": "light",
    "reduced_motion": "reduce",
    "forced_colors": "none",
}
PDF_DPI = 100


@dataclass(frozen=True)
class Tolerance:
    threshold: int = 64  # 0–255: how far outside the neighbourhood's range a channel may lie
    neighbourhood: int = 3  # odd window (pixels) a pixel may have moved within; 1 = exact position
    max_pixels: int = 60  # differing pixels allowed (0.006 % of an A4 page at 100 dpi)


DEFAULT_TOLERANCE = Tolerance()


@dataclass
class Comparison:
    name: str
    expected_size: tuple[int, int]
    actual_size: tuple[int, int]
    differing: int
    bbox: tuple[int, int, int, int] | None
    tolerance: Tolerance
    diff: Image.Image | None = None

    @property
    def ok(self) -> bool:
        return self.expected_size == self.actual_size and self.differing <= self.tolerance.max_pixels

    def describe(self) -> str:
        if self.expected_size != self.actual_size:
            return (
                f"{self.name}: storleken skiljer: väntad {self.expected_size[0]}×{self.expected_size[1]}, "
                f"fick {self.actual_size[0]}×{self.actual_size[1]} px"
            )
        where = f" inom {self.bbox}" if self.bbox else ""
        return (
            f"{self.name}: {self.differing} px skiljer{where} "
            f"(tillåtet {self.tolerance.max_pixels}, tröskel {self.tolerance.threshold})"
        )


def _max_channel(image: Image.Image) -> Image.Image:
    bands = image.split()
    out = bands[0]
    for band in bands[1:]:
        out = ImageChops.lighter(out, band)
    return out


def _rank(image: Image.Image, radius: int, pick) -> Image.Image:
    """Per channel, the min (``pick=darker``) or max (``lighter``) of each pixel's square
    neighbourhood — separable, as shifted copies (ImageFilter's rank filters are ~20× slower).
    Shifts wrap around the edges, which only widens the range there (more tolerant, never less)."""
    out = image
    for dx in range(1, radius + 1):
        out = pick(pick(out, ImageChops.offset(image, dx, 0)), ImageChops.offset(image, -dx, 0))
    row = out
    for dy in range(1, radius + 1):
        out = pick(pick(out, ImageChops.offset(row, 0, dy)), ImageChops.offset(row, 0, -dy))
    return out


def _outside(image: Image.Image, low: Image.Image, high: Image.Image) -> Image.Image:
    """Per pixel, how far ``image`` lies below ``low`` or above ``high`` (0 inside), max over channels."""
    return _max_channel(ImageChops.lighter(ImageChops.subtract(low, image), ImageChops.subtract(image, high)))


def compare(
    expected: Image.Image, actual: Image.Image, tolerance: Tolerance = DEFAULT_TOLERANCE, name: str = "bild"
) -> Comparison:
    """Compare two images; the result holds the count of differing pixels and a diff image."""
    a, b = _rgb(expected), _rgb(actual)
    if a.size != b.size:
        return Comparison(name, a.size, b.size, differing=-1, bbox=None, tolerance=tolerance, diff=_side_by_side(a, b))
    radius = tolerance.neighbourhood // 2
    a_low, a_high = _rank(a, radius, ImageChops.darker), _rank(a, radius, ImageChops.lighter)
    b_low, b_high = _rank(b, radius, ImageChops.darker), _rank(b, radius, ImageChops.lighter)
    distance = ImageChops.lighter(_outside(b, a_low, a_high), _outside(a, b_low, b_high))
    mask = distance.point(lambda v: 255 if v > tolerance.threshold else 0)
    differing = mask.histogram()[255]
    return Comparison(
        name, a.size, b.size, differing=differing, bbox=mask.getbbox(), tolerance=tolerance, diff=_diff_image(a, mask)
    )


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "P"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _diff_image(expected: Image.Image, mask: Image.Image) -> Image.Image:
    """The expected image faded to light grey, differing pixels in red (pixelmatch's picture)."""
    faded = expected.convert("L").point(lambda v: 255 - (255 - v) // 4).convert("RGB")
    red = Image.new("RGB", expected.size, (230, 0, 0))
    return Image.composite(red, faded, mask)


def _side_by_side(a: Image.Image, b: Image.Image) -> Image.Image:
    out = Image.new("RGB", (a.width + b.width + 10, max(a.height, b.height)), (230, 0, 0))
    out.paste(a, (0, 0))
    out.paste(b, (a.width + 10, 0))
    return out


# -- making the images -----------------------------------------------------------------------------
def pdf_pages(pdf: bytes | Path | str, dpi: int = PDF_DPI) -> list[Image.Image]:
    """Every page of a PDF rendered with PDFium at ``dpi`` (RGB, white background)."""
    import pypdfium2

    data = Path(pdf).read_bytes() if isinstance(pdf, (Path, str)) else pdf
    document = pypdfium2.PdfDocument(data)
    try:
        return [_rgb(page.render(scale=dpi / 72).to_pil()) for page in document]
    finally:
        document.close()


def screenshot(page, *, full_page: bool = True, mask=(), viewport: dict | None = VIEWPORT) -> Image.Image:
    """A Playwright page photographed for comparison: fixed viewport, web fonts loaded, no
    animations, no caret. Regions that change by themselves (a clock) can be masked."""
    if viewport:
        page.set_viewport_size(viewport)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    png = page.screenshot(full_page=full_page, animations="disabled", caret="hide", scale="css", mask=list(mask))
    return _rgb(Image.open(io.BytesIO(png)))


def as_images(subject) -> list[Image.Image]:
    """What ``GoldenStore.check`` accepts: an image, a list of them, PNG or PDF bytes, a file."""
    if isinstance(subject, Image.Image):
        return [subject]
    if isinstance(subject, (list, tuple)):
        return [img for item in subject for img in as_images(item)]
    if isinstance(subject, (str, Path)):
        path = Path(subject)
        return pdf_pages(path) if path.suffix.lower() == ".pdf" else [_rgb(Image.open(path))]
    if isinstance(subject, (bytes, bytearray)):
        data = bytes(subject)
        return pdf_pages(data) if data[:5] == b"%PDF-" else [_rgb(Image.open(io.BytesIO(data)))]
    if hasattr(subject, "screenshot") and hasattr(subject, "evaluate"):
        return [screenshot(subject)]
    raise TypeError(f"Kan inte jämföra {type(subject).__name__} med en guldbild.")


# -- golden images -----------------------------------------------------------------------------
class VisualMismatch(AssertionError):
    def __init__(self, message: str, comparisons: list[Comparison], evidence: list[Path]):
        super().__init__(message)
        self.comparisons = comparisons
        self.evidence = evidence


@dataclass
class GoldenResult:
    names: list[str]
    comparisons: list[Comparison]
    written: list[Path]
    evidence: list[Path]


def _slug(name: str) -> str:
    found = text_slug(name, PORTABLE, sep="-", strip="-.")
    if not found:
        raise ValueError(f"Ogiltigt namn på guldbild: {name!r}")
    return found


class GoldenStore:
    """Golden images in ``folder``; the evidence of a mismatch (expected, actual, diff) under
    ``artifacts``. ``update``: write what differs or is missing instead of failing."""

    def __init__(
        self, folder: Path, artifacts: Path, *, update: bool = False, tolerance: Tolerance = DEFAULT_TOLERANCE
    ):
        self.folder, self.artifacts, self.update, self.tolerance = Path(folder), Path(artifacts), update, tolerance

    def _existing(self, slug: str) -> list[Path]:
        """The golden files of ``slug``: its pages ``slug-p1.png``… in order, or ``slug.png``."""
        pages = {}
        for path in self.folder.glob(f"{slug}-p*.png"):
            match = re.fullmatch(rf"{re.escape(slug)}-p(\d+)\.png", path.name)
            if match:
                pages[int(match[1])] = path
        if pages:
            return [pages[i] for i in sorted(pages)]
        single = self.folder / f"{slug}.png"
        return [single] if single.exists() else []

    def check(self, name: str, subject, tolerance: Tolerance | None = None) -> GoldenResult:
        """Compare ``subject`` (see :func:`as_images`) with the golden image(s) called ``name``;
        several images (a PDF's pages) are ``name-p1.png``, ``name-p2.png``…"""
        images = as_images(subject)
        tolerance = tolerance or self.tolerance
        slug = _slug(name)
        existing = self._existing(slug)
        multi = len(images) > 1 or bool(existing and existing[0].name != f"{slug}.png")
        targets = (
            [self.folder / f"{slug}-p{i}.png" for i in range(1, len(images) + 1)]
            if multi
            else [self.folder / f"{slug}.png"]
        )
        comparisons: list[Comparison] = []
        written: list[Path] = []
        evidence: list[Path] = []
        problems: list[str] = []
        if existing and len(existing) != len(targets):
            problems.append(f"{name}: {len(images)} sidor, guldbilderna har {len(existing)}")
        for target, image in zip(targets, images):
            self._check_page(target, image, tolerance, comparisons, written, evidence, problems)
        if self.update:
            for stale in existing:
                if stale not in targets:
                    stale.unlink()
            problems = []
        if problems:
            raise self._mismatch(problems, comparisons, evidence)
        return GoldenResult([t.stem for t in targets], comparisons, written, evidence)

    def _check_page(
        self,
        target: Path,
        image: Image.Image,
        tolerance: Tolerance,
        comparisons: list[Comparison],
        written: list[Path],
        evidence: list[Path],
        problems: list[str],
    ) -> None:
        """One image against its golden file ``target``: written (--update-golden), compared, or a
        problem with its evidence; the lists grow by what was found."""
        if not target.exists():
            if self.update:
                written.append(self._write(target, image))
            else:
                problems.append(f"{target.stem}: ingen guldbild ({target}); kör pytest med --update-golden")
                evidence += self._evidence(target.stem, None, image, None)
            return
        with Image.open(target) as golden:
            golden.load()
            comparison = compare(golden, image, tolerance, name=target.stem)
            comparisons.append(comparison)
            if comparison.ok:
                return
            if self.update:
                written.append(self._write(target, image))
            else:
                problems.append(comparison.describe())
                evidence += self._evidence(target.stem, golden, image, comparison.diff)

    def _mismatch(self, problems: list[str], comparisons: list[Comparison], evidence: list[Path]) -> VisualMismatch:
        lines = "\n".join(f"- {p}" for p in problems)
        files = "\n".join(f"  {p.resolve().as_uri()}" for p in evidence)
        return VisualMismatch(
            f"Bilden stämmer inte med guldbilden ({self.folder}):\n{lines}"
            + (f"\nVäntad, fick och skillnad:\n{files}" if files else ""),
            comparisons,
            evidence,
        )

    def _write(self, target: Path, image: Image.Image) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target, format="PNG", optimize=True)
        return target

    def _evidence(self, label: str, expected, actual, diff) -> list[Path]:
        folder = self.artifacts / label
        folder.mkdir(parents=True, exist_ok=True)
        kept = []
        for stem, image in (("expected", expected), ("actual", actual), ("diff", diff)):
            if image is not None:
                image.save(folder / f"{stem}.png", format="PNG")
                kept.append(folder / f"{stem}.png")
        return kept
