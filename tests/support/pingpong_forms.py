"""A second Ping Pong user over plain HTTP: it logs in and saves through the very forms a browser
posts (CSRF token, group version, the summary's signed payload), so tests can make "someone else"
act at an exact moment — during our confirm, between our two Spara — without a second browser."""
from __future__ import annotations

from dataclasses import dataclass

import lxml.html
import requests


@dataclass
class GradingForm:
    group_id: str
    version: str
    csrf: str
    students: dict[str, str]   # personnummer as shown (YYYYMMDD-NNNN) → person id
    teachers: dict[str, str]   # full name → person id


class PingPongForms:
    def __init__(self, base_url: str, username: str = "betygsadmin", password: str = "betygsadmin",
                 timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.username, self.password, self.timeout = username, password, timeout

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @staticmethod
    def _csrf(html: str) -> str:
        return lxml.html.fromstring(html).xpath("string(//input[@name='csrf_token']/@value)")

    def login(self) -> "PingPongForms":
        page = self.http.get(self._url("/login"), timeout=self.timeout)
        answer = self.http.post(self._url("/login"), data={"csrf_token": self._csrf(page.text),
                                                           "username": self.username, "password": self.password},
                                timeout=self.timeout, allow_redirects=False)
        assert answer.status_code == 302, f"inloggningen misslyckades: {answer.status_code}"
        return self

    def group_id(self, name: str) -> str:
        page = self.http.get(self._url("/betyg/sok-grupp"), params={"q": name, "sok": "1"}, timeout=self.timeout)
        doc = lxml.html.fromstring(page.text)
        hrefs = [a.get("href") for a in doc.xpath("//a") if (a.text_content() or "").strip() == name]
        assert len(hrefs) == 1, f"{name}: {len(hrefs)} träffar"
        return hrefs[0].rstrip("/").rsplit("/", 1)[-1]

    def open(self, group_id: str) -> GradingForm:
        page = self.http.get(self._url(f"/betyg/grupp/{group_id}"), timeout=self.timeout)
        assert page.status_code == 200, page.status_code
        doc = lxml.html.fromstring(page.text)
        students = {}
        for row in doc.xpath("//table[caption='Elever']/tbody/tr"):
            radio = row.xpath(".//input[@type='radio']/@name")
            if radio:
                students[row.xpath("string(td[1])").strip()] = radio[0].removeprefix("grade-")
        teachers = {label.text_content().strip(): label.xpath("string(input/@value)")
                    for label in doc.xpath("//fieldset[legend='Betygssättande lärare']/label")}
        return GradingForm(group_id=group_id, version=doc.xpath("string(//input[@name='version']/@value)"),
                           csrf=self._csrf(page.text), students=students, teachers=teachers)

    def first_save(self, form: GradingForm, grades: dict[str, str], *, lock: bool,
                   teachers: list[str]) -> requests.Response:
        """The grading view's Spara: ``grades`` by shown personnummer; the summary (or the refusal)."""
        data = [("csrf_token", form.csrf), ("version", form.version)]
        for shown, value in grades.items():
            data.append((f"grade-{form.students[shown]}", value))
            if lock:
                data.append((f"lock-{form.students[shown]}", "1"))
        data += [("teacher", form.teachers[name]) for name in teachers]
        return self.http.post(self._url(f"/betyg/grupp/{form.group_id}"), data=data, timeout=self.timeout)

    def confirm(self, group_id: str, summary: requests.Response) -> requests.Response:
        """The summary's Spara, with the payload and token the summary page carries."""
        doc = lxml.html.fromstring(summary.text)
        data = {"csrf_token": doc.xpath("string(//input[@name='csrf_token']/@value)"),
                "payload": doc.xpath("string(//input[@name='payload']/@value)"), "action": "spara"}
        return self.http.post(self._url(f"/betyg/grupp/{group_id}/sammanfattning"), data=data,
                              timeout=self.timeout, allow_redirects=False)

    def save(self, group_name: str, grades: dict[str, str], *, lock: bool = False,
             teachers: list[str]) -> requests.Response:
        """Both Spara in one go: the summary's answer (302 when stored)."""
        form = self.open(self.group_id(group_name))
        summary = self.first_save(form, grades, lock=lock, teachers=teachers)
        assert summary.status_code == 200, summary.text[-2000:]
        return self.confirm(form.group_id, summary)
