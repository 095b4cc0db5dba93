#!/usr/bin/env bash
# The Debian packages the suite needs beyond Python: chromium for the browser tests (driven by
# Playwright, no browser download), poppler-utils to read PDFs back in tests, and the Pango /
# HarfBuzz libraries WeasyPrint loads. Install what is missing when we may (root with apt-get);
# otherwise say loudly what will be skipped.
set -u
missing=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || missing+=(libharfbuzz-subset0)
# nginx only for `nginx -t` of deploy/nginx/motcua.conf (tests/test_production_profile.py); not started.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages for the tests: ${missing[*]}"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
    exit 0
  fi
fi
cat >&2 <<MSG
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! Missing Debian packages: ${missing[*]}
!! Without chromium, BROWSER TESTS WILL BE SKIPPED; without poppler-utils, PDF text checks are skipped;
!! without nginx, the nginx configuration check (nginx -t) is skipped.
!! Install them with: sudo apt-get install ${missing[*]}
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
MSG
exit 0
