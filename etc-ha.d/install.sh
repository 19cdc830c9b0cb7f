#!/bin/sh
# Installs heartbeat-ts as the system's heartbeat: the program under /usr/lib/heartbeat-ts, the classic
# command names, the init script, the systemd unit, logrotate and /etc/default files, and sample
# /etc/ha.d files where none exist yet (an existing ha.cf, haresources or authkeys is never touched).
# Run from a checkout as root after `npm ci`:  sh etc-ha.d/install.sh
# DESTDIR=/some/root installs into a staging tree (packaging, tests); HBTS_SKIP_DEPS=1 skips `npm ci`.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
dest=${DESTDIR:-}
lib=$dest/usr/lib/heartbeat-ts

if [ -z "$dest" ] && [ "$(id -u)" -ne 0 ]; then
	echo "install.sh: must be run as root (or with DESTDIR=...)" >&2
	exit 4
fi
if [ -z "$dest" ] && dpkg-query -W -f='${Status}' heartbeat 2>/dev/null | grep -q 'install ok installed'; then
	echo "install.sh: Debian's heartbeat package is installed and owns the same paths; remove it first (apt-get remove heartbeat)" >&2
	exit 1
fi

(cd "$src" && npm run --silent build) >/dev/null
mkdir -p "$lib" "$dest/usr/sbin" "$dest/usr/bin" "$dest/etc/ha.d/resource.d" "$dest/etc/init.d" \
	"$dest/lib/systemd/system" "$dest/etc/logrotate.d" "$dest/etc/default" "$dest/var/lib/heartbeat"
rm -rf "$lib/dist"
cp -R "$src/dist" "$src/package.json" "$src/package-lock.json" "$lib/"
if [ "${HBTS_SKIP_DEPS:-0}" != 1 ]; then
	(cd "$lib" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund >/dev/null)
fi

wrapper() { # name, target under dist/cli
	printf '#!/bin/sh\nexec node /usr/lib/heartbeat-ts/dist/cli/%s.js "$@"\n' "$2" >"$1"
	chmod 755 "$1"
}
wrapper "$dest/usr/sbin/heartbeat" heartbeat
for b in cl_status hb_standby hb_takeover; do wrapper "$dest/usr/bin/$b" "$b"; done

install -m 755 "$src/etc-ha.d/heartbeat" "$dest/etc/init.d/heartbeat"
install -m 644 "$src/etc-ha.d/heartbeat.service" "$dest/lib/systemd/system/heartbeat.service"
install -m 644 "$src/etc-ha.d/logrotate.heartbeat" "$dest/etc/logrotate.d/heartbeat"
[ -e "$dest/etc/default/heartbeat" ] || install -m 644 "$src/etc-ha.d/default-heartbeat" "$dest/etc/default/heartbeat"
for f in ha.cf haresources; do
	[ -e "$dest/etc/ha.d/$f" ] || install -m 644 "$src/etc-ha.d/$f" "$dest/etc/ha.d/$f"
done
# git cannot store mode 600; heartbeat refuses to start unless authkeys is 600.
[ -e "$dest/etc/ha.d/authkeys" ] || install -m 600 "$src/etc-ha.d/authkeys" "$dest/etc/ha.d/authkeys"
# Resource scripts are the operator's: one that exists and differs from ours stays, ours goes
# beside it as NAME.dist. The demo's busybox httpd is not installed: it would be found before
# /etc/init.d/httpd (resource.d comes first, as in Heartbeat).
for f in IPaddr myop.sh; do
	to="$dest/etc/ha.d/resource.d/$f"
	if [ -e "$to" ] && ! cmp -s "$src/resource.d/$f" "$to"; then
		install -m 755 "$src/resource.d/$f" "$to.dist"
		echo "install.sh: kept your /etc/ha.d/resource.d/$f; ours is beside it as $f.dist"
	else
		install -m 755 "$src/resource.d/$f" "$to"
	fi
done
[ -e "$dest/etc/ha.d/resource.d/myop.conf" ] || install -m 644 "$src/resource.d/myop.conf" "$dest/etc/ha.d/resource.d/myop.conf"
chmod 700 "$dest/var/lib/heartbeat"
echo "heartbeat-ts installed${dest:+ into $dest}. Next: edit /etc/ha.d/ha.cf, haresources, authkeys; heartbeat check; /etc/init.d/heartbeat start"
