"""Ping Pong's grading forms over plain HTTP, without a browser: the same posts a browser makes (CSRF
token, group version, the summary's signed payload).

Two users of it, and only these (so it lives beside the tests, not in the wheel): the suites, to make
"someone else" act at an exact moment (during our confirm, between our two Spara) without a second
browser; and ``bench/``, as the floor the browser is measured against — the same grading of the same
groups, as form posts. It reads the HTML with lxml and knows the mock's markup; the flows
(``betyg_harness.flows``) are the product's way to grade, by role and name in a real browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

import lxml.html
import requests
from lxml.html import HtmlElement

_LOCKED = re.compile(r"Låst \d{4}-\d{2}-\d{2}")


class FormError(RuntimeError):
    """Ping Pong answered a form with something else than the next step."""


@dataclass
class GradingForm:
    group_id: str
    version: str
    csrf: str
    students: dict[str, str]  # personnummer as shown (YYYYMMDD-NNNN) → person id
    teachers: dict[str, str]  # full name → person id
    name: str = ""
    shown: dict[str, tuple[str | None, bool]] = field(default_factory=dict)  # personnummer → (grade, locked)
    catalogue_ready: bool = False


def _string(node: HtmlElement, path: str) -> str:
    """An XPath ``string(...)``: lxml answers a str (the stubs allow any XPath result)."""
    return cast(str, node.xpath(path))


def _elements(node: HtmlElement, path: str) -> list[HtmlElement]:
    """An XPath selecting elements of an HTML document: lxml answers HtmlElements."""
    return cast("list[HtmlElement]", node.xpath(path))


def _attribute(element: HtmlElement, name: str) -> str:
    """An attribute the XPath that found ``element`` required (``[@name]``, ``[contains(@name, ...)]``)."""
    return cast(str, element.get(name))


class PingPongForms:
    def __init__(
        self, base_url: str, username: str = "betygsadmin", password: str = "betygsadmin", timeout: float = 30
    ):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.username, self.password, self.timeout = username, password, timeout

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @staticmethod
    def _csrf(html: str) -> str:
        return _string(lxml.html.fromstring(html), "string(//input[@name='csrf_token']/@value)")

    def login(self) -> "PingPongForms":
        page = self.http.get(self._url("/login"), timeout=self.timeout)
        answer = self.http.post(
            self._url("/login"),
            data={"csrf_token": self._csrf(page.text), "username": self.username, "password": self.password},
            timeout=self.timeout,
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise FormError(f"inloggningen misslyckades: {answer.status_code}")
        return self

    def search(self, text: str = "") -> dict[str, str]:
        """ "Sök grupp": group name → group id of every hit."""
        page = self.http.get(self._url("/betyg/sok-grupp"), params={"q": text, "sok": "1"}, timeout=self.timeout)
        doc = lxml.html.fromstring(page.text)
        return {
            (a.text_content() or "").strip(): _attribute(a, "href").rstrip("/").rsplit("/", 1)[-1]
            for a in _elements(doc, "//table//a[contains(@href, '/betyg/grupp/')]")
        }

    def group_id(self, name: str) -> str:
        hits = {k: v for k, v in self.search(name).items() if k == name}
        if len(hits) != 1:
            raise FormError(f"{name}: {len(hits)} träffar")
        return next(iter(hits.values()))

    def open(self, group_id: str) -> GradingForm:
        page = self.http.get(self._url(f"/betyg/grupp/{group_id}"), timeout=self.timeout)
        if page.status_code != 200:
            raise FormError(f"betygsvyn svarade {page.status_code}")
        return self.read_form(group_id, page.text)

    def read_form(self, group_id: str, html: str) -> GradingForm:
        doc = lxml.html.fromstring(html)
        students: dict[str, str] = {}
        shown: dict[str, tuple[str | None, bool]] = {}
        for row in _elements(doc, "//table[caption='Elever']/tbody/tr"):
            radios = _elements(row, ".//input[@type='radio']")
            if not radios:
                continue
            civic = _string(row, "string(td[1])").strip()
            # The mock's radios are always named grade-<person id>.
            students[civic] = _attribute(radios[0], "name").removeprefix("grade-")
            checked = next((r.get("value") for r in radios if r.get("checked") is not None), None)
            shown[civic] = (checked, bool(_LOCKED.search(_string(row, "string(td[4])"))))
        teachers = {
            label.text_content().strip(): _string(label, "string(input/@value)")
            for label in _elements(doc, "//fieldset[legend='Betygssättande lärare']/label")
        }
        pdf = _elements(doc, "//button[normalize-space()='Ladda ned pdf']")
        return GradingForm(
            group_id=group_id,
            version=_string(doc, "string(//input[@name='version']/@value)"),
            csrf=self._csrf(html),
            students=students,
            teachers=teachers,
            name=_string(doc, "string(//h1)").strip(),
            shown=shown,
            catalogue_ready=bool(pdf) and pdf[0].get("disabled") is None,
        )

    def first_save(
        self, form: GradingForm, grades: dict[str, str], *, lock: bool, teachers: list[str]
    ) -> requests.Response:
        """The grading view's Spara: ``grades`` by shown personnummer; the summary (or the refusal)."""
        data = [("csrf_token", form.csrf), ("version", form.version)]
        for shown, value in grades.items():
            data.append((f"grade-{form.students[shown]}", value))
            if lock:
                data.append((f"lock-{form.students[shown]}", "1"))
        data += [("teacher", form.teachers[name]) for name in teachers]
        return self.http.post(self._url(f"/betyg/grupp/{form.group_id}"), data=data, timeout=self.timeout)

    def confirm(self, group_id: str, summary: requests.Response, *, follow: bool = False) -> requests.Response:
        """The summary's Spara, with the payload and token the summary page carries (302 when
        stored; with ``follow``, the grading view it leads to)."""
        doc = lxml.html.fromstring(summary.text)
        data = {
            "csrf_token": _string(doc, "string(//input[@name='csrf_token']/@value)"),
            "payload": _string(doc, "string(//input[@name='payload']/@value)"),
            "action": "spara",
        }
        return self.http.post(
            self._url(f"/betyg/grupp/{group_id}/sammanfattning"),
            data=data,
            timeout=self.timeout,
            allow_redirects=follow,
        )

    def save(
        self, group_name: str, grades: dict[str, str], *, lock: bool = False, teachers: list[str]
    ) -> requests.Response:
        """Both Spara in one go: the summary's answer (302 when stored)."""
        form = self.open(self.group_id(group_name))
        summary = self.first_save(form, grades, lock=lock, teachers=teachers)
        if summary.status_code != 200:
            raise FormError(summary.text[-2000:])
        return self.confirm(form.group_id, summary)

    def grade(
        self, group_id: str, grades: dict[str, str], *, teachers: list[str], lock: bool = True, catalogue: bool = True
    ) -> GradingForm:
        """What ``flows.grade_group`` does, as form posts: open the view, Spara, check the summary
        lists every grade, Spara, check every grade shows locked, and fetch the catalogue PDF."""
        form = self.open(group_id)
        summary = self.first_save(form, grades, lock=lock, teachers=teachers)
        if summary.status_code != 200 or "Sammanfattning" not in summary.text:
            raise FormError(f"första Spara svarade {summary.status_code}")
        rows = _elements(lxml.html.fromstring(summary.text), "//table[caption='Betyg som sparas']/tbody/tr")
        if len(rows) != len(grades):
            raise FormError(f"sammanfattningen visar {len(rows)} betyg, begärt {len(grades)}")
        after = self.confirm(group_id, summary, follow=True)
        final = self.read_form(group_id, after.text)
        wrong = [p for p, g in grades.items() if final.shown.get(p) != (g, lock)]
        if after.status_code != 200 or wrong:
            raise FormError(f"efter Spara visas inte {len(wrong)} betyg som låsta")
        if catalogue and final.catalogue_ready:
            pdf = self.http.get(self._url(f"/betyg/grupp/{group_id}/betygskatalog.pdf"), timeout=self.timeout)
            if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
                raise FormError(f"betygskatalogen svarade {pdf.status_code}")
        return final
