#!/usr/bin/env bash
# The Debian package: built by packaging/build-deb.sh from $BUILD, its
# contents and control fields, lintian (no errors), the man page (renders
# without warnings, names every command and global flag the program has),
# the bash completion (completes every command and every flag the program's
# --help lists), the commented default config, and the program run from the
# extracted package. As root, also a real dpkg -i / --version / dpkg -P.
source "$BG_ROOT/tests/lib/assert.sh"
_T_NAME=package
OUT_DIR="$BG_TMP/package-deb"
X="$BG_TMP/package-root"
rm -rf "$OUT_DIR" "$X"
INSTALLED=0
cleanup() {
  if [ "$INSTALLED" -eq 1 ]; then timeout 120 dpkg -P breakglass > /dev/null 2>&1; fi
}
trap cleanup EXIT

expect_exit "build-deb.sh builds the package" 0 bash "$BG_ROOT/packaging/build-deb.sh" "$BUILD" "$OUT_DIR"
DEB=$(echo "$OUT" | tail -1)
VERSION=$(sed -n 's/^#define BG_VERSION "\(.*\)"$/\1/p' "$BG_ROOT/tui/version.h")
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
expect_eq "package file name" "$OUT_DIR/breakglass_${VERSION}-1_${ARCH}.deb" "$DEB"
[ -f "$DEB" ] || { fail "no package built"; finish; exit 1; }

# ---- contents --------------------------------------------------------------
LIST=$(dpkg-deb -c "$DEB" | awk '{print $1, $2, $NF}')
has() { expect_contains "contains $2" "$LIST" "$1 root/root ./$2"; }
has -rwxr-xr-x usr/bin/breakglass
has -rw-r--r-- usr/share/man/man1/breakglass.1.gz
has -rw-r--r-- usr/share/bash-completion/completions/breakglass
has -rw-r--r-- etc/breakglass/config.yaml
has -rw-r--r-- usr/share/doc/breakglass/copyright
has -rw-r--r-- usr/share/doc/breakglass/changelog.Debian.gz
has -rw-r--r-- usr/share/doc/breakglass/runbook.md

CTRL=$(dpkg-deb -I "$DEB" control)
expect_contains "control: version" "$CTRL" "Version: ${VERSION}-1"
expect_contains "control: Depends from dpkg-shlibdeps names grpc" "$CTRL" "libgrpc"
expect_contains "control: Depends names libc" "$CTRL" "libc6 (>= "
expect_eq "conffiles: the config" "/etc/breakglass/config.yaml" "$(dpkg-deb -I "$DEB" conffiles)"
expect_contains "postinst makes the audit directory 0700" "$(dpkg-deb -I "$DEB" postinst)" \
  "install -d -m 0700 -o root -g root /var/log/breakglass"

dpkg-deb -x "$DEB" "$X"
# gzip -9n: no file name and no time stamp in the header (reproducible).
hdr=$(od -An -tx1 -N8 "$X/usr/share/man/man1/breakglass.1.gz" | tr -d ' \n')
expect_eq "man page gzip header: no name, no mtime" "1f8b080000000000" "$hdr"
expect_eq "man page is docs/breakglass.1" "$(cat "$BG_ROOT/docs/breakglass.1")" "$(zcat "$X/usr/share/man/man1/breakglass.1.gz")"
expect_eq "changelog is packaging/debian/changelog" "$(cat "$BG_ROOT/packaging/debian/changelog")" \
  "$(zcat "$X/usr/share/doc/breakglass/changelog.Debian.gz")"
expect_eq "the default config is entirely commented out" "" \
  "$(grep -v '^#' "$X/etc/breakglass/config.yaml" | grep -v '^[[:space:]]*$')"
# Uncommented, it is the documented format, key for key.
cfg=$(sed -n 's/^# \{0,1\}//p' "$X/etc/breakglass/config.yaml" | sed -n '/^default-cluster:/,$p')
for k in "default-cluster: main" "audit-log: /var/log/breakglass/audit.log" "clusters:" "  main:" \
         "    endpoints: [https://127.0.0.1:2379]" "    cacert: /etc/kubernetes/pki/etcd/ca.crt" \
         "    cert: /etc/kubernetes/pki/apiserver-etcd-client.crt" \
         "    key: /etc/kubernetes/pki/apiserver-etcd-client.key" "    prefix: /registry" \
         "    dial-timeout: 2s" "    command-timeout: 5s"; do
  expect_eq "config example line '$k'" "1" "$(echo "$cfg" | grep -cxF -- "$k")"
done

# The program reads both: the shipped file without a word, the uncommented
# example as the cluster it describes (its CA path is what it then fails on).
echo "$cfg" > "$BG_TMP/package-config-example.yaml"
expect_exit "the shipped config is read silently" 1 "$BG_BIN" --config "$X/etc/breakglass/config.yaml" \
  --endpoints https://127.0.0.1:1 --dial-timeout 300ms count /x
expect_not_contains "no warning about the shipped config" "$OUT" "warning"
if [ ! -e /etc/kubernetes/pki/etcd/ca.crt ]; then
  expect_exit "the uncommented example is a valid config" 1 "$BG_BIN" --config "$BG_TMP/package-config-example.yaml" \
    --cluster main --dial-timeout 300ms count /x
  expect_not_contains "no warning about the example" "$OUT" "warning"
  expect_contains "the example's cluster is used" "$OUT" "cannot read CA file '/etc/kubernetes/pki/etcd/ca.crt'"
fi

# ---- the program from the package -----------------------------------------
expect_exit "packaged binary: --version" 0 "$X/usr/bin/breakglass" --version
expect_eq "packaged binary: version" "breakglass version $VERSION" "$OUT"
expect_exit "packaged binary: --help" 0 "$X/usr/bin/breakglass" --help
expect_contains "packaged binary: usage" "$OUT" "usage: breakglass [global flags] <command> [args]"
HELP=$OUT
COMMANDS=$(echo "$HELP" | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 {print $1}')
GLOBALS=$(echo "$HELP" | sed -n '/^global flags/,/^$/p' | grep -oE -- '--[a-z][a-z-]*' | sort -u)
expect_eq "15 commands in --help" "15" "$(echo "$COMMANDS" | grep -c .)"

# ---- lintian ----------------------------------------------------------------
if command -v lintian > /dev/null 2>&1; then
  expect_exit "lintian: no errors" 0 lintian --fail-on error "$DEB"
  echo "lintian said:"; echo "$OUT" | grep -v 'root privileges' | sed 's/^/   /'
else
  echo "SKIPPED LOUDLY: lintian is not installed, the package was not linted (bash packaging/install-deps.sh installs it)"
fi

# ---- man page ---------------------------------------------------------------
MAN="$X/usr/share/man/man1/breakglass.1.gz"
expect_eq "man: groff renders without warnings" "" "$(zcat "$MAN" | groff -man -Tutf8 -ww -z 2>&1)"
TEXT=$(zcat "$MAN" | MANWIDTH=200 groff -man -Tutf8 -rLL=200n 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
for s in NAME SYNOPSIS DESCRIPTION COMMANDS "GLOBAL FLAGS" KEYS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
  expect_contains "man: section $s" "$TEXT" "$s"
done
for c in $COMMANDS; do expect_contains "man: command $c" "$TEXT" "$c"; done
for f in $GLOBALS; do expect_contains "man: global flag $f" "$TEXT" "$f"; done
for c in $COMMANDS; do
  for f in $("$X/usr/bin/breakglass" "$c" --help | sed -n '/^flags:/,/^$/p' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    expect_contains "man: $c flag $f" "$TEXT" "$f"
  done
done

# ---- bash completion ----------------------------------------------------------
# complete WORDS...: what the completion offers for the last word.
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
           _breakglass; printf "%s\n" "${COMPREPLY[@]}"' _ \
    "$X/usr/share/bash-completion/completions/breakglass" "$@" 2>/dev/null
}
got=$(complete_words breakglass "")
for c in $COMMANDS; do expect_eq "completion: command $c" "1" "$(echo "$got" | grep -cx -- "$c")"; done
got=$(complete_words breakglass --)
for f in $GLOBALS; do expect_eq "completion: global flag $f" "1" "$(echo "$got" | grep -cx -- "$f")"; done
for c in $COMMANDS; do
  got=$(complete_words breakglass "$c" --)
  for f in $("$X/usr/bin/breakglass" "$c" --help | sed -n '/^flags:/,/^$/p' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
    expect_eq "completion: $c flag $f" "1" "$(echo "$got" | grep -cx -- "$f")"
  done
done
expect_eq "completion: flags after global flags" "1" \
  "$(complete_words breakglass --cacert ca.crt rm --con | grep -cx -- --confirm-count)"
expect_eq "completion: top --group values" "key prefix resource namespace owner writer lease" \
  "$(complete_words breakglass top --group "" | tr '\n' ' ' | sed 's/ $//')"
mkdir -p "$BG_TMP/package-files" && : > "$BG_TMP/package-files/snap-one.db"
expect_eq "completion: snapshot save FILE completes files" "$BG_TMP/package-files/snap-one.db" \
  "$(complete_words breakglass snapshot save "$BG_TMP/package-files/snap")"
expect_eq "completion: --offline FILE completes files" "$BG_TMP/package-files/snap-one.db" \
  "$(complete_words breakglass --offline "$BG_TMP/package-files/snap")"
expect_eq "completion: offline commands" "1" "$(complete_words breakglass --offline x.db "" | grep -cx stats)"
expect_eq "completion: audit subcommands" "show verify restore" "$(complete_words breakglass audit "" | tr '\n' ' ' | sed 's/ $//')"

# ---- a real install, when we may ---------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v dpkg > /dev/null 2>&1; then
  if dpkg-query -W -f='${Status}' breakglass 2>/dev/null | grep -q 'install ok installed'; then
    echo "SKIPPED LOUDLY: a breakglass package is already installed on this machine; not replacing it"
  else
    expect_exit "dpkg -i" 0 timeout 120 dpkg -i "$DEB"
    INSTALLED=1
    expect_exit "installed: breakglass --version" 0 /usr/bin/breakglass --version
    expect_eq "installed: version" "breakglass version $VERSION" "$OUT"
    expect_eq "installed: audit directory 0700 root:root" "700 root:root" "$(stat -c '%a %U:%G' /var/log/breakglass)"
    expect_eq "installed: config is a conffile" "/etc/breakglass/config.yaml" \
      "$(dpkg-query -W -f='${Conffiles}' breakglass | awk 'NF {print $1}')"
    expect_exit "dpkg -P" 0 timeout 120 dpkg -P breakglass
    INSTALLED=0
    expect_eq "purged: the program is gone" "no" "$([ -e /usr/bin/breakglass ] && echo yes || echo no)"
    expect_eq "purged: the config is gone" "no" "$([ -e /etc/breakglass/config.yaml ] && echo yes || echo no)"
  fi
else
  echo "not root: dpkg -i not tried; the extracted package was run instead"
fi

finish
