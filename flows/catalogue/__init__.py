"""Grade catalogues (betygskatalog) read back from their PDF and compared with what they should hold.

    parsed = read_catalogue(pdf_bytes)
    for d in compare(parsed, ExpectedCatalogue(grades={"19900101-1000": "A"}, teachers=["Karin Lärare"])):
        print(d)

By role: :mod:`.model` (the data), :mod:`.reader` (PDF → data), :mod:`.compare` (data against what
is expected). The robot's print bundle reads catalogues here; the ``betygskatalog-check`` command
(:mod:`betyg_harness.catalogue`) prints and checks them.
"""

from betyg_harness.flows.catalogue.compare import Difference, ExpectedCatalogue, ExpectedStudent, compare
from betyg_harness.flows.catalogue.model import Fragment, ParsedCatalogue, ParsedRow, SignatureBlock
from betyg_harness.flows.catalogue.reader import read_catalogue

__all__ = [
    "Fragment",
    "ParsedRow",
    "SignatureBlock",
    "ParsedCatalogue",
    "ExpectedStudent",
    "ExpectedCatalogue",
    "Difference",
    "read_catalogue",
    "compare",
]
