"""The screen as a tree of roles, accessible names and states, read in one round trip.

Two sources give the same :class:`Node` tree:

- :func:`read` — one ``page.evaluate`` of :data:`READER`, which walks the document's
  accessibility semantics (explicit ``role``, else the element's implicit role; the name from
  ``aria-labelledby``, ``aria-label``, the control's label, a table's caption, a fieldset's legend
  or the content). It is what the Ping Pong page objects read the grading view, the summary and
  the search results with: no Playwright injected script in the page's main world and no YAML, so
  a 30-student grading view reads in a few milliseconds instead of ~50 (200 students: ~40 ms
  instead of ~1 s). ``tests/e2e/test_flows_reader.py`` checks that both sources give the same
  screens.
- :func:`parse` — Playwright's ``locator.aria_snapshot()`` (YAML), used by the BER page objects.

Both are built from roles and accessible names only, so they keep the contract "select by role
and name".
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


# The walk, in the page: [role, name, attrs, children] per element with a role, a string per text;
# elements without a role (div, span, label) pass their children up. Hidden elements (display:
# none, visibility: hidden, aria-hidden, a closed <details>) are left out, visually hidden ones
# ("sr-only") kept, as in the accessibility tree. Returned as one JSON string: Playwright's
# serialisation of a nested result costs ~10x more on the Python side.
_LIB = r"""
  const HEADINGS = {H1: 1, H2: 2, H3: 3, H4: 4, H5: 5, H6: 6};
  const INPUTS = {radio: 'radio', checkbox: 'checkbox', submit: 'button', button: 'button', reset: 'button',
                  image: 'button', search: 'searchbox', number: 'spinbutton', range: 'slider', hidden: 'none'};
  const FROM_CONTENT = new Set(['button', 'cell', 'checkbox', 'columnheader', 'gridcell', 'heading', 'link',
                                'menuitem', 'option', 'radio', 'row', 'rowheader', 'switch', 'tab', 'tooltip', 'treeitem']);
  const LANDMARK_PARENTS = 'article,aside,main,nav,section';
  const squash = t => t.replace(/\s+/g, ' ').trim();
  const named = el => el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby');
  function role(el) {
    const explicit = (el.getAttribute('role') || '').trim().split(/\s+/)[0];
    if (explicit) return explicit;
    const tag = el.tagName;
    if (tag in HEADINGS) return 'heading';
    switch (tag) {
      case 'A': case 'AREA': return el.hasAttribute('href') ? 'link' : null;
      case 'BUTTON': return 'button';
      case 'INPUT': return INPUTS[(el.getAttribute('type') || 'text').toLowerCase()] || 'textbox';
      case 'SELECT': return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
      case 'OPTION': return 'option';
      case 'TEXTAREA': return 'textbox';
      case 'TABLE': return 'table';
      case 'CAPTION': return 'caption';
      case 'THEAD': case 'TBODY': case 'TFOOT': return 'rowgroup';
      case 'TR': return 'row';
      case 'TD': return 'cell';
      case 'TH': return el.getAttribute('scope') === 'row' ? 'rowheader' : 'columnheader';
      case 'UL': case 'OL': case 'MENU': return 'list';
      case 'LI': return 'listitem';
      case 'NAV': return 'navigation';
      case 'MAIN': return 'main';
      case 'ASIDE': return 'complementary';
      case 'ARTICLE': return 'article';
      case 'HEADER': return el.closest(LANDMARK_PARENTS) ? null : 'banner';
      case 'FOOTER': return el.closest(LANDMARK_PARENTS) ? null : 'contentinfo';
      case 'SECTION': return named(el) ? 'region' : null;
      case 'FORM': return named(el) ? 'form' : null;
      case 'FIELDSET': case 'DETAILS': return 'group';
      case 'DIALOG': return 'dialog';
      case 'DT': return 'term';
      case 'DD': return 'definition';
      case 'P': return 'paragraph';
      case 'STRONG': case 'B': return 'strong';
      case 'EM': case 'I': return 'emphasis';
      case 'HR': return 'separator';
      case 'IMG': return el.getAttribute('alt') === '' ? null : 'img';
    }
    return null;
  }
  function hidden(el) {
    if (el.hidden || el.getAttribute('aria-hidden') === 'true') return true;
    if (el.tagName === 'OPTION' || el.tagName === 'OPTGROUP') return false;  // no box of their own
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) {
      return getComputedStyle(el).display !== 'contents';
    }
    return false;
  }
  function content(node, skip) {
    // The text a name from content is made of: text, and each element's own name where it has one.
    let out = '';
    for (const child of node.childNodes) {
      if (child.nodeType === 3) { out += child.data; continue; }
      if (child.nodeType !== 1 || child === skip || hidden(child)) continue;
      const label = child.getAttribute('aria-label');
      if (label && label.trim()) { out += ' ' + label + ' '; continue; }
      if (child.tagName === 'INPUT') {
        const type = (child.getAttribute('type') || 'text').toLowerCase();
        if (!['radio', 'checkbox', 'hidden', 'submit', 'button', 'image', 'reset'].includes(type)) out += ' ' + child.value + ' ';
        else if (['submit', 'button', 'reset'].includes(type)) out += ' ' + child.value + ' ';
        continue;
      }
      if (child.tagName === 'SELECT') { out += ' ' + ((child.selectedOptions[0] || {}).textContent || '') + ' '; continue; }
      const block = !['SPAN', 'STRONG', 'B', 'EM', 'I', 'A', 'LABEL', 'ABBR', 'CODE', 'SMALL', 'SUB', 'SUP'].includes(child.tagName);
      out += block ? ' ' + content(child) + ' ' : content(child);
    }
    return out;
  }
  function byIds(ids) {
    return squash(ids.split(/\s+/).map(id => document.getElementById(id)).filter(Boolean)
      .map(e => e.getAttribute('aria-label') || content(e)).join(' '));
  }
  function name(el, r) {
    const by = el.getAttribute('aria-labelledby');
    if (by) { const n = byIds(by); if (n) return n; }
    const label = el.getAttribute('aria-label');
    if (label && label.trim()) return squash(label);
    if (el.labels && el.labels.length) {
      const n = squash([...el.labels].map(l => content(l, el)).join(' '));
      if (n) return n;
    }
    if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes((el.type || ''))) return squash(el.value || '');
    if (el.tagName === 'TABLE' && el.caption) return squash(content(el.caption));
    if (el.tagName === 'FIELDSET') { const legend = el.querySelector(':scope > legend'); if (legend) return squash(content(legend)); }
    if (el.tagName === 'IMG') return squash(el.getAttribute('alt') || '');
    if (FROM_CONTENT.has(r)) { const n = squash(content(el)); if (n) return n; }
    return squash(el.getAttribute('title') || '');
  }
  function states(el, r) {
    const a = {};
    if (r === 'heading') a.level = String(el.getAttribute('aria-level') || HEADINGS[el.tagName] || 2);
    if (r === 'radio' || r === 'checkbox' || r === 'switch') {
      const aria = el.getAttribute('aria-checked');
      if (el.tagName === 'INPUT' ? el.checked : aria === 'true') a.checked = true;
      else if (aria === 'mixed' || el.indeterminate) a.checked = 'mixed';
    }
    if (r === 'option' && (el.selected || el.getAttribute('aria-selected') === 'true')) a.selected = true;
    if ((el.matches && el.matches(':disabled')) || el.getAttribute('aria-disabled') === 'true') a.disabled = true;
    if (el.getAttribute('aria-invalid') === 'true') a.invalid = true;
    // What is said about an invalid control, or about a fieldset of choices (a message on the group).
    const by = el.getAttribute('aria-describedby');
    if (by && (a.invalid || r === 'group')) a.description = byIds(by);
    if (el.hasAttribute('aria-expanded')) a.expanded = el.getAttribute('aria-expanded') === 'true';
    if (r === 'group' && el.tagName === 'DETAILS') a.expanded = el.open;
    return a;
  }
"""

_WALK = r"""  function walk(node, out) {
    for (const child of node.childNodes) {
      if (child.nodeType === 3) {
        const t = squash(child.data);
        if (t) out.push(t);
        continue;
      }
      if (child.nodeType !== 1 || hidden(child)) continue;
      const tag = child.tagName;
      if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'TEMPLATE' || tag === 'NOSCRIPT') continue;
      const r = role(child);
      if (!r || r === 'none' || r === 'presentation' || r === 'generic') {
        if (tag === 'SELECT' || tag === 'TEXTAREA') continue;
        walk(child, out);
        continue;
      }
      const kids = [];
      if (tag === 'DETAILS' && !child.open) {
        const summary = child.querySelector(':scope > summary');
        if (summary) walk(summary, kids);
      } else if (tag !== 'INPUT' && tag !== 'TEXTAREA') {
        walk(child, kids);
      }
      const n = name(child, r);
      const node = [r, n, states(child, r), kids.length === 1 && kids[0] === n ? [] : kids];
      if (r === 'link') node[2].url = child.getAttribute('href') || '';
      out.push(node);
    }
    return out;
  }
"""

READER = "() => {" + _LIB + _WALK + "  return JSON.stringify(walk(document.body, []));\n}"

# Polls (in the page, on animation frames) for the first of several (role, name) pairs to show;
# the index of the one that did. The same role and name rules as READER.
FIRST_SHOWN = (
    "(wanted) => {"
    + _LIB
    + r"""
  for (let i = 0; i < wanted.length; i++) {
    const [r, n] = wanted[i];
    for (const el of document.body ? document.body.querySelectorAll('*') : []) {
      if (role(el) === r && (n === null || name(el, r) === n) && !hidden(el)) return i + 1;
    }
  }
  return 0;
}"""
)


def _from_walk(item) -> Node:
    if isinstance(item, str):
        return Node(role="text", text=item)
    role, name, attrs, children = item
    node = Node(
        role=role,
        name=name,
        attrs={k: v for k, v in attrs.items() if k != "url"},
        children=[_from_walk(c) for c in children],
    )
    if "url" in attrs:
        node.children.insert(0, Node(role="prop", name="url", text=attrs["url"]))
    return node


def first_shown(page, wanted: list[tuple[str, str | None]], *, timeout: float) -> int:
    """Wait (at most ``timeout`` ms) until an element of one of the ``(role, name)`` pairs shows
    (name None: any name); its index in ``wanted``, the earliest pair winning when several show.
    Polls in the page's main world, where :func:`read` and the page objects' click events run too,
    so a document gets Playwright's injected script once."""
    handle = page.wait_for_function(FIRST_SHOWN, arg=[list(w) for w in wanted], timeout=timeout)
    return int(handle.json_value()) - 1


def shown_now(page, wanted: list[tuple[str, str | None]]) -> int:
    """As :func:`first_shown`, looking once: the index of the first pair shown, -1 when none is."""
    return int(page.evaluate(FIRST_SHOWN, [list(w) for w in wanted])) - 1


def read(page) -> Node:
    """The page's body as a tree, read by :data:`READER` in one ``page.evaluate``."""
    root = Node(role="root")
    root.children = [_from_walk(item) for item in json.loads(page.evaluate(READER))]
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
