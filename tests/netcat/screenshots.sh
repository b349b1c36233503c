#!/bin/sh
# Screenshots of the module's admin tabs under the NetCat stand-in → docs/screenshots/admin-*.png
# (tests/netcat/screenshots.php does the work: demo data, php -S, headless Chromium).
# Needs: cargo build, MariaDB at 127.0.0.1 (root, no password; uses the test database),
# Chromium (Debian: apt-get install -y chromium). Downloads nothing.
#
#   tests/netcat/screenshots.sh [out dir]        PRIEM_SHOTS_KEEP=1 keeps the server up to look around
set -eu
cd "$(dirname "$0")/../.."
ext="${PRIEM_EXTENSION:-$PWD/target/debug/libpriem.so}"
out="${1:-$PWD/docs/screenshots}"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || echo chromium)}"
exec php -d extension="$ext" -d short_open_tag=On tests/netcat/screenshots.php "$out" "$chromium"
