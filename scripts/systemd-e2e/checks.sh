#!/bin/bash
# Runs inside the systemd-nspawn container booted by scripts/systemd-e2e.sh, as a unit of its systemd,
# after `npm install -g` of the packed tarball. Follows docs/deploy.md, then checks the unit and every
# drop-in. One line per check: "ok NAME[: detail]" or "FAIL NAME: why"; last line "DONE <failures>".
set -u
TGZ="$1"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
FAILS=0
COUNT=0
SRC=""   # the installed package (docs: "$(npm root -g)/clockdoctor")
DROP=/etc/systemd/system/clockdoctor.service.d
PORT=9717
SCHEME=http
CURL=(curl -fsS --max-time 5)

pass() { COUNT=$((COUNT + 1)); echo "ok $1${2:+: $2}"; }
fail() { COUNT=$((COUNT + 1)); FAILS=$((FAILS + 1)); echo "FAIL $1: $2"; }
# check NAME CMD...: ok when CMD succeeds (its last output line, if any, is the detail), else FAIL with its output.
check() {
  local name="$1" out; shift
  if out=$("$@" 2>&1); then pass "$name" "$(printf '%s' "$out" | tail -1)"; else fail "$name" "$(printf '%s' "$out" | tail -3 | tr '\n' ' ')"; fi
}
# until_ok SECONDS CMD...: retry CMD every 0.5 s.
until_ok() {
  local end=$(( $(date +%s) + $1 )); shift
  while ! "$@" >/dev/null 2>&1; do [ "$(date +%s)" -ge "$end" ] && { "$@"; return 1; }; sleep 0.5; done
}
mainpid() { systemctl show -p MainPID --value clockdoctor; }
url() { echo "$SCHEME://127.0.0.1:$PORT$1"; }
ready() { "${CURL[@]}" "$(url /-/ready)"; }
metrics() { "${CURL[@]}" "$(url /metrics)"; }
# restart_ready: restart and wait until it is active and ready; prints the new main PID.
restart_ready() {
  systemctl daemon-reload && systemctl restart clockdoctor || return 1
  until_ok 60 ready >/dev/null || { journalctl -u clockdoctor -n 5 --no-pager; return 1; }
  echo "pid $(mainpid)"
}
# In the service's own mount namespace, as root (what the mounts let through at all).
in_unit() { nsenter -t "$(mainpid)" -m -- "$@"; }
capeff() { awk '/^CapEff/ {print $2}' "/proc/$(mainpid)/status"; }
uid_of() { awk '/^Uid/ {print $2}' "/proc/$(mainpid)/status"; }

# Collector states as root outside any sandbox: "name state" lines.
root_states() {
  clockdoctor check --json "$@" 2>/dev/null | node -e '
    const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const [k, v] of Object.entries(d.sources)) console.log(k, v.state);'
}
# compare_collectors METRICS_TEXT ALLOWED_LOSSES [check flags]: every collector ok as root is 1 in the
# sandbox's metrics, and none is 1 there that root does not have, except the documented losses.
compare_collectors() {
  local text="$1" losses=" $2 " bad="" n=0; shift 2
  while read -r name state; do
    local got want
    got=$(printf '%s\n' "$text" | sed -n "s/^clockdoctor_collector_success{collector=\"$name\"} \([01]\).*/\1/p")
    [ -z "$got" ] && continue   # collector off in this configuration
    want=0; [ "$state" = ok ] && want=1
    n=$((n + 1))
    if [ "$got" != "$want" ] && [[ "$losses" != *" $name "* ]]; then bad="$bad $name(root:$state sandbox:$got)"; fi
  done < <(root_states "$@")
  [ -z "$bad" ] || { echo "differ:$bad"; return 1; }
  [ "$n" -gt 0 ] || { echo "no collector_success series"; return 1; }
  echo "$n collectors as root"
}
has_line() { grep -q -- "$2" <<<"$1"; }

# --- docs/deploy.md, "Install as a systemd service" -----------------------------------------------
SRC="$(npm root -g)/clockdoctor"
check "installed by npm install -g (prefix $(npm prefix -g))" test -x "$(npm prefix -g)/bin/clockdoctor"
cp "$SRC/systemd/clockdoctor.service" /etc/systemd/system/
systemctl daemon-reload
check "systemctl enable --now" systemctl enable --now clockdoctor
check "start: active" until_ok 30 systemctl is-active -q clockdoctor
check "ready: /-/ready answers" until_ok 60 ready
# cmdline_of: what the main process runs (proves which installed binary systemd's search path found).
cmdline_of() { tr '\0' ' ' < "/proc/$(mainpid)/cmdline"; }
check "start: ExecStart=clockdoctor found on systemd's search path" bash -c "c='$(cmdline_of)'; echo \$c; grep -q '/bin/clockdoctor agent' <<<\$c"
M=$(metrics)
check "metrics: clockdoctor families served" has_line "$M" '^clockdoctor_collector_success{'
# caps_are UID_TEST CAPEFF: the unit's main process runs with exactly these effective capabilities.
caps_are() { local u c; u=$(uid_of); c=$(capeff); echo "uid $u CapEff $c"; [ "$c" = "$2" ] && if [ "$1" = root ]; then [ "$u" = 0 ]; else [ "$u" != 0 ]; fi; }
check "sandbox: dynamic user, exactly CAP_SYSLOG + CAP_DAC_READ_SEARCH" caps_are dynamic 0000000400000004
check "collectors: sandbox (base unit) vs root" compare_collectors "$M" ""
SCORE=$(systemd-analyze security --no-pager clockdoctor 2>/dev/null | sed -n 's/.*Overall exposure level for clockdoctor.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security (live unit) <= 2.0" bash -c "[ -n '$SCORE' ] && awk 'BEGIN{exit !($SCORE <= 2.0)}' && echo score $SCORE"

# --- exposure and file fences ---------------------------------------------------------------------
check "live exposure: default --web.listen-address :9717 listens on every address" bash -c "ss -ltnH 'sport = :9717' | awk '{print \$4}' | grep -Eq '^(\\*|0\\.0\\.0\\.0|\\[::\\]):9717\$' && ss -ltnH 'sport = :9717' | awk '{print \$4}' | tr '\n' ' '"
check "file fence: /etc/shadow is empty in the unit's namespace" in_unit sh -c '! test -s /etc/shadow'
check "file fence: /var/lib is empty and read-only" in_unit sh -c '[ -z "$(ls -A /var/lib)" ] && ! touch /var/lib/probe 2>/dev/null'
check "file fence: /root and /home hidden" in_unit sh -c '[ -z "$(ls -A /root 2>/dev/null)" ] && [ -z "$(ls -A /home 2>/dev/null)" ]'
check "file fence: ProtectSystem=strict (/usr, /etc read-only)" in_unit sh -c '! touch /usr/cd-probe 2>/dev/null && ! touch /etc/cd-probe 2>/dev/null'
touch /tmp/cd-e2e-host-tmp
check "file fence: PrivateTmp (the host's /tmp is not the unit's)" in_unit sh -c '! test -e /tmp/cd-e2e-host-tmp'

# --- IP fences: addresses of a dummy interface in the container's own network namespace ----------
# (on lo: kernels without the dummy driver, like this Firecracker one, still have lo)
ip addr add 203.0.113.7/32 dev lo && ip addr add 10.250.0.7/32 dev lo
from() { curl -fsS --max-time 3 --interface "$1" "http://$1:9717/-/ready"; }
check "IP fence: loopback allowed" from 127.0.0.1
check "IP fence: private range (10.250.0.7) allowed" from 10.250.0.7
check "IP fence: public address (203.0.113.7) denied" bash -c "! curl -fsS --max-time 3 --interface 203.0.113.7 http://203.0.113.7:9717/-/ready || { journalctl -b --no-pager | grep -i 'firewalling' | tail -2; systemctl show -p IPAddressDeny -p IPAddressAllow clockdoctor | tr '\\n' ' '; systemd-run -q --wait --pipe -p IPAddressDeny=any curl -sS --max-time 2 http://127.0.0.1:9717/-/ready; echo rc=\$?; grep -c . /sys/fs/cgroup/cgroup.controllers; false; }"

# --- lifecycle ------------------------------------------------------------------------------------
P1=$(mainpid)
check "restart: new process, ready again" bash -c "$(declare -f until_ok ready url mainpid restart_ready); CURL=(${CURL[*]}); SCHEME=$SCHEME PORT=$PORT; p=\$(restart_ready) && [ \"\${p#pid }\" != $P1 ] && echo \$p"
P2=$(mainpid)
kill -9 "$P2"
check "kill -9: restarted by Restart=on-failure" bash -c "for i in \$(seq 1 60); do p=\$(systemctl show -p MainPID --value clockdoctor); [ \"\$p\" != 0 ] && [ \"\$p\" != $P2 ] && systemctl is-active -q clockdoctor && break; sleep 0.5; done; [ \"\$p\" != $P2 ] && [ \"\$p\" != 0 ] && echo pid \$p NRestarts \$(systemctl show -p NRestarts --value clockdoctor)"
check "kill -9: ready again" until_ok 60 ready

# --- /etc/default/clockdoctor, as docs/deploy.md shows it ------------------------------------------
echo 'CLOCKDOCTOR_ARGS="--web.listen-address=127.0.0.1:9718 --refresh 1h"' > /etc/default/clockdoctor
PORT=9718
check "/etc/default/clockdoctor: listens on 127.0.0.1:9718 only" bash -c "$(declare -f until_ok ready url mainpid restart_ready); CURL=(${CURL[*]}); SCHEME=$SCHEME PORT=$PORT; restart_ready >/dev/null && ss -ltnH | awk '{print \$4}' | grep -qx 127.0.0.1:9718 && ! ss -ltnH | awk '{print \$4}' | grep -q ':9717\$' && echo 127.0.0.1:9718"
check "/etc/default/clockdoctor: --refresh 1h in effect" has_line "$(metrics)" '^clockdoctor_refresh_interval_seconds 3600$'
count() { metrics | sed -n 's/^clockdoctor_refreshes_total \([0-9]*\).*/\1/p'; }
R1=$(count)
systemctl reload clockdoctor
check "reload: SIGHUP refreshes now" bash -c "for i in \$(seq 1 40); do r=\$(curl -fsS --max-time 5 http://127.0.0.1:9718/metrics | sed -n 's/^clockdoctor_refreshes_total \([0-9]*\).*/\1/p'); [ \"\${r:-0}\" -gt \"${R1:-0}\" ] && break; sleep 0.5; done; [ \"\${r:-0}\" -gt \"${R1:-0}\" ] && echo refreshes ${R1:-?} '->' \$r"

# --- drop-ins --------------------------------------------------------------------------------------
mkdir -p "$DROP"
cp "$SRC/systemd/clockdoctor.service.d/no-timer-list.conf.example" "$DROP/no-timer-list.conf"
check "no-timer-list drop-in: starts" restart_ready
M=$(metrics)
check "no-timer-list: only CAP_SYSLOG" caps_are dynamic 0000000400000000
check "no-timer-list: timer-list collector off" bash -c "! grep -q 'collector=\"timer-list\"' <<<'$(grep collector_success <<<"$M")'"
check "no-timer-list composes with /etc/default (still 127.0.0.1:9718, --refresh 1h)" has_line "$M" '^clockdoctor_refresh_interval_seconds 3600$'
# Its comment says the hypervisor collector loses the ACPI name on guests without DMI: check that is
# exactly what happens here, and nothing else.
LOSS=""
if [ ! -e /sys/class/dmi/id/sys_vendor ] && [ ! -e /sys/hypervisor/type ]; then LOSS=hypervisor; fi
check "no-timer-list: collectors vs root (documented loss: ${LOSS:-none})" compare_collectors "$M" "$LOSS" --no-collector.timer-list
check "no-timer-list: its comment names that loss" grep -q 'hypervisor collector: the ACPI tables' "$DROP/no-timer-list.conf"
if [ "$LOSS" = hypervisor ] && root_states | grep -qx 'hypervisor ok'; then
  check "no-timer-list: and the loss is real here (hypervisor ok as root, 0 in the sandbox)" has_line "$M" '^clockdoctor_collector_success{collector="hypervisor"} 0'
else
  pass "no-timer-list: hypervisor loss not observable here" "as root: $(root_states | awk '$1 == "hypervisor" {print $2}'), DMI $([ -e /sys/class/dmi/id/sys_vendor ] && echo present || echo absent), ACPI FACP $([ -r /sys/firmware/acpi/tables/FACP ] && echo readable || echo not readable)"
fi

cp "$SRC/systemd/clockdoctor.service.d/public-network.conf.example" "$DROP/public-network.conf"
echo 'CLOCKDOCTOR_ARGS="--refresh 1h"' > /etc/default/clockdoctor
PORT=9717
check "public-network drop-in: starts (with no-timer-list)" restart_ready
check "public-network: public address (203.0.113.7) allowed" from 203.0.113.7
check "public-network + no-timer-list: both in effect" bash -c "$(declare -f caps_are uid_of capeff mainpid); caps_are dynamic 0000000400000000 && ! curl -fsS http://127.0.0.1:9717/metrics | grep -q 'collector=\"timer-list\"'"
rm -f "$DROP/public-network.conf" "$DROP/no-timer-list.conf"

# textfile: Debian's node_exporter directory, root:root 0755, read by the node_exporter running here.
TF=/var/lib/prometheus/node-exporter
check "textfile: node_exporter's directory is root-owned as on Debian" bash -c "stat -c '%U:%G %a' $TF | grep -qx 'root:root 755' && stat -c '%U:%G %a' $TF"
rm -f "$TF/clockdoctor.prom"
cp "$SRC/systemd/clockdoctor.service.d/textfile.conf.example" "$DROP/textfile.conf"
systemctl daemon-reload && systemctl restart clockdoctor
check "textfile drop-in: writes clockdoctor.prom (0644, root) within 60 s" bash -c "for i in \$(seq 1 120); do [ -s $TF/clockdoctor.prom ] && break; sleep 0.5; done; stat -c '%a %U' $TF/clockdoctor.prom | grep -qx '644 root' && stat -c '%a %U %s bytes' $TF/clockdoctor.prom"
check "textfile: no temporary file left, nothing else written" bash -c "[ \"\$(ls -A $TF)\" = clockdoctor.prom ]"
check "textfile: no HTTP listener" bash -c "! ss -ltnH | grep -q ':9717 '"
check "textfile: uid 0 with only CAP_SYSLOG" caps_are root 0000000400000000
check "textfile: only node_exporter's directory of /var/lib is visible, and writable" in_unit sh -c "[ \"\$(ls -A /var/lib)\" = prometheus ] && [ \"\$(ls -A /var/lib/prometheus)\" = node-exporter ] && touch $TF/.probe && rm $TF/.probe && ! touch /var/lib/probe 2>/dev/null"
check "textfile: collectors vs root (every one, timer-list included)" compare_collectors "$(cat $TF/clockdoctor.prom)" ""
NE=$(curl -fsS --max-time 10 http://127.0.0.1:9100/metrics 2>&1)
check "textfile: node_exporter serves our series" has_line "$NE" '^clockdoctor_collector_success{'
check "textfile: node_exporter reports no textfile error" has_line "$NE" '^node_textfile_scrape_error 0'
rm -f "$DROP/textfile.conf"

# web-config: TLS from credentials the dynamic user could not read itself.
mkdir -p /etc/clockdoctor && chmod 0700 /etc/clockdoctor
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
  -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' -keyout /etc/clockdoctor/clockdoctor.key -out /etc/clockdoctor/clockdoctor.crt 2>/dev/null
printf 'tls_server_config:\n  cert_file: clockdoctor.crt\n  key_file: clockdoctor.key\n' > /etc/clockdoctor/web.yml
chmod 0600 /etc/clockdoctor/*
cp "$SRC/systemd/clockdoctor.service.d/web-config.conf.example" "$DROP/web-config.conf"
SCHEME=https
CURL=(curl -fsS --max-time 5 --cacert /etc/clockdoctor/clockdoctor.crt)
check "web-config drop-in: serves TLS from LoadCredential= copies" restart_ready
check "web-config: plain HTTP is not served" bash -c "! curl -fsS --max-time 3 http://127.0.0.1:9717/metrics"
check "web-config: the dynamic user cannot read /etc/clockdoctor itself" bash -c "! nsenter -t $(mainpid) -m -S $(uid_of) -G $(uid_of) -- cat /etc/clockdoctor/clockdoctor.key >/dev/null 2>&1 && echo uid $(uid_of) denied"
check "web-config: metrics over TLS" has_line "$(metrics)" '^clockdoctor_collector_success{'
rm -f "$DROP/web-config.conf"
SCHEME=http
CURL=(curl -fsS --max-time 5)

# --- the other common npm prefix: /usr/local (Debian's npm) vs /usr -----------------------------
OTHER=/usr/local; [ "$(npm prefix -g)" = /usr/local ] && OTHER=/usr
npm uninstall -g --loglevel=error clockdoctor >/dev/null 2>&1
NPMLOG=$(npm install -g --offline --no-audit --no-fund --loglevel=error --prefix "$OTHER" "$TGZ" 2>&1) || echo "npm install --prefix $OTHER failed: $NPMLOG"
check "npm prefix $OTHER: the same unit starts it" bash -c "ls $OTHER/bin/clockdoctor || exit 1; $(declare -f until_ok ready url mainpid restart_ready); CURL=(${CURL[*]}); SCHEME=$SCHEME PORT=$PORT; restart_ready >/dev/null && tr '\\0' ' ' < /proc/\$(systemctl show -p MainPID --value clockdoctor)/cmdline | grep -o '[^ ]*node $OTHER/bin/clockdoctor agent'"

systemctl stop clockdoctor
check "stop: inactive, no process left" bash -c "! systemctl is-active -q clockdoctor && [ \"\$(systemctl show -p MainPID --value clockdoctor)\" = 0 ]"

echo "summary: $((COUNT - FAILS)) of $COUNT checks passed"
echo "DONE $FAILS"
systemctl poweroff --no-block
