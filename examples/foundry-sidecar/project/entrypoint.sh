#!/bin/sh
# Entrypoint of the Foundry transforms sidecar "json-sidecar" (written by byoi 0.3.0).
#
# It is the container's PID 1 and speaks the shared-volume protocol of Foundry's sidecar
# documentation. Foundry neither tells the container when its input is ready nor keeps it
# alive until its output is copied out, so:
#   1. wait for start_flag in $SHARED_DIR (the transform has copied the input into
#      $SHARED_DIR/input);
#   2. run the command given as arguments (the image's CMD) with INPUT_DIR, OUTPUT_DIR and
#      SHARED_DIR set; its output goes to the container log (Foundry's telemetry) and is
#      appended to $SHARED_DIR/logfile;
#   3. write done_flag, also when the command fails, times out or is stopped:
#          exit_status=N
#          reason=exited|timeout|signal|error (error: the entrypoint could not run it)
#   4. wait for close_flag (the transform has copied $SHARED_DIR/output out),
#      then exit with the command's exit status.
# SIGTERM or SIGINT (docker stop; Foundry ending the job) is passed on to the command and
# everything it started; done_flag is still written, then the entrypoint exits 128+signal.
#
# Settings (environment variables; the Dockerfile sets the defaults):
#   SHARED_DIR             the shared volume (default /opt/palantir/sidecars/shared-volumes/shared)
#   SIDECAR_TIMEOUT        seconds the command may run before SIGTERM (0: no limit)
#   SIDECAR_KILL_GRACE     seconds between that SIGTERM and SIGKILL (default 10)
#   SIDECAR_START_TIMEOUT  seconds to wait for start_flag (0: forever, the default)
#   SIDECAR_CLOSE_TIMEOUT  seconds to wait for close_flag (0: forever, the default)
#   SIDECAR_POLL_SECONDS   how often to look for the flag files (default 1; fractions work)
set -u

shared_dir="${SHARED_DIR:-/opt/palantir/sidecars/shared-volumes/shared}"
run_timeout="${SIDECAR_TIMEOUT:-1800}"
kill_grace="${SIDECAR_KILL_GRACE:-10}"
start_timeout="${SIDECAR_START_TIMEOUT:-0}"
close_timeout="${SIDECAR_CLOSE_TIMEOUT:-0}"
poll="${SIDECAR_POLL_SECONDS:-1}"

start_flag="$shared_dir/start_flag"
done_flag="$shared_dir/done_flag"
close_flag="$shared_dir/close_flag"
log_file="$shared_dir/logfile"

phase=waiting   # waiting -> running -> finishing -> closing
child=""        # process id of the command (also its process group id with setsid)
grouped=""      # set when the command runs in its own process group
signal=""       # TERM or INT, once received
received=0      # how many signals arrived (tells a cut-short wait from a real exit)
status=""       # the command's exit status, once known
work_dir=""     # private temporary folder (output pipe, timeout marker)

log() {
    line="$(date -u +%Y-%m-%dT%H:%M:%SZ) sidecar: $*"
    printf '%s\n' "$line"
    printf '%s\n' "$line" >>"$log_file" 2>/dev/null || true
}

fail() {
    log "error: $*"
    exit 2
}

# After start_flag the transform is waiting: tell it through done_flag, then stop.
fail_run() {
    log "error: $*"
    write_done 2 error
    exit 2
}

# Sends a signal to the command and, when it has its own process group, to everything it
# started, so no grandchild keeps running (or keeps the log pipe open) after it.
# shellcheck disable=SC2329 # called from traps and the watchdog
signal_command() {
    if [ -n "$grouped" ]; then
        kill -s "$1" -- "-$child" 2>/dev/null || kill -s "$1" "$child" 2>/dev/null
    else
        kill -s "$1" "$child" 2>/dev/null
    fi
}

signal_number() {
    case "$1" in
        INT) echo 2 ;;
        *) echo 15 ;;
    esac
}

# shellcheck disable=SC2329 # called from the traps below
on_signal() {
    signal="$1"
    received=$((received + 1))
    case "$phase" in
        waiting)
            log "received SIG$1 before $(basename "$start_flag"): exiting"
            exit $((128 + $(signal_number "$1")))
            ;;
        running)
            log "received SIG$1: passing it on to the command"
            signal_command "$1"
            ;;
        finishing)
            log "received SIG$1 while finishing: exiting after $(basename "$done_flag")"
            ;;
        closing)
            log "received SIG$1 while waiting for $(basename "$close_flag"): exiting"
            exit "$status"
            ;;
    esac
}
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT

# shellcheck disable=SC2329 # called from the EXIT trap below
cleanup() {
    if [ -n "$work_dir" ]; then
        rm -rf "$work_dir"
    fi
}
trap cleanup EXIT

# Sleeps one poll interval. A background sleep and wait, so a signal's trap runs at once.
nap() {
    sleep "$poll" &
    wait "$!" 2>/dev/null
}

now() {
    date +%s
}

# Waits until file $1 exists, at most $2 seconds (0: forever); fails on timeout.
wait_for() {
    if [ "$2" -gt 0 ]; then
        deadline=$(($(now) + $2))
    else
        deadline=""
    fi
    while [ ! -e "$1" ]; do
        if [ -n "$deadline" ] && [ "$(now)" -ge "$deadline" ]; then
            return 1
        fi
        nap
    done
}

# Writes done_flag atomically (write, then rename), so the transform never reads half of it.
write_done() {
    printf 'exit_status=%s\nreason=%s\n' "$1" "$2" >"$done_flag.tmp" && mv -f "$done_flag.tmp" "$done_flag"
}

# Runs "$2..." in the background after $1 seconds. Cancel it with SIGKILL: a TERM could
# arrive before it has reset the traps it inherits. It sleeps in one-second steps, so
# cancelling it leaves no long sleep behind.
later() {
    (
        trap - TERM INT EXIT
        deadline=$(($(now) + $1))
        shift
        while [ "$(now)" -lt "$deadline" ]; do sleep 1; done
        "$@"
    ) &
}

# The watchdog's work once run_timeout has passed: SIGTERM, then SIGKILL after kill_grace.
# shellcheck disable=SC2329 # called by later(), through "$@"
stop_overrunning_command() {
    : >"$work_dir/timed-out"
    log "the command is still running after ${run_timeout}s: stopping it (SIGTERM)"
    signal_command TERM
    deadline=$(($(now) + kill_grace))
    while [ "$(now)" -lt "$deadline" ]; do sleep 1; done
    log "the command outlived SIGTERM by ${kill_grace}s: killing it (SIGKILL)"
    signal_command KILL
}

# Runs "$@", with its output to the container log and the log file; sets status.
run_command() {
    mkdir -p "$OUTPUT_DIR" || fail_run "cannot create $OUTPUT_DIR"
    work_dir="$(mktemp -d)" || fail_run "cannot create a temporary folder"
    mkfifo "$work_dir/output" || fail_run "cannot create a pipe in $work_dir"
    tee -a "$log_file" <"$work_dir/output" &
    reader=$!

    phase=running
    if command -v setsid >/dev/null 2>&1; then
        setsid "$@" >"$work_dir/output" 2>&1 &
        grouped=yes
    else
        "$@" >"$work_dir/output" 2>&1 &
    fi
    child=$!
    watchdog=""
    if [ "$run_timeout" -gt 0 ]; then
        later "$run_timeout" stop_overrunning_command
        watchdog=$!
    fi

    # wait also returns when a trapped signal arrives, with 128+signal rather than the
    # command's status: after a signal, wait again (the shell keeps the exit status of a
    # finished child, so a second wait returns it, or blocks until the command ends).
    while :; do
        seen=$received
        wait "$child"
        status=$?
        if [ "$received" = "$seen" ]; then
            break
        fi
    done
    phase=finishing
    if [ -n "$watchdog" ]; then
        kill -s KILL "$watchdog" 2>/dev/null
        wait "$watchdog" 2>/dev/null
    fi
    # Anything the command left running in its group would hold the log pipe open: stop
    # it, and stop waiting for the rest of the log after kill_grace seconds in any case.
    if [ -n "$grouped" ]; then
        kill -s TERM -- "-$child" 2>/dev/null
    fi
    later "$kill_grace" kill "$reader"
    guard=$!
    wait "$reader" 2>/dev/null
    kill -s KILL "$guard" 2>/dev/null
    wait "$guard" 2>/dev/null
}

if [ "$#" -eq 0 ]; then
    fail "no command to run: give it as the container's arguments (the image's CMD)"
fi
check_seconds() {
    case "$2" in
        '' | *[!0-9]*) fail "$1 must be a whole number of seconds, not '$2'" ;;
    esac
}
check_seconds SIDECAR_TIMEOUT "$run_timeout"
check_seconds SIDECAR_KILL_GRACE "$kill_grace"
check_seconds SIDECAR_START_TIMEOUT "$start_timeout"
check_seconds SIDECAR_CLOSE_TIMEOUT "$close_timeout"
case "$poll" in
    '' | *[!0-9.]* | *.*.*) fail "SIDECAR_POLL_SECONDS must be a number of seconds, not '$poll'" ;;
esac
if [ ! -d "$shared_dir" ]; then
    fail "$shared_dir does not exist: the transform must declare volumes=[Volume(\"shared\")]"
fi
if [ ! -w "$shared_dir" ]; then
    fail "$shared_dir is not writable by user $(id -u): the image must chown it to that user"
fi

export SHARED_DIR="$shared_dir"
export INPUT_DIR="$shared_dir/input"
export OUTPUT_DIR="$shared_dir/output"

# Flags of an earlier run would end this one early; start_flag is the transform's to write.
rm -f "$done_flag" "$done_flag.tmp" "$close_flag"

log "waiting for $start_flag"
if ! wait_for "$start_flag" "$start_timeout"; then
    log "no $(basename "$start_flag") after ${start_timeout}s: giving up"
    write_done 124 timeout
    exit 124
fi

log "$(basename "$start_flag") found: running $*"
run_command "$@"
if [ -e "$work_dir/timed-out" ]; then
    status=124
    reason=timeout
elif [ -n "$signal" ]; then
    reason=signal
else
    reason=exited
fi
write_done "$status" "$reason"
log "the command ended ($reason) with exit status $status; wrote $(basename "$done_flag")"

if [ -n "$signal" ]; then
    exit $((128 + $(signal_number "$signal")))
fi

phase=closing
log "waiting for $close_flag"
if ! wait_for "$close_flag" "$close_timeout"; then
    log "no $(basename "$close_flag") after ${close_timeout}s: exiting anyway"
    exit "$status"
fi
log "$(basename "$close_flag") found: exiting with status $status"
exit "$status"
