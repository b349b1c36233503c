#!/usr/bin/env bash
# Builds the NetCat module package: build/priem-netcat-<version>.tgz, the archive that
# "Инструменты → Установка модуля" accepts (id.txt, install.php … at the archive root, the module
# tree under netcat/modules/priem/). First builds the booking widget into the package
# (netcat/modules/priem/widget/: priem.js minified with its styles inside, priem.js.gz, assets.php;
# generated, not in git) from netcat-module/widget/ with esbuild (npm, installed into
# netcat-module/widget/node_modules/). Then checks that files.txt lists exactly the netcat/ tree (no
# blank lines: the installer stops copying at the first one) and that every PHP file parses.
# The tests and the demo copy the module from priem/ after this has run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$here/priem"
out="$here/build"

version="$(sed -n "s/^ *const EXTENSION_VERSION = '\([^']*\)';/\1/p" "$pkg/netcat/modules/priem/classes/nc_priem.class.php")"
[ -n "$version" ] || { echo "build.sh: EXTENSION_VERSION not found" >&2; exit 1; }

for f in id.txt sql.txt sql_int.txt files.txt parameters.txt index.php install.php function.inc.php \
         en.lang.php ru.lang.php message.txt message_int.txt; do
  [ -r "$pkg/$f" ] || { echo "build.sh: $f is missing (the installer requires it)" >&2; exit 1; }
done

widget="$here/widget"
command -v node >/dev/null || { echo "build.sh: node is not installed (the widget is built with esbuild)" >&2; exit 1; }
if [ ! -x "$widget/node_modules/.bin/esbuild" ] || [ "$widget/package-lock.json" -nt "$widget/node_modules/.package-lock.json" ]; then
  npm ci --silent --no-audit --no-fund --prefix "$widget" >/dev/null
fi
node "$widget/build.mjs" "$pkg/netcat/modules/priem/widget" >&2

if grep -n '^[[:space:]]*$' "$pkg/files.txt"; then
  echo "build.sh: files.txt has a blank line" >&2; exit 1
fi
if ! diff -u <(cd "$pkg" && find netcat -type f | LC_ALL=C sort | sed 's|^|/|') <(LC_ALL=C sort "$pkg/files.txt"); then
  echo "build.sh: files.txt does not list exactly the netcat/ tree (regenerate: cd priem && find netcat -type f | LC_ALL=C sort | sed 's|^|/|' > files.txt)" >&2
  exit 1
fi

while IFS= read -r -d '' f; do
  php -l "$f" >/dev/null || { echo "build.sh: $f does not parse" >&2; exit 1; }
done < <(find "$pkg" -name '*.php' -print0)

mkdir -p "$out"
archive="$out/priem-netcat-$version.tgz"
# entries without a leading ./ or a top folder: NetCat unpacks into netcat/tmp/ and requires install.php there.
# Real mtimes on purpose: with a fixed one, opcache (validate_timestamps) would keep running the
# previous package's install.php and classes from the same netcat/tmp/ paths.
(cd "$pkg" && LC_ALL=C tar --sort=name --owner=0 --group=0 --numeric-owner \
  -czf "$archive" $(LC_ALL=C ls -A))
echo "$archive"
