"""register.sh as a user runs it: the real AWS CLI, against a stand-in SageMaker service.

The SageMaker service cannot be reached from here, so tests/standin_aws.py stands in
for it (and only for it): the CLI, its JSON validation and its ``--query`` are real. The
stand-in's domain already offers two other teams' images in Code Editor; registering
must keep them (issue 7, item 5).

Expected values are literals. API shapes: AWS API reference, CreateAppImageConfig
(``AppImageConfigName``, ``CodeEditorAppImageConfig.ContainerConfig.ContainerEntrypoint``),
UpdateDomain (``DefaultUserSettings.CodeEditorAppSettings.CustomImages[]`` of
``ImageName``, ``ImageVersionNumber``, ``AppImageConfigName``) and UpdateUserProfile
(``UserSettings.CodeEditorAppSettings``); docs/platform-facts.md, "Registering the image".
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fake_aws
import pytest
from standin_aws import ACCOUNT, State, cli_env, serve
from support import run_byoi

ROLE = "arn:aws:iam::111122223333:role/Studio"
DOMAIN = "d-abc123"
URI = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-editor:0.1.0"
#: Two other teams' images the domain already offers; they must survive.
OTHERS = [
    {"ImageName": "data-science", "ImageVersionNumber": 3, "AppImageConfigName": "data-science-config"},
    {"ImageName": "ml-platform", "ImageVersionNumber": 1, "AppImageConfigName": "ml-platform-config"},
]
#: Other Code Editor settings of the domain, also kept.
LIFECYCLE = [f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:studio-lifecycle-config/install-tools"]
RESOURCE_SPEC = {"InstanceType": "ml.t3.medium"}
#: The app image config for a micromamba-based image: its ENTRYPOINT, the only item allowed.
CONFIG = {
    "AppImageConfigName": "team-editor-config",
    "CodeEditorAppImageConfig": {"ContainerConfig": {"ContainerEntrypoint": ["/usr/local/bin/start-code-editor"]}},
}


def ours(version: int) -> dict[str, Any]:
    """This project's entry in a CustomImages list."""
    return {"ImageName": "team-editor", "ImageVersionNumber": version, "AppImageConfigName": "team-editor-config"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("register") / "project"
    run_byoi("new", "sagemaker-code-editor", "-o", str(out), "--name", "team-editor", "--no-input", check=True)
    return out


@pytest.fixture
def state() -> State:
    """A domain offering two other teams' images, plus a user profile with one of its own."""
    s = State()
    s.add_image("data-science", versions=3)
    s.add_image("ml-platform", versions=1)
    s.add_image("alice-sandbox", versions=2)
    s.domains[DOMAIN] = {
        "DomainId": DOMAIN,
        "DomainArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/{DOMAIN}",
        "DomainName": "research",
        "Status": "InService",
        "DefaultUserSettings": {
            "ExecutionRole": ROLE,
            "CodeEditorAppSettings": {
                "DefaultResourceSpec": RESOURCE_SPEC,
                "CustomImages": copy.deepcopy(OTHERS),
                "LifecycleConfigArns": LIFECYCLE,
            },
        },
    }
    s.profiles[(DOMAIN, "alice")] = {
        "DomainId": DOMAIN,
        "UserProfileName": "alice",
        "Status": "InService",
        "UserSettings": {
            "CodeEditorAppSettings": {
                "CustomImages": [
                    {
                        "ImageName": "alice-sandbox",
                        "ImageVersionNumber": 2,
                        "AppImageConfigName": "alice-sandbox-config",
                    }
                ]
            }
        },
    }
    return s


@pytest.fixture
def endpoint(state: State) -> Iterator[str]:
    with serve(state) as url:
        yield url


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.slow)])
def cli(request: pytest.FixtureRequest) -> str:
    """Which ``aws`` register.sh runs: tests/fake_aws.py (fast) or the real CLI (slow)."""
    return str(request.param)


def register(
    project: Path,
    endpoint: str,
    tmp_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    cli: str = "real",
) -> subprocess.CompletedProcess[str]:
    """``./register.sh ARGS`` with a recording ``sleep`` (the wait between polls is not waited),
    and the real ``aws`` or, with ``cli="fake"``, tests/fake_aws.py (its calls in tmp_path/aws-calls)."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    sleep = fake / "sleep"
    sleep.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/sleeps\n')
    sleep.chmod(0o755)
    if cli == "fake":
        fake_aws.install(fake)
    return subprocess.run(
        [str(project / "register.sh"), *args],
        env={
            **cli_env(endpoint, tmp_path, str(fake)),
            "BYOI_FAKE_AWS_CALLS": str(tmp_path / "aws-calls"),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def inputs(state: State, operation: str) -> list[dict[str, Any]]:
    """What was sent with each call of ``operation``."""
    return [body for op, body in state.calls if op == operation]


def test_first_registration_keeps_the_domains_other_images(
    project: Path, state: State, endpoint: str, tmp_path: Path, cli: str
) -> None:
    proc = register(project, endpoint, tmp_path, URI, env={"ROLE_ARN": ROLE, "DOMAIN_ID": DOMAIN}, cli=cli)
    assert proc.returncode == 0, proc.stderr
    assert state.operations() == [
        "DescribeImage",
        "CreateImage",
        "CreateImageVersion",
        "DescribeImageVersion",  # CREATING
        "DescribeImageVersion",  # CREATED
        "DescribeAppImageConfig",
        "CreateAppImageConfig",
        "DescribeDomain",
        "UpdateDomain",
    ]
    assert inputs(state, "CreateImage") == [{"ImageName": "team-editor", "RoleArn": ROLE}]
    [version_input] = inputs(state, "CreateImageVersion")
    assert (version_input["ImageName"], version_input["BaseImage"]) == ("team-editor", URI)
    assert inputs(state, "DescribeImageVersion")[0] == {"ImageName": "team-editor", "Version": 1}
    assert inputs(state, "CreateAppImageConfig") == [CONFIG]
    assert inputs(state, "UpdateDomain") == [
        {
            "DomainId": DOMAIN,
            "DefaultUserSettings": {
                "CodeEditorAppSettings": {
                    "DefaultResourceSpec": RESOURCE_SPEC,
                    "CustomImages": [*OTHERS, ours(1)],
                    "LifecycleConfigArns": LIFECYCLE,
                }
            },
        }
    ]
    settings = state.domains[DOMAIN]["DefaultUserSettings"]
    assert settings["CodeEditorAppSettings"]["CustomImages"] == [*OTHERS, ours(1)]
    assert settings["ExecutionRole"] == ROLE
    assert (tmp_path / "sleeps").read_text() == "5\n"  # one wait, while CREATING
    assert "domain d-abc123 offers team-editor version 1 in Code Editor" in proc.stdout
    if cli == "fake":
        # The exact commands (the merging --query shown as QUERY) and the JSON files sent.
        recorded = fake_aws.calls(tmp_path / "aws-calls")
        argv = [["QUERY" if a.startswith("{DomainId") else a for a in c["argv"]] for c in recorded]
        update_file = argv[-1][-1]
        assert update_file.startswith("file:///")
        status = ["--query", "ImageVersionStatus", "--output", "text"]
        version_arn = ["--query", "ImageVersionArn", "--output", "text"]
        assert argv == [
            ["sagemaker", "describe-image", "--image-name", "team-editor"],
            ["sagemaker", "create-image", "--image-name", "team-editor", "--role-arn", ROLE],
            ["sagemaker", "create-image-version", "--image-name", "team-editor", "--base-image", URI, *version_arn],
            ["sagemaker", "describe-image-version", "--image-name", "team-editor", "--version-number", "1", *status],
            ["sagemaker", "describe-image-version", "--image-name", "team-editor", "--version-number", "1", *status],
            ["sagemaker", "describe-app-image-config", "--app-image-config-name", "team-editor-config"],
            ["sagemaker", "create-app-image-config", "--cli-input-json", "file://sagemaker/app-image-config.json"],
            ["sagemaker", "describe-domain", "--domain-id", DOMAIN, "--query", "QUERY", "--output", "json"],
            ["sagemaker", "update-domain", "--cli-input-json", update_file],
        ]
        assert json.loads(recorded[6]["files"]["sagemaker/app-image-config.json"]) == CONFIG
        assert json.loads(recorded[-1]["files"][update_file[len("file://") :]]) == inputs(state, "UpdateDomain")[0]


def test_registering_again_replaces_only_its_own_entry(
    project: Path, state: State, endpoint: str, tmp_path: Path, cli: str
) -> None:
    state.add_image("team-editor", versions=1)  # registered once before, config and all
    settings = state.domains[DOMAIN]["DefaultUserSettings"]["CodeEditorAppSettings"]
    settings["CustomImages"] = [OTHERS[0], ours(1), OTHERS[1]]
    proc = register(project, endpoint, tmp_path, "--domain-id", DOMAIN, URI, cli=cli)  # no role needed now
    assert proc.returncode == 0, proc.stderr
    assert state.operations() == [
        "DescribeImage",
        "CreateImageVersion",
        "DescribeImageVersion",
        "DescribeImageVersion",
        "DescribeAppImageConfig",
        "UpdateAppImageConfig",
        "DescribeDomain",
        "UpdateDomain",
    ]
    assert inputs(state, "UpdateAppImageConfig") == [CONFIG]
    images = state.domains[DOMAIN]["DefaultUserSettings"]["CodeEditorAppSettings"]["CustomImages"]
    assert images == [*OTHERS, ours(2)]


def test_user_profile_gets_the_image_and_keeps_its_own(
    project: Path, state: State, endpoint: str, tmp_path: Path, cli: str
) -> None:
    before = json.loads(json.dumps(state.domains[DOMAIN]))
    proc = register(
        project,
        endpoint,
        tmp_path,
        URI,
        "--user-profile",
        "alice",
        env={"ROLE_ARN": ROLE, "DOMAIN_ID": DOMAIN},
        cli=cli,
    )
    assert proc.returncode == 0, proc.stderr
    assert state.operations()[-2:] == ["DescribeUserProfile", "UpdateUserProfile"]
    assert inputs(state, "DescribeUserProfile") == [{"DomainId": DOMAIN, "UserProfileName": "alice"}]
    alice = {"ImageName": "alice-sandbox", "ImageVersionNumber": 2, "AppImageConfigName": "alice-sandbox-config"}
    assert inputs(state, "UpdateUserProfile") == [
        {
            "DomainId": DOMAIN,
            "UserProfileName": "alice",
            "UserSettings": {"CodeEditorAppSettings": {"CustomImages": [alice, ours(1)]}},
        }
    ]
    assert state.domains[DOMAIN] == before
    assert "user profile alice of d-abc123 offers team-editor version 1" in proc.stdout


def test_dry_run_prints_the_json_and_changes_nothing(
    project: Path, state: State, endpoint: str, tmp_path: Path, cli: str
) -> None:
    state.add_image("team-editor", versions=4)  # registered before: the next version is 5
    proc = register(project, endpoint, tmp_path, "--dry-run", URI, env={"DOMAIN_ID": DOMAIN}, cli=cli)
    assert proc.returncode == 0, proc.stderr
    assert all(op.startswith("Describe") for op in state.operations()), state.operations()
    assert state.domains[DOMAIN]["DefaultUserSettings"]["CodeEditorAppSettings"]["CustomImages"] == OTHERS
    assert len(state.images["team-editor"]["versions"]) == 4
    out = proc.stdout
    assert f"would run: aws sagemaker create-image-version --image-name team-editor --base-image {URI}" in out
    assert (
        "would run: aws sagemaker update-app-image-config --cli-input-json file://sagemaker/app-image-config.json"
        in out
    )
    # The JSON update-domain would get comes last; it holds the others and version 5.
    update = json.loads(out[out.index("{", out.index("would run: aws sagemaker update-domain")) : out.rindex("}") + 1])
    images = update["DefaultUserSettings"]["CodeEditorAppSettings"]["CustomImages"]
    assert images == [*OTHERS, ours(5)]
    assert out.rstrip().endswith("dry run: nothing was changed")
    assert not (tmp_path / "sleeps").exists()


@pytest.mark.parametrize(
    "args,env,needle",
    [
        (["--colour", "blue", URI], {"DOMAIN_ID": DOMAIN}, "unknown option '--colour'"),
        ([URI, URI], {"DOMAIN_ID": DOMAIN}, "unexpected argument"),
        ([], {"DOMAIN_ID": DOMAIN}, "IMAGE_URI"),
        (["team-editor"], {"DOMAIN_ID": DOMAIN}, "REGISTRY/REPOSITORY:TAG"),
        ([URI], {}, "DOMAIN_ID"),
        (["--domain-id", "--dry-run", URI], {}, "--domain-id needs a value"),
        ([URI], {"DOMAIN_ID": DOMAIN}, "ROLE_ARN"),  # the image does not exist yet
    ],
    ids=["unknown option", "two uris", "no uri", "not a uri", "no domain", "option without value", "no role"],
)
def test_bad_usage_is_refused_with_one_line_and_changes_nothing(
    project: Path, state: State, endpoint: str, tmp_path: Path, args: list[str], env: dict[str, str], needle: str
) -> None:
    proc = register(project, endpoint, tmp_path, *args, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("register.sh: error: ") and needle in lines[0], proc.stderr
    assert all(op.startswith("Describe") for op in state.operations())


def test_an_error_other_than_not_found_stops_before_changing_anything(
    project: Path, state: State, endpoint: str, tmp_path: Path
) -> None:
    """No permission to describe is not "the image does not exist": nothing is created."""
    state.denied.add("DescribeImage")
    proc = register(project, endpoint, tmp_path, URI, env={"ROLE_ARN": ROLE, "DOMAIN_ID": DOMAIN})
    assert proc.returncode == 1
    assert "AccessDeniedException" in proc.stderr
    assert state.operations() == ["DescribeImage"]


def test_help_prints_usage_and_calls_nothing(project: Path, state: State, endpoint: str, tmp_path: Path) -> None:
    proc = register(project, endpoint, tmp_path, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Registers the pushed image with SageMaker Studio")
    for option in ("--domain-id ID", "--user-profile NAME", "--role-arn ARN", "--dry-run", "-h, --help"):
        assert option in proc.stdout
    assert state.calls == []


# ------------------------------------------------ the stand-in refuses what the API refuses


def aws(endpoint: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI, talking to the stand-in."""
    return subprocess.run(
        ["aws", *args], env=cli_env(endpoint, tmp_path), capture_output=True, text=True, timeout=60, check=False
    )


def test_an_update_replaces_the_whole_list_which_is_why_register_merges(
    state: State, endpoint: str, tmp_path: Path
) -> None:
    """What the old register.sh did: send only its own entry. The others are gone."""
    state.add_image("team-editor", versions=1)
    update = tmp_path / "update.json"
    update.write_text(
        json.dumps({"DomainId": DOMAIN, "DefaultUserSettings": {"CodeEditorAppSettings": {"CustomImages": [ours(1)]}}})
    )
    proc = aws(endpoint, tmp_path, "sagemaker", "update-domain", "--cli-input-json", f"file://{update}")
    assert proc.returncode == 0, proc.stderr
    settings = state.domains[DOMAIN]["DefaultUserSettings"]["CodeEditorAppSettings"]
    assert settings == {"CustomImages": [ours(1)]}


def test_the_real_cli_refuses_unknown_keys_before_sending_anything(state: State, endpoint: str, tmp_path: Path) -> None:
    """So an update JSON the tests above accept has only keys the API knows."""
    update = tmp_path / "update.json"
    update.write_text(json.dumps({"DomainId": DOMAIN, "CustomImages": [ours(1)]}))
    proc = aws(endpoint, tmp_path, "sagemaker", "update-domain", "--cli-input-json", f"file://{update}")
    assert proc.returncode != 0 and 'Unknown parameter in input: "CustomImages"' in proc.stderr
    nested = {"DomainId": DOMAIN, "DefaultUserSettings": {"CodeEditorAppSettings": {"Images": []}}}
    update.write_text(json.dumps(nested))
    proc = aws(endpoint, tmp_path, "sagemaker", "update-domain", "--cli-input-json", f"file://{update}")
    assert (
        proc.returncode != 0
        and 'Unknown parameter in DefaultUserSettings.CodeEditorAppSettings: "Images"' in proc.stderr
    )
    assert state.calls == []


@pytest.mark.parametrize(
    "container,refused",
    [
        ({"ContainerEntrypoint": ["entrypoint-code-editor", "--verbose"]}, "ContainerEntrypoint"),
        ({"ContainerArguments": ["-v"] * 51}, "ContainerArguments"),
        ({"ContainerEnvironmentVariables": {f"V{i}": "x" for i in range(26)}}, "ContainerEnvironmentVariables"),
        ({"ContainerEntrypoint": ["entrypoint-code-editor"]}, None),
    ],
    ids=["2 entrypoint items", "51 arguments", "26 variables", "valid"],
)
def test_the_stand_in_refuses_app_image_configs_over_the_api_limits(
    state: State, endpoint: str, tmp_path: Path, container: dict[str, Any], refused: str | None
) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"AppImageConfigName": "c", "CodeEditorAppImageConfig": {"ContainerConfig": container}})
    )
    proc = aws(endpoint, tmp_path, "sagemaker", "create-app-image-config", "--cli-input-json", f"file://{config}")
    if refused is None:
        assert proc.returncode == 0, proc.stderr
    else:
        assert proc.returncode != 0 and "ValidationException" in proc.stderr and refused in proc.stderr
        assert "c" not in state.configs


@pytest.mark.slow
def test_the_stand_in_refuses_an_entry_for_an_image_or_config_that_does_not_exist(
    state: State, endpoint: str, tmp_path: Path
) -> None:
    update = tmp_path / "update.json"
    missing_version = {**OTHERS[1], "ImageVersionNumber": 9}
    missing_config = {**OTHERS[1], "AppImageConfigName": "nowhere-config"}
    for entry, error in ((ours(1), "ResourceNotFound"), (missing_version, "ResourceNotFound"), (missing_config, "")):
        body = {"DomainId": DOMAIN, "DefaultUserSettings": {"CodeEditorAppSettings": {"CustomImages": [entry]}}}
        update.write_text(json.dumps(body))
        proc = aws(endpoint, tmp_path, "sagemaker", "update-domain", "--cli-input-json", f"file://{update}")
        assert proc.returncode != 0 and error in proc.stderr, entry
    assert state.domains[DOMAIN]["DefaultUserSettings"]["CodeEditorAppSettings"]["CustomImages"] == OTHERS
