"""The Foundry compute module "scoring-module": its functions, registered with Palantir's SDK and started.

Replace the two examples with your own functions. Each takes the job's context and one
typed input (a TypedDict or a dataclass) and returns a JSON-serialisable value; from the
types the SDK infers the schema it posts to Foundry, so Foundry can import each one as a
Function. A function that raises answers its job with {"exception": "..."}, and the module
goes on with the next job.
"""

import multiprocessing
import os
import signal
from typing import TypedDict

from compute_modules import add_functions, start_compute_module


class AddInput(TypedDict):
    x: int
    y: int


class HelloInput(TypedDict):
    name: str


def add(context, event: AddInput) -> int:
    """The sum of x and y."""
    return event["x"] + event["y"]


def hello(context, event: HelloInput) -> str:
    """A greeting for name."""
    return f"Hello {event['name']}!"


_MAIN_PID = os.getpid()


def _stop(signum, frame):
    """SIGTERM (Foundry scaling the module down, docker stop): stop at once, cleanly.

    python3 is the container's PID 1, which the kernel spares the default action of
    SIGTERM: without a handler the module would ignore it and be killed after the grace
    period. The main process stops the SDK's worker processes (which inherited this
    handler and leave at once) and exits with os._exit: a normal exit would run the SDK's
    pool clean-up, which byoi saw hang on a busy worker, and the at-exit hook that the SDK's
    @function decorator registers, which starts polling again.
    """
    if os.getpid() != _MAIN_PID:
        os._exit(128 + signum)
    workers = multiprocessing.active_children()
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(5)
    os._exit(0)


if __name__ == "__main__":
    # The SDK's worker pool relies on fork (its workers use the client the main process made);
    # Python 3.14 made forkserver the default on Linux, so ask for fork.
    multiprocessing.set_start_method("fork")
    signal.signal(signal.SIGTERM, _stop)
    add_functions(add, hello)
    start_compute_module()
