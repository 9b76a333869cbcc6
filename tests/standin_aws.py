"""Stand-in for the SageMaker and ECR *services* (which cannot be reached from here).

The generated scripts run the real AWS CLI (``awscli``, a test dependency): it parses the
options, reads ``--cli-input-json`` files, validates every input against the botocore
service model (unknown keys, types, required members are refused before anything is sent)
and evaluates ``--query`` (JMESPath) itself. Only the service is stood in for: an HTTP
server on a loopback port speaking the services' JSON 1.1 protocol, pointed at with the
CLI's own ``AWS_ENDPOINT_URL_SAGEMAKER`` / ``AWS_ENDPOINT_URL_ECR`` variables.

It keeps the state the scripts change (images and versions, app image configs, one domain,
user profiles), records every call with its input, and refuses what the real API refuses
where a test relies on it (tests/test_register.py proves each of these):

- an update sets ``CustomImages`` to exactly the list sent (what made the old register.sh
  drop other teams' images, issue 7). It replaces the rest of ``CodeEditorAppSettings``
  as sent too: whether the real API keeps members left out is not documented, so the
  stand-in assumes the stricter, and register.sh sends them back as they are;
- ``ContainerEntrypoint`` of more than 1 item, ``ContainerArguments`` of more than 50,
  more than 25 ``ContainerEnvironmentVariables`` (API reference, ``ContainerConfig``);
- a custom image entry naming an image, version or app image config that does not exist;
- creating what exists (``ResourceInUse``), describing or updating what does not
  (``ResourceNotFound``).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ACCOUNT = "111122223333"
REGION = "us-east-1"
#: What GetAuthorizationToken hands out: base64 of "AWS:<password>".
ECR_PASSWORD = "stand-in-ecr-password"


class ApiError(Exception):
    """An error answer: HTTP 400 with the service's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class State:
    """What the stand-in holds; tests seed it and read it back."""

    #: image name -> {"RoleArn": ..., "versions": [{"BaseImage", "Version", "polls"}]}
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: app image config name -> the config as created
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: domain id -> DescribeDomain answer
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (domain id, profile name) -> DescribeUserProfile answer
    profiles: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: every call received: (operation, input)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: operations answered with AccessDeniedException (as for a role without the permission)
    denied: set[str] = field(default_factory=set)

    def add_image(self, name: str, versions: int) -> None:
        """Seed an existing image with ``versions`` CREATED versions and its app image config."""
        self.images[name] = {
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/Other",
            "versions": [
                {"BaseImage": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}:{n}", "Version": n, "polls": 1}
                for n in range(1, versions + 1)
            ],
        }
        self.configs[f"{name}-config"] = {
            "AppImageConfigName": f"{name}-config",
            "CodeEditorAppImageConfig": {"ContainerConfig": {"ContainerEntrypoint": ["entrypoint-code-editor"]}},
        }

    def operations(self) -> list[str]:
        """The operations called, in order."""
        return [op for op, _ in self.calls]


def _image(state: State, name: str) -> dict[str, Any]:
    if name not in state.images:
        raise ApiError("ResourceNotFound", f"Image {name} does not exist.")
    return state.images[name]


def _version(state: State, name: str, number: int | None) -> dict[str, Any]:
    versions = _image(state, name)["versions"]
    if not versions:
        raise ApiError("ResourceNotFound", f"Image {name} has no versions.")
    if number is None:
        return versions[-1]  # DescribeImageVersion without Version: the latest
    for v in versions:
        if v["Version"] == number:
            return v
    raise ApiError("ResourceNotFound", f"Image version {name}/{number} does not exist.")


def _check_container_config(config: dict[str, Any]) -> None:
    # The same ContainerConfig limits for both apps (API reference, ContainerConfig).
    for app in ("CodeEditorAppImageConfig", "JupyterLabAppImageConfig"):
        container = config.get(app, {}).get("ContainerConfig", {})
        for key, limit in (
            ("ContainerEntrypoint", 1),
            ("ContainerArguments", 50),
            ("ContainerEnvironmentVariables", 25),
        ):
            if len(container.get(key, ())) > limit:
                raise ApiError("ValidationException", f"{key} must have at most {limit} items.")


def _check_code_editor_settings(state: State, settings: dict[str, Any]) -> None:
    entries = [
        e
        for app in ("CodeEditorAppSettings", "JupyterLabAppSettings")
        for e in settings.get(app, {}).get("CustomImages", [])
    ]
    for entry in entries:
        _version(state, entry["ImageName"], entry.get("ImageVersionNumber"))
        if entry["AppImageConfigName"] not in state.configs:
            raise ApiError("ValidationException", f"AppImageConfig {entry['AppImageConfigName']} does not exist.")


def _replace_settings(current: dict[str, Any], sent: dict[str, Any]) -> None:
    # Each app's settings sent replace that app's settings whole, as the real API does.
    for key, value in sent.items():
        current[key] = copy.deepcopy(value)


def _handle(state: State, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
    if operation in state.denied:
        raise ApiError("AccessDeniedException", f"not authorized to perform: sagemaker:{operation}")
    if operation == "DescribeImage":
        _image(state, body["ImageName"])
        return {
            "ImageName": body["ImageName"],
            "ImageArn": f"{arn}:image/{body['ImageName']}",
            "ImageStatus": "CREATED",
        }
    if operation == "CreateImage":
        if body["ImageName"] in state.images:
            raise ApiError("ResourceInUse", f"Image {body['ImageName']} already exists.")
        state.images[body["ImageName"]] = {"RoleArn": body["RoleArn"], "versions": []}
        return {"ImageArn": f"{arn}:image/{body['ImageName']}"}
    if operation == "CreateImageVersion":
        image = _image(state, body["ImageName"])
        number = len(image["versions"]) + 1
        image["versions"].append({"BaseImage": body["BaseImage"], "Version": number, "polls": 0})
        return {"ImageVersionArn": f"{arn}:image-version/{body['ImageName']}/{number}"}
    if operation == "DescribeImageVersion":
        version = _version(state, body["ImageName"], body.get("Version"))
        # A new version is CREATING when first described, then CREATED.
        status = "CREATED" if version["polls"] else "CREATING"
        version["polls"] += 1
        return {
            "BaseImage": version["BaseImage"],
            "ImageVersionArn": f"{arn}:image-version/{body['ImageName']}/{version['Version']}",
            "ImageVersionStatus": status,
            "Version": version["Version"],
        }
    if operation == "DescribeAppImageConfig":
        name = body["AppImageConfigName"]
        if name not in state.configs:
            raise ApiError("ResourceNotFound", f"AppImageConfig {name} does not exist.")
        return {**state.configs[name], "AppImageConfigArn": f"{arn}:app-image-config/{name}"}
    if operation in ("CreateAppImageConfig", "UpdateAppImageConfig"):
        name = body["AppImageConfigName"]
        if operation == "CreateAppImageConfig" and name in state.configs:
            raise ApiError("ResourceInUse", f"AppImageConfig {name} already exists.")
        if operation == "UpdateAppImageConfig" and name not in state.configs:
            raise ApiError("ResourceNotFound", f"AppImageConfig {name} does not exist.")
        _check_container_config(body)
        state.configs[name] = copy.deepcopy(body)
        return {"AppImageConfigArn": f"{arn}:app-image-config/{name}"}
    if operation in ("DescribeDomain", "UpdateDomain"):
        if body["DomainId"] not in state.domains:
            raise ApiError("ResourceNotFound", f"Domain {body['DomainId']} does not exist.")
        domain = state.domains[body["DomainId"]]
        if operation == "UpdateDomain":
            _check_code_editor_settings(state, body.get("DefaultUserSettings", {}))
            _replace_settings(domain["DefaultUserSettings"], body.get("DefaultUserSettings", {}))
            return {"DomainArn": f"{arn}:domain/{body['DomainId']}"}
        return copy.deepcopy(domain)
    if operation in ("DescribeUserProfile", "UpdateUserProfile"):
        key = (body["DomainId"], body["UserProfileName"])
        if key not in state.profiles:
            raise ApiError("ResourceNotFound", f"User profile {key[1]} does not exist.")
        profile = state.profiles[key]
        if operation == "UpdateUserProfile":
            _check_code_editor_settings(state, body.get("UserSettings", {}))
            _replace_settings(profile.setdefault("UserSettings", {}), body.get("UserSettings", {}))
            return {"UserProfileArn": f"{arn}:user-profile/{key[0]}/{key[1]}"}
        return copy.deepcopy(profile)
    if operation == "GetAuthorizationToken":
        token = base64.b64encode(f"AWS:{ECR_PASSWORD}".encode()).decode()
        endpoint = f"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
        return {"authorizationData": [{"authorizationToken": token, "proxyEndpoint": endpoint, "expiresAt": 2e9}]}
    raise ApiError("UnknownOperationException", f"{operation} is not served by the stand-in")


class _Handler(BaseHTTPRequestHandler):
    state: State

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
        self.state.calls.append((operation, body))
        try:
            status, answer = 200, _handle(self.state, operation, body)
        except ApiError as error:
            status, answer = 400, {"__type": error.code, "message": str(error)}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the calls are recorded in the state."""


@contextmanager
def serve(state: State) -> Iterator[str]:
    """Serve ``state`` on a free loopback port; yields the endpoint URL."""
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def cli_env(endpoint: str, home: Path, path: str = "") -> dict[str, str]:
    """Environment in which the real ``aws`` CLI of this test environment talks to the stand-in.

    Nothing of the user's AWS set-up is read: no profile, no config or credentials file,
    no instance metadata. ``path`` goes first on PATH (e.g. a recording ``docker``).
    """
    aws = Path(sys.executable).parent / "aws"
    if not aws.exists():
        raise AssertionError("the AWS CLI is not installed in this environment: pip install -e '.[test]'")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=os.pathsep.join(p for p in (path, str(aws.parent), os.environ["PATH"]) if p),
        HOME=str(home),
        AWS_ENDPOINT_URL_SAGEMAKER=endpoint,
        AWS_ENDPOINT_URL_ECR=endpoint,
        AWS_ACCESS_KEY_ID="AKIASTANDIN",
        AWS_SECRET_ACCESS_KEY="stand-in-secret",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_MAX_ATTEMPTS="1",
    )
    return env
