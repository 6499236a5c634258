#!/bin/sh
# The lab's `kill`, first on kwok's PATH, so `kubectl exec <pod> -- kill [-SIG] 1` does what it does in a
# real container: kill that container's PID 1 (here: the lab kubelet's server for the container, which
# test/lab/dataplane/runtime.ts then ends and restarts as a kubelet would). It never signals this machine's
# own PID 1: a `kill … 1` outside a lab container's exec is refused. Every other kill is the system's.
last=""
sig="TERM"
for a in "$@"; do
  case "$a" in
    -s) ;;
    -[0-9]*|-[A-Za-z]*) sig="${a#-}" ;;
    *) last="$a" ;;
  esac
done
if [ "$last" = "1" ]; then
  if [ -z "$SOCK_SHOP_LAB_CONTAINER" ]; then
    echo "kill: refusing to signal PID 1 of the lab machine (only a lab container's PID 1 can be killed here)" >&2
    exit 1
  fi
  printf '%s\n' "$sig" > "./.kill-$SOCK_SHOP_LAB_CONTAINER" || exit 1
  exit 0
fi
exec /bin/kill "$@"
