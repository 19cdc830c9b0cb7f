#!/bin/sh
#
# myop.sh -- heartbeat-ts resource script for an LVS (IPVS) front end: the VIP plus its virtual
# services and their real servers, as the LVS how-to's myop.sh sets them up.
#
#   usage: myop.sh [NAME] {start|stop|status}
#
# Settings: MYOP_CONF, else myop.NAME.conf beside this script (haresources `myop.sh::web` reads
# myop.web.conf), else myop.conf; see that file. The how-to's keys are read as written there:
# VIP, netmask (dotted, or a prefix length), broadcast (NETMASK, BROADCAST and IFACE work too).
# start:  checks IPVS first (ipvsadm present and `ipvsadm -L -n` works) and changes nothing when
#         it is missing; then adds the VIP with resource.d/IPaddr, then for each service
#         ipvsadm -A -t|-u VIP:PORT -s SCHED and  ipvsadm -a -t|-u VIP:PORT -r RS:PORT -g|-m|-i -w W.
#         Any failure undoes what was done (services deleted, VIP removed): no half configuration.
# stop:   ipvsadm -D for each service (if present), then the VIP goes.
# status: "myop is running" (VIP up and every service present, exit 0) or "myop is not running"
#         (exit 3).

PATH=$PATH:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
me=myop
here=$(cd "$(dirname "$0")" && pwd)
IPADDR=${MYOP_IPADDR:-$here/IPaddr}

err() { echo "ERROR: $me: $*" >&2; }

name=
case $# in
  1) op=$1 ;;
  2) name=$1; op=$2 ;;
  *) echo "usage: $me [NAME] {start|stop|status}" >&2; exit 2 ;;
esac
if [ -n "${MYOP_CONF:-}" ]; then conf=$MYOP_CONF
elif [ -n "$name" ]; then conf=$here/myop.$name.conf
else conf=$here/myop.conf; fi

[ -r "$conf" ] || { err "cannot read $conf"; exit 6; }
# shellcheck disable=SC1090
. "$conf"

# 255.255.255.0 -> 24; a prefix length stays as it is; anything else is refused.
mask_bits() {
  case $1 in
    *.*.*.*) ;;
    *[!0-9]* | '') return 1 ;;
    *) [ "$1" -le 32 ] && echo "$1"; return ;;
  esac
  bits=0; done_=0
  old_ifs=$IFS; IFS=.
  # shellcheck disable=SC2086
  set -- $1
  IFS=$old_ifs
  for o in "$@"; do
    case $done_:$o in
      0:255) bits=$((bits + 8)) ;;
      0:254) bits=$((bits + 7)); done_=1 ;; 0:252) bits=$((bits + 6)); done_=1 ;;
      0:248) bits=$((bits + 5)); done_=1 ;; 0:240) bits=$((bits + 4)); done_=1 ;;
      0:224) bits=$((bits + 3)); done_=1 ;; 0:192) bits=$((bits + 2)); done_=1 ;;
      0:128) bits=$((bits + 1)); done_=1 ;; ?:0) done_=1 ;;
      *) return 1 ;;
    esac
  done
  echo "$bits"
}

check_conf() {
  [ -n "${VIP:-}" ] || { err "VIP is not set in $conf"; exit 6; }
  mask=${netmask:-${NETMASK:-}}
  [ -n "$mask" ] || { err "netmask is not set in $conf"; exit 6; }
  bits=$(mask_bits "$mask") || { err "netmask '$mask' in $conf is neither dotted (255.255.255.0) nor a prefix length"; exit 6; }
  bc=${broadcast:-${BROADCAST:-}}
  if [ -n "${IFACE:-}" ]; then SPEC=$VIP/$bits/$IFACE${bc:+/$bc}
  else SPEC=$VIP/$bits${bc:+/$bc}; fi
  # One service per line: PROTO PORT SCHED REALSERVER... (the old single-service keys still work).
  if [ -z "${SERVICES:-}" ]; then
    [ -n "${VPORT:-}" ] && [ -n "${SCHED:-}" ] && [ -n "${REALSERVERS:-}" ] || { err "SERVICES is not set in $conf"; exit 6; }
    SERVICES="${PROTO:-tcp} $VPORT $SCHED $REALSERVERS"
  fi
  list=$(printf '%s\n' "$SERVICES" | sed -e 's/#.*//' -e 's/;/\n/g' | sed -e '/^[[:space:]]*$/d')
  while read -r proto port sched rss; do
    case $proto in tcp | udp) ;; *) err "service '$proto $port': protocol must be tcp or udp"; exit 6 ;; esac
    case $port in '' | *[!0-9]*) err "service '$proto $port': bad port"; exit 6 ;; esac
    [ -n "$sched" ] && [ -n "$rss" ] || { err "service '$proto $port': needs a scheduler and real servers"; exit 6; }
  done <<EOF
$list
EOF
}

flag() { [ "$1" = udp ] && echo -u || echo -t; }

# Inside the loops that read the service list: no command may read that list as its stdin.
ipvs() { ipvsadm "$@" </dev/null; }

ipvs_ready() {
  if ! command -v ipvsadm >/dev/null 2>&1; then
    err "ipvsadm not found; install it (and the ip_vs kernel module)"
    return 1
  fi
  if ! out=$(ipvs -L -n 2>&1); then
    err "IPVS is not available on this kernel (ipvsadm -L -n: $(echo "$out" | head -n 1)); nothing changed"
    return 1
  fi
  return 0
}

service_exists() { ipvs -L -n "$(flag "$1")" "$VIP:$2" >/dev/null 2>&1; }

delete_services() {
  drc=0
  while read -r proto port _; do
    if service_exists "$proto" "$port"; then ipvs -D "$(flag "$proto")" "$VIP:$port" || { err "ipvsadm -D $VIP:$port failed"; drc=1; }; fi
  done <<EOF
$list
EOF
  return $drc
}

undo() {
  delete_services
  "$IPADDR" "$SPEC" stop >/dev/null </dev/null
}

add_service() { # proto port sched realservers...
  proto=$1; port=$2; sched=$3; shift 3
  f=$(flag "$proto"); svc=$VIP:$port
  if service_exists "$proto" "$port"; then
    ipvs -E "$f" "$svc" -s "$sched" || { err "ipvsadm -E $svc failed"; return 1; }
  else
    ipvs -A "$f" "$svc" -s "$sched" || { err "ipvsadm -A $svc failed"; return 1; }
  fi
  for rs in "$@"; do
    addr=${rs%%:*}; rest=${rs#"$addr"}; rest=${rest#:}
    rport=${rest%%:*}; rest=${rest#"$rport"}; rest=${rest#:}
    weight=${rest%%:*}; rest=${rest#"$weight"}; rest=${rest#:}
    method=${rest%%:*}
    [ -n "$rport" ] || rport=$port
    [ -n "$weight" ] || weight=1
    case ${method:-g} in g | m | i) ;; *) err "bad forwarding method '$method' for $rs (g, m or i)"; return 6 ;; esac
    ipvs -a "$f" "$svc" -r "$addr:$rport" "-${method:-g}" -w "$weight" 2>/dev/null ||
      ipvs -e "$f" "$svc" -r "$addr:$rport" "-${method:-g}" -w "$weight" ||
      { err "could not add real server $addr:$rport to $svc"; return 1; }
  done
}

do_start() {
  check_conf
  ipvs_ready || exit 1
  "$IPADDR" "$SPEC" start || { err "could not bring up VIP $SPEC"; exit 1; }
  while read -r proto port sched rss; do
    # shellcheck disable=SC2086
    add_service "$proto" "$port" "$sched" $rss || { rc=$?; undo; exit $rc; }
    echo "$me started: $proto $VIP:$port ($sched) -> $rss"
  done <<EOF
$list
EOF
  exit 0
}

do_stop() {
  check_conf
  rc=0
  if ipvs_ready 2>/dev/null; then delete_services || rc=1; fi
  "$IPADDR" "$SPEC" stop || rc=1
  exit $rc
}

do_status() {
  check_conf
  vip=$("$IPADDR" "$SPEC" status 2>/dev/null)
  if [ "$vip" = running ] && command -v ipvsadm >/dev/null 2>&1; then
    all=1
    while read -r proto port _; do service_exists "$proto" "$port" || all=0; done <<EOF
$list
EOF
    if [ $all = 1 ]; then echo "$me is running"; exit 0; fi
  fi
  echo "$me is not running"
  exit 3
}

case $op in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) echo "usage: $me [NAME] {start|stop|status}" >&2; exit 2 ;;
esac
