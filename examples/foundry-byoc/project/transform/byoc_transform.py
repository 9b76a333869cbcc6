"""Foundry side of "cobol-transform": a lightweight transform that runs inside that image (written by byoi 0.3.0).

Copy this file into your Python transforms repository (e.g. src/myproject/datasets/),
enable container workflows for it, add the Artifacts repository you pushed the image to
as a backing repository, and replace the two dataset RIDs below. Foundry then runs
compute() in a container of cobol-transform:2.3.0 as user 5001, with your repository's
code under $USER_WORKING_DIR/user_code.

(With the older decorator the same is:
@lightweight(container_image=IMAGE, container_tag=TAG) above @transform(...).)
"""

import os
import shutil
import subprocess
import tempfile

from transforms.api import Input, Output, transform

IMAGE = "cobol-transform"
TAG = "2.3.0"
# The tool the image ships (work.sh in the image project).
TOOL = "/app/work.sh"


def copy_in(source, folder):
    """Copy every file of the input dataset into ``folder``."""
    fs = source.filesystem()
    for item in fs.ls():
        target = os.path.join(folder, item.path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with fs.open(item.path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)


def copy_out(folder, output):
    """Copy every file under ``folder`` into the output dataset."""
    fs = output.filesystem()
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            with open(path, "rb") as src, fs.open(os.path.relpath(path, folder), "wb") as dst:
                shutil.copyfileobj(src, dst)


def run_tool(input_dir, output_dir):
    """Run the image's tool on ``input_dir``; its output goes to the transform's log."""
    env = dict(os.environ, INPUT_DIR=input_dir, OUTPUT_DIR=output_dir)
    subprocess.run([TOOL], env=env, check=True)


@transform.using(
    output=Output("<output dataset rid>"),
    source=Input("<input dataset rid>"),
).with_container(container_image=IMAGE, container_tag=TAG)
def compute(output, source):
    with tempfile.TemporaryDirectory() as work:
        input_dir = os.path.join(work, "input")
        output_dir = os.path.join(work, "output")
        os.makedirs(input_dir)
        copy_in(source, input_dir)
        run_tool(input_dir, output_dir)
        copy_out(output_dir, output)
