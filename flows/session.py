"""A logged-in user of one system: the flows with retries and a fresh login on transient failures.

    pp = PingPong(page, "http://127.0.0.1:5001", "betygsadmin", "betygsadmin").login()
    pp.grade_group("SVESVE01 HT26 Kista A", {"19900602-2397": "A"})
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from flows import ber as ber_flows
from flows import pingpong as pp_flows
from flows.retry import with_retry


@dataclass
class PingPong:
    page: Page
    url: str = ""
    username: str = "betygsadmin"
    password: str = "betygsadmin"
    attempts: int = 3
    base_delay: float = 0.5

    @classmethod
    def from_env(cls, page: Page) -> "PingPong":
        return cls(page, os.environ.get("PINGPONG_URL", "http://127.0.0.1:5001"),
                   os.environ.get("PINGPONG_USER", "betygsadmin"), os.environ.get("PINGPONG_PASSWORD", "betygsadmin"))

    def _login(self) -> None:
        pp_flows.login(self.page, self.username, self.password, base_url=self.url)

    def _retry(self, action, what: str):
        return with_retry(action, recover=self._login, attempts=self.attempts, base_delay=self.base_delay, what=what)

    def login(self) -> "PingPong":
        with_retry(self._login, attempts=self.attempts, base_delay=self.base_delay, what="inloggning")
        return self

    def find_groups(self, **kwargs):
        return self._retry(lambda: pp_flows.find_groups(self.page, base_url=self.url, **kwargs), "sökning")

    def grade_group(self, group, grades, **kwargs):
        # Safe to repeat: grade_group skips what is already locked with the asked grade.
        return self._retry(lambda: pp_flows.grade_group(self.page, group, grades, base_url=self.url, **kwargs),
                           f"betyg {getattr(group, 'name', group)}")

    def download_catalogue(self, group, directory: Path | str = ".") -> Path:
        return self._retry(lambda: pp_flows.download_catalogue(self.page, group, directory, base_url=self.url),
                           "betygskatalog")

    def preview_catalogue(self, group) -> str:
        return self._retry(lambda: pp_flows.preview_catalogue(self.page, group, base_url=self.url), "förhandsgranska")


@dataclass
class Ber:
    page: Page
    url: str = ""
    username: str = "beradmin"
    password: str = "beradmin"
    attempts: int = 3
    base_delay: float = 0.5

    @classmethod
    def from_env(cls, page: Page) -> "Ber":
        return cls(page, os.environ.get("BER_URL", "http://127.0.0.1:5002"),
                   os.environ.get("BER_USER", "beradmin"), os.environ.get("BER_PASSWORD", "beradmin"))

    def _login(self) -> None:
        ber_flows.ber_login(self.page, self.username, self.password, base_url=self.url)

    def _retry(self, action, what: str):
        return with_retry(action, recover=self._login, attempts=self.attempts, base_delay=self.base_delay, what=what)

    def login(self) -> "Ber":
        with_retry(self._login, attempts=self.attempts, base_delay=self.base_delay, what="inloggning i BER")
        return self

    def link_grading_teacher(self, group: str, teacher: str) -> None:
        self._retry(lambda: ber_flows.link_grading_teacher(self.page, group, teacher, base_url=self.url),
                    "koppla lärare")

    def wait_until_visible(self, grades, **kwargs) -> int:
        return self._retry(lambda: ber_flows.wait_until_visible_in_ber(self.page, grades, base_url=self.url,
                                                                       **kwargs), "vänta på BER")
