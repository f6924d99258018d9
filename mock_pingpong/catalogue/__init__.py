"""The grade catalogue (betygskatalog): its data, the PDF and the HTML preview."""

from betyg_harness.mock_pingpong.catalogue.model import CatalogueData, CatalogueRow
from betyg_harness.mock_pingpong.catalogue.pdf import render_pdf
from betyg_harness.mock_pingpong.catalogue.preview import render_preview

__all__ = ["CatalogueData", "CatalogueRow", "render_pdf", "render_preview"]
