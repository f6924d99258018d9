"""Reading Playwright's ARIA snapshots (roles, accessible names, states) as a tree.

The page objects read tables in one round trip with ``locator.aria_snapshot()`` — it is built
from roles and accessible names only, so it keeps the contract "select by role and name".
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster on big tables
_HEAD = re.compile(r'^(?P<role>[a-z]+)(?:\s+(?P<name>"(?:[^"\\]|\\.)*"))?(?P<attrs>(?:\s*\[[^\]]*\])*)\s*$')
_ATTR = re.compile(r"\[([^\]=]+)(?:=([^\]]*))?\]")


@dataclass
class Node:
    role: str
    name: str = ""
    attrs: dict[str, str | bool] = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)
    text: str = ""  # a text node's content (role "text")

    @property
    def checked(self) -> bool:
        return self.attrs.get("checked") in (True, "true")

    @property
    def disabled(self) -> bool:
        return bool(self.attrs.get("disabled"))

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def find_all(self, role: str, name: str | None = None) -> list["Node"]:
        return [n for n in self.walk() if n.role == role and (name is None or n.name == name)]

    def find(self, role: str, name: str | None = None) -> "Node | None":
        found = self.find_all(role, name)
        return found[0] if found else None

    def prop(self, name: str) -> str | None:
        """A property child such as ``/url`` of a link."""
        for child in self.children:
            if child.role == "prop" and child.name == name:
                return child.text
        return None

    def all_text(self) -> str:
        """The name or text of this node and everything below it, space-joined."""
        parts = [p for n in self.walk() if n.role != "prop" for p in (n.name, n.text) if p]
        return " ".join(parts)


def _parse_head(head: str) -> Node:
    match = _HEAD.match(head.strip())
    if not match:
        return Node(role="unknown", name=head)
    name = json.loads(match["name"]) if match["name"] else ""
    attrs = {k: (v if v is not None else True) for k, v in _ATTR.findall(match["attrs"] or "")}
    attrs = {k: (True if v == "" else v) for k, v in attrs.items()}
    return Node(role=match["role"], name=name, attrs=attrs)


def _build(item) -> list[Node]:
    if isinstance(item, str):
        return [_parse_head(item)]
    if isinstance(item, dict):
        nodes = []
        for key, value in item.items():
            key = str(key)
            if key == "text":
                nodes.append(Node(role="text", text=str(value)))
                continue
            if key.startswith("/"):  # a property such as /url: kept as a "prop" node
                nodes.append(Node(role="prop", name=key[1:], text=str(value)))
                continue
            node = _parse_head(key)
            if isinstance(value, list):
                for child in value:
                    node.children.extend(_build(child))
            elif value is not None:
                node.children.append(Node(role="text", text=str(value)))
            nodes.append(node)
        return nodes
    return []


def parse(snapshot: str) -> Node:
    """A root node holding the snapshot's top-level nodes as children."""
    data = yaml.load(snapshot, Loader=_Loader) or []
    root = Node(role="root")
    for item in data if isinstance(data, list) else [data]:
        root.children.extend(_build(item))
    return root


def table_rows(table: Node) -> tuple[list[str], list[list[Node]]]:
    """(column headers, data rows as lists of cell nodes) of a parsed table."""
    headers: list[str] = []
    rows: list[list[Node]] = []
    for row in table.find_all("row"):
        heads = [c for c in row.children if c.role in ("columnheader",)]
        cells = [c for c in row.children if c.role in ("cell", "gridcell", "rowheader")]
        if heads and not cells:
            headers = [h.name for h in heads]
        elif cells:
            rows.append(cells)
    return headers, rows
