#!/usr/bin/env bash
# Installs what is missing, and only that: the virtual environment from pyproject.toml, a
# Chromium for Playwright and qpdf for the catalogue's structural check (the fonts and the
# reference schemas travel inside the package).
# Works on a fresh machine that reaches only the package registries (PyPI, Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# -- Python environment --------------------------------------------------------------------
stamp="$VENV/.betyg-installed"
# Reinstall when pyproject.toml or the set of top-level packages changes (the editable install
# maps the packages it saw).
want=$( (cat pyproject.toml; ls -d */__init__.py 2>/dev/null) | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ]; then
  say "Skapar virtuell miljö i $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "Installerar beroenden från pyproject.toml"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]"
  echo "$want" > "$stamp"
fi

# -- System packages (Debian) --------------------------------------------------------------
need=()
browser_ok() {
  [ -n "${PW_CONNECT_URL:-}" ] && return 0
  [ -n "${CHROMIUM_BIN:-}" ] && [ -x "${CHROMIUM_BIN}" ] && return 0
  ls "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium*/* >/dev/null 2>&1 && return 0
  [ -x /usr/lib/chromium/chromium-headless-shell ] || [ -x /usr/lib/chromium/chromium ]
}
browser_ok || need+=(chromium-headless-shell)
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
          echo "Ingen Chromium hittades. Kör som root: apt-get install chromium-headless-shell" \
               "(eller chromium för synliga fönster), sätt CHROMIUM_BIN, eller PW_CONNECT_URL till en" \
               "Playwright-webbläsarserver." >&2
          exit 1 ;;
        qpdf) echo "Obs: qpdf saknas; PDF-kontrollen med qpdf --check hoppas över (apt-get install qpdf)." >&2 ;;
      esac
    done
  fi
fi
