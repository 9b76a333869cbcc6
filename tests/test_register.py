"""register.sh against a stand-in ``aws`` CLI (the SageMaker service cannot be reached here).

The stand-in records every call and answers like the SageMaker API would for a first
registration: no image yet, a new version (number 7) that is CREATING, then CREATED.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from support import run_byoi

# Stand-in for the AWS CLI: logs its arguments, copies any --cli-input-json file, and
# answers the calls register.sh makes the way the SageMaker API does.
FAKE_AWS = r"""#!/usr/bin/env bash
set -euo pipefail
log="$FAKE_AWS_DIR/calls"
echo "$*" >> "$log"
for arg in "$@"; do
    case "$arg" in
        file://*) n=$(wc -l < "$log"); cp "${arg#file://}" "$FAKE_AWS_DIR/input-$n.json" ;;
    esac
done
case "$2" in
    describe-image) exit 254 ;;
    describe-app-image-config) exit 254 ;;
    create-image-version) echo "arn:aws:sagemaker:us-east-1:111122223333:image-version/$4/7" ;;
    describe-image-version)
        polls="$FAKE_AWS_DIR/polls"; echo x >> "$polls"
        if [[ $(wc -l < "$polls") -lt 2 ]]; then echo CREATING; else echo CREATED; fi ;;
    describe-domain) echo '[]' ;;
esac
"""


def test_register_creates_image_version_config_and_attaches_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    run_byoi("new", "sagemaker-code-editor", "-o", str(project), "--name", "team-editor", "--no-input", check=True)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "aws").write_text(FAKE_AWS)
    (fake / "aws").chmod(0o755)
    (fake / "sleep").write_text("#!/bin/sh\nexit 0\n")  # no real waiting between polls
    (fake / "sleep").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{fake}:{os.environ['PATH']}",
        "FAKE_AWS_DIR": str(tmp_path),
        "ROLE_ARN": "arn:aws:iam::111122223333:role/Studio",
        "DOMAIN_ID": "d-abc123",
    }
    uri = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-editor:0.1.0"
    proc = subprocess.run(
        [str(project / "register.sh"), uri], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    calls = [line.split()[:2] for line in (tmp_path / "calls").read_text().splitlines()]
    assert [c[1] for c in calls] == [
        "describe-image",
        "create-image",
        "create-image-version",
        "describe-image-version",
        "describe-image-version",
        "describe-app-image-config",
        "create-app-image-config",
        "describe-domain",
        "update-domain",
    ]
    lines = (tmp_path / "calls").read_text().splitlines()
    assert f"--base-image {uri}" in lines[2]
    assert "--role-arn arn:aws:iam::111122223333:role/Studio" in lines[1]
    assert "--domain-id d-abc123" in lines[-1]
    config = json.loads((tmp_path / "input-7.json").read_text())
    assert config["AppImageConfigName"] == "team-editor-config"
    domain = json.loads((tmp_path / "input-9.json").read_text())
    image = domain["DefaultUserSettings"]["CodeEditorAppSettings"]["CustomImages"][0]
    assert image == {"ImageName": "team-editor", "ImageVersionNumber": 7, "AppImageConfigName": "team-editor-config"}
    assert "version 7" in proc.stdout


def test_register_needs_role_and_domain(tmp_path: Path) -> None:
    project = tmp_path / "project"
    run_byoi("new", "sagemaker-code-editor", "-o", str(project), "--no-input", check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("ROLE_ARN", "DOMAIN_ID")}
    proc = subprocess.run([str(project / "register.sh"), "x/y:1"], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "ROLE_ARN" in proc.stderr
