#!/usr/bin/env bash
# Installs what is missing, and only that: the virtual environment from pyproject.toml, a
# Chromium for Playwright and qpdf for the catalogue's structural check (the fonts and the
# reference schemas travel inside the package).
# Works on a fresh machine, as root or not: Playwright's own browser where it can be downloaded,
# Debian's package (as root) where only the package registries (PyPI, Debian) are reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# -- Python environment --------------------------------------------------------------------
stamp="$VENV/.betyg-installed"
# Reinstall when pyproject.toml or the set of top-level packages changes (the editable install
# maps the packages it saw).
want=$( (cat pyproject.toml constraints.txt 2>/dev/null; ls -d */__init__.py 2>/dev/null) | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ]; then
  say "Skapar virtuell miljö i $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "Installerar beroenden från pyproject.toml"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  # constraints.txt: the versions CI and this checkout run (the package itself keeps ranges).
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]" -c constraints.txt
  echo "$want" > "$stamp"
fi

# -- A browser ------------------------------------------------------------------------------
# The package's own rule says whether one is there (PW_CONNECT_URL, CHROMIUM_BIN, Playwright's own
# Chromium wherever this platform keeps it, Debian's). If not: Playwright's own download, as every
# Playwright user gets one (with its system libraries when root); where that cannot download,
# Debian's package as root; otherwise one message with the three ways.
browser_ok() {
  "$VENV/bin/python" -c "from betyg_harness.flows.browser import find_browser; find_browser()" 2>/dev/null
}
need=()
if ! browser_ok; then
  say "Ingen Chromium: försöker Playwrights egen (python -m playwright install chromium)"
  deps=()
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && deps=(--with-deps)
  if ! "$VENV/bin/python" -m playwright install "${deps[@]}" chromium >/dev/null 2>&1 || ! browser_ok; then
    say "Playwrights nedladdning gick inte"
    need+=(chromium-headless-shell)
  fi
fi
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installerar Debian-paket: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    for pkg in "${need[@]}"; do
      case $pkg in
        chromium-headless-shell)
          "$VENV/bin/python" -c "from betyg_harness.flows.browser import NO_BROWSER_MESSAGE as m; print(m)" >&2
          exit 1 ;;
        qpdf) echo "Obs: qpdf saknas; PDF-kontrollen med qpdf --check hoppas över (apt-get install qpdf)." >&2 ;;
      esac
    done
  fi
fi
