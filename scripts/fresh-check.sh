#!/bin/sh
# scripts/fresh-check.sh — proves the README's two commands on a fresh Debian
# machine (make fresh-check). It builds a Debian minbase root with debootstrap
# (the mirror and suite are read from this machine's own apt sources), installs
# only git, make and ca-certificates in it, clones this repository into it and
# runs `make shell` (a line piped in) and `make test` inside it, with proc,
# sys, dev, dev/pts, dev/shm and tmp mounted. Everything is unmounted and the
# root removed on exit, whatever happened. Needs root (chroot, mount).
#   FRESH_ROOT   where to build the root (default: a new directory in /var/tmp)
#   FRESH_KEEP=1 keep the root afterwards (for a look inside)
#   BACKENDS     passed to the inner `make test` (default: all three)
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
log() { echo "fresh-check: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { log "needs root (debootstrap, chroot, mount)"; exit 2; }

# --- the machine's own Debian mirror and suite ---
sources=$(for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && cat "$f"; done; true)
mirror=$(printf '%s\n' "$sources" | awk '
    /^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/ && $i ~ /debian/) { print $i; exit } }
    /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { if ($i !~ /security/ && $i ~ /debian/) { print $i; exit } break } }')
security=$(printf '%s\n' "$sources" | awk '
    /^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /debian-security/) { print $i; exit } }
    /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /debian-security/) { print $i; exit } }')
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt/sources.list{,.d}"; exit 1; }
[ -n "$suite" ] || { log "no VERSION_CODENAME in /etc/os-release"; exit 1; }
log "mirror $mirror, suite $suite"

command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
}

ROOT=${FRESH_ROOT:-$(mktemp -d /var/tmp/ormsh-fresh.XXXXXX)}
chmod 755 "$ROOT" # it becomes /: the postgres and mysql users must traverse it
mounted=""
cleanup() {
    rc=$?
    # whatever still runs inside the root (a server a failed test left) goes first
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && kill -9 "${p#/proc/}" 2>/dev/null
    done
    for m in $mounted; do umount -l "$ROOT$m" 2>/dev/null || true; done
    if [ "${FRESH_KEEP:-0}" = 1 ]; then log "root kept at $ROOT"; else rm -rf "$ROOT"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "debootstrap --variant=minbase into $ROOT"
debootstrap --variant=minbase --include=git,make,ca-certificates "$suite" "$ROOT" "$mirror" \
    >"$ROOT.debootstrap.log" 2>&1 || { tail -20 "$ROOT.debootstrap.log" >&2; rm -f "$ROOT.debootstrap.log"; exit 1; }
rm -f "$ROOT.debootstrap.log"

# apt inside reads the same sources as this machine (updates and security too)
{
    echo "deb $mirror $suite main"
    echo "deb $mirror $suite-updates main"
    [ -n "$security" ] && echo "deb $security $suite-security main"
} >"$ROOT/etc/apt/sources.list"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
# recommends off, as on a lean machine: what the README installs must be enough
echo 'APT::Install-Recommends "false";' >"$ROOT/etc/apt/apt.conf.d/99norecommends"

mnt() { # mnt TYPE SRC DIR [OPTS]
    mkdir -p "$ROOT$3"
    if [ -n "${4:-}" ]; then mount -t "$1" -o "$4" "$2" "$ROOT$3"; else mount -t "$1" "$2" "$ROOT$3"; fi
    mounted="$3 $mounted"
}
mnt proc proc /proc
mnt sysfs sys /sys
mkdir -p "$ROOT/dev"; mount --bind /dev "$ROOT/dev"; mounted="/dev $mounted"
mnt devpts devpts /dev/pts newinstance,ptmxmode=0666
mnt tmpfs shm /dev/shm
mnt tmpfs tmp /tmp mode=1777
mkdir -p "$ROOT/src"; mount --bind "$REPO" "$ROOT/src"; mount -o remount,bind,ro "$ROOT/src"; mounted="/src $mounted"

log "cloning the project and running the README's two commands inside the root"
chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb LANG=C.UTF-8 \
    BACKENDS="${BACKENDS:-sqlite postgresql mysql}" /bin/sh -eu -c '
    git config --global --add safe.directory "*"
    git clone -q /src /root/ormsh
    cd /root/ormsh
    echo "print(\"fresh-check: shell answers\", #Author.query:all() >= 0)" | make shell
    make test 2>&1 | tee /tmp/test.log
    tail -1 /tmp/test.log | grep -q " 0 failed$"
'
log "both README commands work on a fresh $suite root"
