"""Foundry side of the sidecar "json-sidecar" (written by byoi 0.3.0).

Copy this file into your Python transforms repository (e.g. src/myproject/datasets/),
add the transforms-sidecar library and, under Settings > Libraries, the Artifacts
repository you pushed the image to; then replace the two dataset RIDs below.

One executor runs the shared-volume protocol with its sidecar container: copy the input
files in, write start_flag, wait for done_flag (which holds the command's exit status),
copy the results and the log out, write close_flag.
"""

import os
import shutil
import time

from transforms.api import Input, Output, transform
from transforms.sidecar import Volume, sidecar

IMAGE = "json-sidecar"
TAG = "1.0.0"
# Where Volume("shared") appears, in the executor and in the sidecar.
SHARED_DIR = "/opt/palantir/sidecars/shared-volumes/shared"
INPUT_SUBDIR = "input"
OUTPUT_SUBDIR = "output"
LOG_FILE = "logfile"
START_FLAG = "start_flag"
DONE_FLAG = "done_flag"
CLOSE_FLAG = "close_flag"
# Seconds to wait for done_flag: the image's own timeout (1800s) plus time to start.
DONE_TIMEOUT = 2400


class SidecarError(RuntimeError):
    """The sidecar did not finish its work; the message says why."""


def copy_in(source, shared_dir=SHARED_DIR):
    """Copy every file of the input dataset into the sidecar's input folder."""
    fs = source.filesystem()
    names = []
    for item in fs.ls():
        target = os.path.join(shared_dir, INPUT_SUBDIR, item.path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with fs.open(item.path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        names.append(item.path)
    return names


def copy_out(output, shared_dir=SHARED_DIR):
    """Copy the sidecar's results, and its log, into the output dataset's files."""
    fs = output.filesystem()
    results = os.path.join(shared_dir, OUTPUT_SUBDIR)
    files = []
    for folder, _dirs, names in os.walk(results):
        files += [os.path.join(folder, name) for name in names]
    copied = []
    for path in sorted(files):
        name = os.path.relpath(path, results)
        with open(path, "rb") as src, fs.open(name, "wb") as dst:
            shutil.copyfileobj(src, dst)
        copied.append(name)
    log = os.path.join(shared_dir, LOG_FILE)
    if os.path.exists(log):
        with open(log, "rb") as src, fs.open(LOG_FILE, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return copied


def _touch(path):
    # Write, then rename: the other side never sees a half-written flag.
    with open(path + ".tmp", "w") as flag:
        flag.write(f"{time.time()}\n")
    os.replace(path + ".tmp", path)


def start(shared_dir=SHARED_DIR):
    """Tell the sidecar its input is in place."""
    _touch(os.path.join(shared_dir, START_FLAG))


def wait_for_done(shared_dir=SHARED_DIR, timeout=DONE_TIMEOUT, poll=1.0):
    """Wait for done_flag; return what it records: {"exit_status": N, "reason": ...}."""
    done = os.path.join(shared_dir, DONE_FLAG)
    deadline = time.monotonic() + timeout
    while not os.path.exists(done):
        if time.monotonic() > deadline:
            raise SidecarError(f"no {DONE_FLAG} after {timeout}s; is the sidecar image {IMAGE}:{TAG} running?")
        time.sleep(poll)
    with open(done) as flag:
        fields = dict(line.strip().split("=", 1) for line in flag if "=" in line)
    return {"exit_status": int(fields.get("exit_status", -1)), "reason": fields.get("reason", "")}


def close(shared_dir=SHARED_DIR):
    """Tell the sidecar its results are out: it exits and is cleaned up."""
    _touch(os.path.join(shared_dir, CLOSE_FLAG))


def run_once(source, output, shared_dir=SHARED_DIR, timeout=DONE_TIMEOUT):
    """The whole protocol; raise SidecarError if the command failed (the log is copied out first)."""
    copy_in(source, shared_dir)
    start(shared_dir)
    try:
        done = wait_for_done(shared_dir, timeout)
        copy_out(output, shared_dir)
    finally:
        # Always release the sidecar, also when waiting or copying failed.
        close(shared_dir)
    if done["exit_status"] != 0:
        raise SidecarError(
            f"the sidecar's command ended ({done['reason']}) with exit status {done['exit_status']}; "
            f"its log is {LOG_FILE} in the output dataset"
        )
    return done


@sidecar(image=IMAGE, tag=TAG, volumes=[Volume("shared")])
@transform(
    output=Output("<output dataset rid>"),
    source=Input("<input dataset rid>"),
)
def compute(ctx, output, source):
    def on_executor(_row):
        # Runs on one executor, next to the one sidecar container Foundry started with it.
        run_once(source, output)

    # One row, so one task on one executor: the protocol runs exactly once.
    ctx.spark_session.range(1).rdd.foreach(on_executor)
