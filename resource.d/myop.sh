#!/bin/sh
#
# myop.sh -- heartbeat-ts resource script for an LVS (IPVS) front end: the VIP plus one virtual
# service with its real servers.
#
#   usage: myop.sh {start|stop|status}
#
# Settings: MYOP_CONF (default myop.conf beside this script), see that file.
# start:  checks IPVS first (ipvsadm present and `ipvsadm -L -n` works) and changes nothing when
#         it is missing; then adds the VIP with resource.d/IPaddr, then
#         ipvsadm -A -t|-u VIP:PORT -s SCHED  and  ipvsadm -a -t|-u VIP:PORT -r RS:PORT -g|-m|-i -w W.
#         Any failure undoes what was done (service deleted, VIP removed): no half configuration.
# stop:   ipvsadm -D for the service (if present), then the VIP goes.
# status: "myop is running" (VIP up and service present, exit 0) or "myop is not running" (exit 3).

PATH=$PATH:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
me=myop
here=$(cd "$(dirname "$0")" && pwd)
conf=${MYOP_CONF:-$here/myop.conf}
IPADDR=${MYOP_IPADDR:-$here/IPaddr}

err() { echo "ERROR: $me: $*" >&2; }

[ -r "$conf" ] || { err "cannot read $conf"; exit 6; }
# shellcheck disable=SC1090
. "$conf"

check_conf() {
  for v in VIP NETMASK VPORT SCHED REALSERVERS; do
    eval "val=\${$v:-}"
    [ -n "$val" ] || { err "$v is not set in $conf"; exit 6; }
  done
  case ${PROTO:-tcp} in tcp) PFLAG=-t ;; udp) PFLAG=-u ;; *) err "PROTO must be tcp or udp, not '$PROTO'"; exit 6 ;; esac
  SERVICE=$VIP:$VPORT
  if [ -n "${IFACE:-}" ]; then SPEC=$VIP/$NETMASK/$IFACE${BROADCAST:+/$BROADCAST}
  else SPEC=$VIP/$NETMASK${BROADCAST:+/$BROADCAST}; fi
}

ipvs_ready() {
  if ! command -v ipvsadm >/dev/null 2>&1; then
    err "ipvsadm not found; install it (and the ip_vs kernel module)"
    return 1
  fi
  if ! out=$(ipvsadm -L -n 2>&1); then
    err "IPVS is not available on this kernel (ipvsadm -L -n: $(echo "$out" | head -n 1)); nothing changed"
    return 1
  fi
  return 0
}

service_exists() { ipvsadm -L -n "$PFLAG" "$SERVICE" >/dev/null 2>&1; }

undo() {
  service_exists && ipvsadm -D "$PFLAG" "$SERVICE"
  "$IPADDR" "$SPEC" stop >/dev/null
}

do_start() {
  check_conf
  ipvs_ready || exit 1
  "$IPADDR" "$SPEC" start || { err "could not bring up VIP $SPEC"; exit 1; }
  if service_exists; then
    ipvsadm -E "$PFLAG" "$SERVICE" -s "$SCHED" || { err "ipvsadm -E $SERVICE failed"; undo; exit 1; }
  else
    ipvsadm -A "$PFLAG" "$SERVICE" -s "$SCHED" || { err "ipvsadm -A $SERVICE failed"; undo; exit 1; }
  fi
  for rs in $REALSERVERS; do
    addr=${rs%%:*}; rest=${rs#"$addr"}; rest=${rest#:}
    port=${rest%%:*}; rest=${rest#"$port"}; rest=${rest#:}
    weight=${rest%%:*}; rest=${rest#"$weight"}; rest=${rest#:}
    method=${rest%%:*}
    [ -n "$port" ] || port=$VPORT
    [ -n "$weight" ] || weight=1
    case ${method:-g} in g|m|i) ;; *) err "bad forwarding method '$method' for $rs (g, m or i)"; undo; exit 6 ;; esac
    ipvsadm -a "$PFLAG" "$SERVICE" -r "$addr:$port" "-${method:-g}" -w "$weight" 2>/dev/null ||
      ipvsadm -e "$PFLAG" "$SERVICE" -r "$addr:$port" "-${method:-g}" -w "$weight" ||
      { err "could not add real server $addr:$port to $SERVICE"; undo; exit 1; }
  done
  echo "$me started: $SERVICE ($SCHED) -> $REALSERVERS"
  exit 0
}

do_stop() {
  check_conf
  rc=0
  if ipvs_ready 2>/dev/null; then
    if service_exists; then ipvsadm -D "$PFLAG" "$SERVICE" || { err "ipvsadm -D $SERVICE failed"; rc=1; }; fi
  fi
  "$IPADDR" "$SPEC" stop || rc=1
  exit $rc
}

do_status() {
  check_conf
  vip=$("$IPADDR" "$SPEC" status 2>/dev/null)
  if [ "$vip" = running ] && command -v ipvsadm >/dev/null 2>&1 && service_exists; then
    echo "$me is running"; exit 0
  fi
  echo "$me is not running"
  exit 3
}

case ${1:-} in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) echo "usage: $me {start|stop|status}" >&2; exit 2 ;;
esac
