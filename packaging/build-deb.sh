#!/usr/bin/env bash
# Builds the Debian package of breakglass from an existing build:
#   bash packaging/build-deb.sh BUILD OUTDIR
# BUILD holds the compiled program (BUILD/breakglass, made by `make`);
# OUTDIR receives breakglass_VERSION_ARCH.deb, whose path is printed last.
# Plain dpkg-deb: no debhelper needed, no root needed (--root-owner-group).
# Depends is computed by dpkg-shlibdeps from the libraries the program links.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: bash packaging/build-deb.sh BUILD OUTDIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$1
OUTDIR=$2
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PKG="$ROOT/packaging"
BIN="$BUILD/breakglass"

die() { echo "build-deb: $1" >&2; [ -n "${2:-}" ] && echo "hint: $2" >&2; exit 1; }

[ -x "$BIN" ] || die "cannot find program '$BIN'" "build it first: make BUILD=${BUILD#"$ROOT"/}"
for t in dpkg-deb dpkg-shlibdeps dpkg-architecture gzip strip; do
  command -v "$t" >/dev/null 2>&1 || die "cannot find '$t'" "install dpkg-dev and binutils (bash packaging/install-deps.sh)"
done
[ -f "$ROOT/docs/breakglass.1" ] || die "cannot find man page '$ROOT/docs/breakglass.1'"

# The Debian version comes from the changelog; its upstream part must be the
# version the program reports, so a release cannot ship a stale changelog.
VERSION=$(sed -n '1s/^breakglass (\([^)]*\)).*/\1/p' "$PKG/debian/changelog")
[ -n "$VERSION" ] || die "cannot read the version from '$PKG/debian/changelog'"
UPSTREAM=$(sed -n 's/^#define BG_VERSION "\(.*\)"$/\1/p' "$ROOT/tui/version.h")
[ "${VERSION%-*}" = "$UPSTREAM" ] ||
  die "changelog version '$VERSION' does not match program version '$UPSTREAM'" \
      "add an entry to packaging/debian/changelog"
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)

STAGE="$BUILD/deb/stage"
rm -rf "$BUILD/deb"
mkdir -p "$STAGE/DEBIAN" "$OUTDIR"
# Whatever the caller's umask: directories 0755, files 0644 unless set below.
umask 022

install -D -m 0755 "$BIN" "$STAGE/usr/bin/breakglass"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/breakglass"

install -d -m 0755 "$STAGE/usr/share/man/man1"
gzip -9n < "$ROOT/docs/breakglass.1" > "$STAGE/usr/share/man/man1/breakglass.1.gz"
install -D -m 0644 "$PKG/breakglass.bash-completion" "$STAGE/usr/share/bash-completion/completions/breakglass"
install -D -m 0644 "$PKG/config.yaml" "$STAGE/etc/breakglass/config.yaml"

DOC="$STAGE/usr/share/doc/breakglass"
install -D -m 0644 "$PKG/debian/copyright" "$DOC/copyright"
gzip -9n < "$PKG/debian/changelog" > "$DOC/changelog.Debian.gz"
# The incident runbook belongs on the node where the incident happens.
install -m 0644 "$ROOT/docs/runbook.md" "$DOC/runbook.md"
chmod 0644 "$STAGE/usr/share/man/man1/breakglass.1.gz" "$DOC/changelog.Debian.gz"

install -m 0644 "$PKG/debian/conffiles" "$STAGE/DEBIAN/conffiles"
install -m 0755 "$PKG/debian/postinst" "$STAGE/DEBIAN/postinst"
install -m 0755 "$PKG/debian/postrm" "$STAGE/DEBIAN/postrm"

# dpkg-shlibdeps wants a debian/control naming the package it works for.
SHL="$BUILD/deb/shlibdeps"
mkdir -p "$SHL/debian"
printf 'Source: breakglass\n\nPackage: breakglass\nArchitecture: any\n' > "$SHL/debian/control"
DEPENDS=$(cd "$SHL" && dpkg-shlibdeps -O "$STAGE/usr/bin/breakglass" 2>"$BUILD/deb/shlibdeps.log" |
          sed -n 's/^shlibs:Depends=//p') ||
  die "dpkg-shlibdeps failed: $(head -1 "$BUILD/deb/shlibdeps.log")"
[ -n "$DEPENDS" ] || die "dpkg-shlibdeps found no dependencies for '$BIN'"

SIZE=$(du -s -k --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@SIZE@|$SIZE|" -e "s|@DEPENDS@|$DEPENDS|" \
  "$PKG/debian/control.in" > "$STAGE/DEBIAN/control"

(cd "$STAGE" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print | sed 's|^\./||' |
  LC_ALL=C sort | xargs md5sum) > "$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/md5sums" "$STAGE/DEBIAN/control"

DEB="$OUTDIR/breakglass_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
