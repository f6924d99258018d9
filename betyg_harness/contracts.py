"""Contract checkers: Ping Pong's grade XML against ``betyg.xsd``, BER's JSON against SS 12000 v2.1.

Both read the official reference files through ``betyg_harness.reference`` (never a copied schema),
load them once per process, and raise ``ContractError`` (an ``AssertionError``, so pytest shows
it as a plain failure) listing every error found, not only the first.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

import xmlschema
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from betyg_harness import reference

BETYG_NS = "http://pingpong.se/schemas/grades/v1.1"
SS12000_URI = "urn:ss12000:v2.1"
BRACED_GUID = re.compile(r"^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$")
MAX_LISTED = 50


class ContractError(AssertionError, ValueError):
    """A document breaks a contract; ``errors`` holds one line per problem."""

    def __init__(self, what: str, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_LISTED]
        more = f"\n  ... and {len(errors) - MAX_LISTED} more" if len(errors) > MAX_LISTED else ""
        super().__init__(f"{what}: {len(errors)} error(s)\n  " + "\n  ".join(shown) + more)


# -- Ping Pong grade API (betyg.xsd) ------------------------------------------------------------
@lru_cache(maxsize=1)
def betyg_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(reference.betyg_xsd()))


def _xml_bytes(xml: bytes | str) -> bytes:
    # As bytes, the parser honours the XML declaration's encoding; a str may carry a
    # declaration ("encoding=UTF-8") that lxml and ElementTree refuse for text input.
    return xml.encode("utf-8") if isinstance(xml, str) else xml


def validate_betyg_xml(xml: bytes | str) -> None:
    """Check a grade-API answer against the official XSD; raise ``ContractError`` listing errors."""
    try:
        resource = xmlschema.XMLResource(_xml_bytes(xml))
    except Exception as exc:  # not well-formed: ElementTree.ParseError, lxml errors, ...
        raise ContractError("Grade XML is not well-formed", [str(exc)]) from exc
    errors = [f"{e.path or '/'}: {e.reason}" for e in betyg_schema().iter_errors(resource)]
    if errors:
        raise ContractError("Grade XML does not validate against betyg.xsd", errors)


def betyg_records(xml: bytes | str) -> list[dict]:
    """The ``kursbetyg``/``ämnesbetyg`` of a (valid) answer as flat dicts, for comparisons.

    Keys: ``elev``, ``kind`` ("kursbetyg"/"ämnesbetyg"), ``value``, ``datum``, ``prövning``,
    ``betygsgrupp`` (or None), ``skola``, ``roll``, ``beslutsfattare`` (list), ``skolform``,
    ``kurskod``/``omdöme`` (kursbetyg), ``ämnesförkortning`` (ämnesbetyg).
    """
    validate_betyg_xml(xml)
    root = xmlschema.XMLResource(_xml_bytes(xml)).root
    q = f"{{{BETYG_NS}}}"
    records = []
    for elev in root.iter(f"{q}elev"):
        for grade in elev:
            kind = grade.tag.removeprefix(q)
            if kind not in ("kursbetyg", "ämnesbetyg"):
                continue
            beslut = grade.find(f"{q}beslutsfattare")
            assert beslut is not None  # required by betyg.xsd, which the document was validated against
            record: dict[str, Any] = {
                "elev": elev.get("id"),
                "kind": kind,
                "roll": beslut.get("roll"),
                "beslutsfattare": [p.text for p in beslut.findall(f"{q}person")],
                "betygsgrupp": None,
            }
            for child in grade:
                name = child.tag.removeprefix(q)
                if name in ("beslutsfattare", "termin"):
                    continue
                text = (child.text or "").strip()
                record[name] = text == "true" if name in ("prövning", "omdöme", "slutbetyg") else text
            records.append(record)
    return records


def check_betyg_contract(xml: bytes | str, *, skolform: str = "VUX") -> None:
    """The XSD plus docs/contracts.md: GUIDs in braces for ``elev/@id``, ``skola``, ``betygsgrupp``
    and each decision maker; ``beslutsfattare roll="LÄRARE"`` with at least one person;
    ``skolform`` as given; ``prövning`` and ``omdöme`` false; only ``kursbetyg``."""
    errors = []
    for n, r in enumerate(betyg_records(xml), 1):
        errors += _betyg_errors(n, r, skolform)
    if errors:
        raise ContractError("Grade XML breaks docs/contracts.md", errors)


def _betyg_errors(n: int, r: dict, skolform: str) -> list[str]:
    """What grade ``n`` (a record of :func:`betyg_records`) breaks of the contract."""
    where = f"grade {n} (elev {r['elev']}, {r.get('kurskod') or r.get('ämnesförkortning')})"
    errors = []
    if r["kind"] != "kursbetyg":
        errors.append(f"{where}: {r['kind']} is not used for komvux, expected kursbetyg")
    for field in ("elev", "skola", "betygsgrupp"):
        if not BRACED_GUID.match(r.get(field) or ""):
            errors.append(f"{where}: {field} {r.get(field)!r} is not a GUID in braces")
    if r["roll"] != "LÄRARE" or not r["beslutsfattare"]:
        errors.append(f"{where}: beslutsfattare must be roll LÄRARE with at least one person")
    errors += [
        f"{where}: beslutsfattare person {p!r} is not a GUID in braces"
        for p in r["beslutsfattare"]
        if not BRACED_GUID.match(p or "")
    ]
    if r["skolform"] != skolform:
        errors.append(f"{where}: skolform {r['skolform']!r}, expected {skolform!r}")
    for flag in ("prövning", "omdöme"):
        if r.get(flag) is not False:
            errors.append(f"{where}: {flag} must be false")
    return errors


# -- SS 12000 v2.1 (OpenAPI 3.0 YAML) ------------------------------------------------------------
class _NoDatesLoader(yaml.SafeLoader):
    """YAML without the timestamp rule: ``2000-01-23`` stays a string, as in JSON."""


_NoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@lru_cache(maxsize=1)
def ss12000_spec() -> dict:
    """The official OpenAPI document, parsed once, with the known defect worked around."""
    with open(reference.ss12000_openapi(), encoding="utf-8") as f:
        spec = yaml.load(f, Loader=_NoDatesLoader)
    if not str(spec.get("openapi", "")).startswith("3.0"):
        raise RuntimeError(f"Expected an OpenAPI 3.0 document, got openapi: {spec.get('openapi')!r}")
    spec = copy.deepcopy(spec)
    # Known defect in SS 12000 v2.1: Grade lists "schoolUnit" as required but defines no such
    # property; the school unit is the "organisation" property (Grade_organisation, "Skolenheten
    # där undervisningen genomförts"). Requiring "schoolUnit" would fail every correct Grade, and
    # dropping it would lose the requirement, so we require "organisation" in its place. Every
    # other requirement of the file is kept as written.
    grade = spec["components"]["schemas"]["Grade"]
    grade["required"] = ["organisation" if r == "schoolUnit" else r for r in grade["required"]]
    return spec


def _format_checker() -> FormatChecker:
    # The OAS 3.0 checker only knows int32/float/byte...; jsonschema's own checkers add
    # uuid, date and date-time (RFC 3339, through rfc3339-validator) and email.
    checker = FormatChecker(formats=())
    checker.checkers.update(oas30_format_checker.checkers)
    draft = Draft202012Validator.FORMAT_CHECKER.checkers
    for name in ("uuid", "date", "date-time", "email"):
        if name in draft:
            checker.checkers[name] = draft[name]
    if "date-time" not in checker.checkers:
        raise RuntimeError("date-time format checks need the rfc3339-validator package")
    return checker


@lru_cache(maxsize=1)
def _registry() -> Registry:
    return Registry().with_resource(SS12000_URI, DRAFT4.create_resource(ss12000_spec()))


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """List-wrapper names by path, e.g. "Groups" → "GroupsExpanded" (what ``GET /groups``
    returns), for collections whose answer schema has another name in the file."""
    schemas = ss12000_spec()["components"]["schemas"]
    aliases = {}
    for path in ss12000_spec()["paths"]:
        if path.count("/") == 1:
            name = ss12000_schema_for(path)
            alias = path[1].upper() + path[2:]
            if name and alias not in schemas:
                aliases[alias] = name
    return aliases


def ss12000_schema_names() -> list[str]:
    """Every name ``validate_ss12000`` accepts: the file's component schemas plus aliases."""
    return sorted(set(ss12000_spec()["components"]["schemas"]) | set(_aliases()))


def _resolve_name(schema_name: str) -> str:
    if schema_name in ss12000_spec()["components"]["schemas"]:
        return schema_name
    if schema_name in _aliases():
        return _aliases()[schema_name]
    raise KeyError(f"No SS 12000 schema {schema_name!r}; e.g. {', '.join(ss12000_schema_names()[:8])}, ...")


@lru_cache(maxsize=None)
def _validator(name: str) -> OAS30ReadValidator:
    # A response is read, so readOnly properties (Meta, ...) are allowed and required.
    return OAS30ReadValidator(
        {"$ref": f"{SS12000_URI}#/components/schemas/{name}"}, registry=_registry(), format_checker=_format_checker()
    )


def _describe(error) -> str:
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message} [{error.validator}]"


def ss12000_errors(instance: Any, schema_name: str) -> list[str]:
    """Every error of ``instance`` against the named SS 12000 component schema ([] if valid)."""
    validator = _validator(_resolve_name(schema_name))
    errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    return [_describe(e) for e in errors]


def validate_ss12000(instance: Any, schema_name: str) -> None:
    """Check a JSON value against a component schema of the official SS 12000 v2.1 YAML
    ("Group", "Activity", "Person", "Error", list wrappers "Groups"/"GroupsExpanded", ...)."""
    errors = ss12000_errors(instance, schema_name)
    if errors:
        raise ContractError(f"SS 12000 {schema_name} does not validate", errors)


def _strip_path(path: str) -> str:
    path = path.split("?", 1)[0].rstrip("/")
    if "/ss12000/" in path:  # "/ss12000/v2.1/groups" → "/groups"
        path = "/" + path.split("/ss12000/", 1)[1].split("/", 1)[-1]
    return path


def ss12000_schema_for(path: str, status: int = 200) -> str | None:
    """The schema name of the answer to ``GET path``: "/groups" → "GroupsExpanded",
    "/groups/<id>" → "GroupExpanded"; "Error" for status ≥ 400; None if the path is unknown.
    Accepts full paths ("/ss12000/v2.1/groups?limit=2") and concrete ids."""
    if status >= 400:
        return "Error"
    path = _strip_path(path)
    paths = ss12000_spec()["paths"]
    template = path if path in paths else None
    if template is None:
        parts = path.strip("/").split("/")
        for candidate in paths:
            cparts = candidate.strip("/").split("/")
            if len(cparts) == len(parts) and all(c == p or c.startswith("{") for c, p in zip(cparts, parts)):
                template = candidate
                break
    if template is None or "get" not in paths[template]:
        return None
    content = paths[template]["get"]["responses"].get("200", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] or None


def ss12000_list_schema_for(path: str) -> str:
    """ "/groups" → "GroupsExpanded" (the list answer's schema); KeyError if unknown."""
    name = ss12000_schema_for(path)
    if name is None:
        raise KeyError(f"No SS 12000 GET {path}")
    return name


def validate_ss12000_response(path: str, status: int, body: Any) -> None:
    """Check one answer of BER's SS 12000 API by its path and status code."""
    name = ss12000_schema_for(path, status)
    if name is None:
        raise ContractError(f"SS 12000 GET {path}", [f"{path}: not a path of the SS 12000 v2.1 file"])
    validate_ss12000(body, name)
