"""A fast, recording stand-in for the ``aws`` command, for the fast tests of build.sh and register.sh.

STANDS IN FOR: the AWS CLI (``awscli``), which takes about a second to start, so a register.sh
run with the real CLI (nine calls) is a slow test. Only the CLI is stood in for: the answers
come from the same stand-in *service* (tests/standin_aws.py) the real CLI talks to in the slow
tests, through ``AWS_ENDPOINT_URL_<SERVICE>``.

REPRODUCES, what the generated scripts rely on:
- ``aws SERVICE COMMAND --kebab-option VALUE ...`` sends the operation (``describe-domain`` ->
  ``DescribeDomain``) with the options as its input members (``--domain-id`` -> ``DomainId``;
  ``--version-number`` -> ``Version``, as the CLI renames it), numbers as numbers;
- ``--cli-input-json file://PATH`` reads the input from the file (options override it);
- ``--query`` (JMESPath, the ``jmespath`` package the CLI itself uses) and ``--output json``
  (indented JSON) or ``text`` (a scalar as is, ``None`` for null);
- an error answer: exit status 254 and ``An error occurred (CODE) when calling the OPERATION
  operation: MESSAGE`` on stderr, as the CLI prints it;
- ``aws ecr get-login-password``: GetAuthorizationToken, the password decoded from the token.

DEVIATIONS: no validation of the input against the service model (the real CLI refuses unknown
keys before sending: tests/test_register.py proves that with the real CLI). Options it does not
know are refused with exit status 2.

RECORDS: each call as one JSON line in ``$BYOI_FAKE_AWS_CALLS``: ``{"argv": [...], "files":
{PATH: text}}``, the text of every ``file://`` argument read when called (the scripts delete
their temporary files before the test can look).

The slow tests run the same scenarios with the real CLI and expect the same calls and inputs
(tests/test_register.py, tests/test_sagemaker_build.py, the ``cli`` parameter): that is the proof
that this stand-in answers as the CLI does where the tests rely on it.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import jmespath

#: The JSON 1.1 target prefix of each service (botocore's service models, "targetPrefix").
TARGET_PREFIX = {"sagemaker": "SageMaker", "ecr": "AmazonEC2ContainerRegistry_V20150921"}
#: Options the CLI renames (``--version`` is its own option) and members that are integers.
RENAMED = {"version-number": "Version"}
INTEGERS = {"Version", "ImageVersionNumber"}
#: Options of the CLI itself, not of the operation.
GLOBAL = {"query", "output", "region", "cli-input-json"}


def pascal(option: str) -> str:
    """``--domain-id`` -> ``DomainId``."""
    return RENAMED.get(option, "".join(part.capitalize() for part in option.split("-")))


def install(folder: Path) -> Path:
    """Put an ``aws`` that runs this stand-in in ``folder`` (to go first on PATH); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    aws = folder / "aws"
    aws.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).resolve()))} "$@"\n')
    aws.chmod(0o755)
    return folder


def calls(log: Path) -> list[dict[str, Any]]:
    """The calls recorded in ``log``: ``{"argv": [...], "files": {...}}`` each."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def main(argv: list[str]) -> int:
    files: dict[str, str] = {}
    for arg in argv:
        if arg.startswith("file://"):
            with open(arg[len("file://") :], encoding="utf-8") as handle:
                files[arg[len("file://") :]] = handle.read()
    with open(os.environ["BYOI_FAKE_AWS_CALLS"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"argv": argv, "files": files}) + "\n")

    if len(argv) < 2 or argv[0] not in TARGET_PREFIX:
        print(f"aws: error: the stand-in knows only {sorted(TARGET_PREFIX)}: {argv[:2]}", file=sys.stderr)
        return 2
    service, command, rest = argv[0], argv[1], argv[2:]
    options: dict[str, str] = {}
    while rest:
        if not rest[0].startswith("--") or len(rest) < 2:
            print(f"aws: error: the stand-in cannot parse {rest}", file=sys.stderr)
            return 2
        options[rest[0][2:]] = rest[1]
        rest = rest[2:]

    body: dict[str, Any] = {}
    if "cli-input-json" in options:
        body.update(json.loads(files[options["cli-input-json"][len("file://") :]]))
    for option, value in options.items():
        if option not in GLOBAL:
            member = pascal(option)
            body[member] = int(value) if member in INTEGERS else value

    login = service == "ecr" and command == "get-login-password"
    operation = "GetAuthorizationToken" if login else pascal(command)
    request = urllib.request.Request(
        os.environ[f"AWS_ENDPOINT_URL_{service.upper()}"],
        data=json.dumps(body).encode(),
        headers={
            "X-Amz-Target": f"{TARGET_PREFIX[service]}.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        failure = json.loads(error.read())
        print(
            f"\nAn error occurred ({failure['__type']}) when calling the {operation} operation: {failure['message']}",
            file=sys.stderr,
        )
        return 254

    if login:
        token = base64.b64decode(answer["authorizationData"][0]["authorizationToken"]).decode()
        print(token.split(":", 1)[1])
        return 0
    if "query" in options:
        answer = jmespath.search(options["query"], answer)
    if options.get("output", "json") == "text":
        print("None" if answer is None else answer)
    else:
        print(json.dumps(answer, indent=4))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
