"""The grade catalogue as an HTML fragment for "Förhandsgranska": the PDF's content, without pages.

The page around it carries the h1 "Betygskatalog"; the fragment starts at h2. Autoescaped.
"""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from betyg_harness.mock_pingpong.catalogue.model import CatalogueData
from betyg_harness.mock_pingpong.catalogue.pdf import (
    SIGNATURE_HEADING,
    SIGNATURE_LABELS,
    SIGNATURE_NOTE,
    TABLE_HEADER,
    LATE_NOTE,
    header_fields,
    level_text,
    printed_text,
)

__all__ = ["render_preview"]

_TEMPLATE = """\
<section class="betygskatalog" aria-label="Betygskatalog {{ d.course_code }} {{ d.group_name }}">
{% if d.late %}
  <p class="betygskatalog-forsenad" role="note"><strong>Försenad</strong> – {{ late_note }}</p>
{% endif %}
  <p class="betygskatalog-niva">{{ level }}</p>
  <dl class="betygskatalog-uppgifter">
{% for label, value in fields %}
    <div><dt>{{ label }}</dt><dd>{{ value }}</dd></div>
{% endfor %}
  </dl>
  <table class="betygskatalog-elever">
    <caption>Elever</caption>
    <thead>
      <tr>{% for h in header %}<th scope="col">{{ h }}</th>{% endfor %}</tr>
    </thead>
    <tbody>
{% for r in d.rows %}
      <tr><td>{{ r.civic_no }}</td><td>{{ r.family_name }}</td><td>{{ r.given_name }}</td><td>{{ r.grade }}</td></tr>
{% endfor %}
    </tbody>
  </table>
  <h2>{{ sig_heading }}</h2>
  <p>{{ sig_note }}</p>
{% for t in d.teachers %}
  <dl class="betygskatalog-underskrift" aria-label="Underskrift {{ t }}">
    <div><dt>{{ labels[0] }}</dt><dd class="betygskatalog-linje"></dd></div>
    <div><dt>{{ labels[1] }}</dt><dd>{{ t }}</dd></div>
    <div><dt>{{ labels[2] }}</dt><dd class="betygskatalog-linje"></dd></div>
  </dl>
{% endfor %}
  <p class="betygskatalog-utskriven">{{ printed }}</p>
</section>
"""

_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_template = _env.from_string(_TEMPLATE)


def render_preview(data: CatalogueData) -> Markup:
    """The catalogue as an escaped HTML fragment (a ``Markup``, so Jinja embeds it as is)."""
    return Markup(
        _template.render(
            d=data,
            fields=header_fields(data),
            level=level_text(data.points_kind),
            header=TABLE_HEADER,
            labels=SIGNATURE_LABELS,
            sig_heading=SIGNATURE_HEADING,
            sig_note=SIGNATURE_NOTE,
            late_note=LATE_NOTE,
            printed=printed_text(data),
        )
    )
