"""Ping Pong's grading forms without a browser, the suites' one form client: the same posts a browser
makes (CSRF token, group version, the summary's signed payload), to Ping Pong over HTTP (a base URL)
or in this process (a Flask app, through its test client — no server, no port).

Its users, and only these (so it lives beside the tests, not in the wheel): the suites, to make
"someone else" act at an exact moment (during our confirm, between our two Spara) without a second
browser, and to post exactly the form a test needs (an old version, a foreign teacher); and
``bench/``, as the floor the browser is measured against — the same grading of the same groups, as
form posts. It reads the HTML with lxml and knows the mock's markup; the flows
(``betyg_harness.flows``) are the product's way to grade, by role and name in a real browser.

Two levels: by what the page shows (``login``, ``search``, ``open``, ``first_save``, ``confirm``,
``save``, ``grade``: names and personnummer as shown, errors raised) and by scenario key
(``sign_in``, ``open_group``, ``grading_form``, ``post_grading``, ``second_save``,
``save_by_key``: raw answers, for the tests that check each one; ``last`` is the latest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

import lxml.html
import requests
from lxml.html import HtmlElement

from betyg_harness.scenario import stable_id

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


class _InProcess:
    """``requests.Session``'s get and post over a Flask app's test client."""

    def __init__(self, app):
        self.client = app.test_client()

    def get(self, url: str, *, params=None, timeout=None, allow_redirects: bool = True, **kw):
        return self.client.get(url, query_string=params, follow_redirects=allow_redirects, **kw)

    def post(self, url: str, *, data=None, timeout=None, allow_redirects: bool = True, **kw):
        return self.client.post(url, data=data, follow_redirects=allow_redirects, **kw)


def _body(response) -> bytes:
    """The answer's bytes, from requests (``content``) or from the test client (``data``)."""
    return response.content if isinstance(response, requests.Response) else response.data


class PingPongForms:
    """A user of Ping Pong's forms at ``target``: its base URL, or the Flask app itself."""

    def __init__(self, target: Any, username: str = "betygsadmin", password: str = "betygsadmin", timeout: float = 30):
        self.app = None if isinstance(target, str) else target
        self.base_url = target.rstrip("/") if isinstance(target, str) else ""
        self.http: Any = requests.Session() if self.app is None else _InProcess(self.app)
        self.client = None if self.app is None else self.http.client  # the test client, for raw calls
        self.username, self.password, self.timeout = username, password, timeout
        self.last: Any = None

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
            if pdf.status_code != 200 or not _body(pdf).startswith(b"%PDF"):
                raise FormError(f"betygskatalogen svarade {pdf.status_code}")
        return final

    # -- by scenario key: each answer as it came, the redirects not followed ------------------------
    def get(self, url: str, **kw):
        self.last = self.http.get(self._url(url), allow_redirects=False, timeout=self.timeout, **kw)
        return self.last

    def post(self, url: str, data, **kw):
        self.last = self.http.post(self._url(url), data=data, allow_redirects=False, timeout=self.timeout, **kw)
        return self.last

    def token(self, html: str | None = None) -> str:
        """The CSRF token of ``html`` (default: the latest answer)."""
        return self._csrf(html if html is not None else self.last.text)

    def sign_in(self, username: str, password: str | None = None):
        """The login form posted as ``username`` (password: the username unless given); the answer."""
        page = self.get("/login")
        return self.post(
            "/login", {"username": username, "password": password or username, "csrf_token": self.token(page.text)}
        )

    def open_group(self, key: str):
        return self.get(f"/betyg/grupp/{stable_id('group', key)}")

    def grading_form(self, key: str, grades: dict[str, str], locks=(), teachers=(), version=None, page=None) -> dict:
        """Form data for the grading view: grades/locks by student key, teachers by staff key."""
        html = (page or self.open_group(key)).text
        data = {
            "csrf_token": self.token(html),
            "version": version
            if version is not None
            else _string(lxml.html.fromstring(html), "string(//input[@name='version']/@value)"),
            "teacher": [stable_id("person", t) for t in teachers],
        }
        for student, value in grades.items():
            data[f"grade-{stable_id('person', student)}"] = value
        for student in locks:
            data[f"lock-{stable_id('person', student)}"] = "1"
        return data

    def post_grading(self, key: str, data: dict):
        """The grading view's Spara with ``data`` as given (the summary, or the refusal)."""
        return self.post(f"/betyg/grupp/{stable_id('group', key)}", data)

    def payload(self) -> str:
        return _string(lxml.html.fromstring(self.last.text), "string(//input[@name='payload']/@value)")

    def second_save(self, key: str, action: str = "spara"):
        """The summary's button ``action`` with the payload and token of the latest answer."""
        data = {"csrf_token": self.token(), "payload": self.payload(), "action": action}
        return self.post(f"/betyg/grupp/{stable_id('group', key)}/sammanfattning", data)

    def save_by_key(self, key: str, grades: dict[str, str], locks=(), teachers=()):
        """Both Spara clicks; the final answer."""
        first = self.post_grading(key, self.grading_form(key, grades, locks, teachers))
        assert first.status_code == 200, first.text
        return self.second_save(key)
