"""``byoi new sagemaker-code-editor``: what it writes, and what it refuses.

The supported combinations are answers files in tests/answers/sagemaker-code-editor/;
each is rendered with the real command, snapshotted whole, and linted with the real
hadolint and shellcheck.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from lint import hadolint, hadolint_errors, shell_scripts, shellcheck
from support import run_byoi, tree, versionless

ANSWERS = sorted((Path(__file__).parent / "answers" / "sagemaker-code-editor").glob("*.yaml"))
TARGET = "sagemaker-code-editor"


def generate(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "project"
    run_byoi("new", TARGET, "-o", str(out), "--no-input", *args, check=True)
    return out


@pytest.fixture(scope="module", params=ANSWERS, ids=[p.stem for p in ANSWERS])
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(request.param.stem) / "project"
    run_byoi("new", "--config", str(request.param), "-o", str(out), "--no-input", check=True)
    return out


def test_output_matches_snapshot(project: Path, snapshot: object) -> None:
    assert versionless(tree(project)) == snapshot


def test_nothing_left_unrendered(project: Path) -> None:
    for rel, text in tree(project).items():
        assert "{%" not in text, rel
        assert not re.search(r"\{\{\s*(a|p|cookiecutter)\.", text), rel


def test_dockerfile_passes_hadolint(project: Path) -> None:
    assert hadolint_errors(project / "Dockerfile") == []


def test_shell_scripts_pass_shellcheck(project: Path) -> None:
    scripts = shell_scripts(project)
    assert project / "build.sh" in scripts and project / "register.sh" in scripts
    for script in scripts:
        assert shellcheck(script) == "", script.name


def entrypoint_of(dockerfile: Path) -> list[str]:
    """The exec-form ENTRYPOINT of the (last) stage, read from the file itself."""
    found = re.findall(r"^ENTRYPOINT (.+)$", dockerfile.read_text(), re.M)
    assert found, f"{dockerfile} has no ENTRYPOINT"
    entrypoint: list[str] = json.loads(found[-1])
    return entrypoint


def base_image_of(dockerfile: Path) -> str:
    """The base image: FROM ${BASE_IMAGE}, the ARG's default."""
    text = dockerfile.read_text()
    assert re.findall(r"^FROM (.+)$", text, re.M) == ["${BASE_IMAGE}"]
    found = re.search(r"^ARG BASE_IMAGE=(\S+)$", text, re.M)
    assert found is not None
    return found.group(1)


#: The entrypoint each base needs. Distribution: its own entrypoint-code-editor, without which
#: the space never starts (docs/platform-facts.md, reference images; sagemaker-distribution
#: issue #538). Micromamba: the script byoi writes, where its Dockerfile copies it.
ENTRYPOINTS = {
    "sagemaker-distribution": ["entrypoint-code-editor"],
    "micromamba": ["/usr/local/bin/start-code-editor"],
}


def test_app_image_config_has_the_api_shape_and_the_dockerfiles_entrypoint(project: Path) -> None:
    """CreateAppImageConfig's input (AWS API reference): a name and CodeEditorAppImageConfig, whose
    ContainerConfig may hold ContainerEntrypoint (at most 1 item), ContainerArguments and
    ContainerEnvironmentVariables; FileSystemConfig is not supported for Code Editor."""
    config = json.loads((project / "sagemaker" / "app-image-config.json").read_text())
    answers = yaml.safe_load((project / "byoi.yaml").read_text())
    name = answers.get("name", "my-code-editor")  # the default name (README, options table)
    assert config == {
        "AppImageConfigName": f"{name}-config",
        "CodeEditorAppImageConfig": {"ContainerConfig": {"ContainerEntrypoint": entrypoint_of(project / "Dockerfile")}},
    }
    base = answers.get("base", "micromamba")
    assert entrypoint_of(project / "Dockerfile") == ENTRYPOINTS[base]
    assert sorted(p.name for p in (project / "sagemaker").iterdir()) == ["app-image-config.json"]


def test_dockerfile_runs_as_studio_user_with_an_entrypoint(project: Path) -> None:
    text = (project / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users[-1] == "1000:100"
    assert "WORKDIR /home/sagemaker-user" in text
    if base_image_of(project / "Dockerfile").startswith("public.ecr.aws/sagemaker/sagemaker-distribution:"):
        assert entrypoint_of(project / "Dockerfile") == ["entrypoint-code-editor"]
    else:
        assert entrypoint_of(project / "Dockerfile") == ["/usr/local/bin/start-code-editor"]
        assert (project / "start-code-editor").exists()


def test_regenerating_from_the_written_answers_gives_the_same_project(project: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    run_byoi("new", "--config", str(project / "byoi.yaml"), "-o", str(again), "--no-input", check=True)
    assert tree(again) == tree(project)


#: The pinned defaults, taken 2026-12-02 (README, "Refreshing the pins"): micromamba 2.6.1 is
#: the newest in mamba-org/micromamba-docker CHANGELOG.md; SageMaker Distribution 4.6.0 the newest
#: release in aws/sagemaker-distribution build_artifacts/v4/ (issue 7), and support_policy.md
#: supports only the newest patch of a minor.
DEFAULT_BASES = {
    (): "mambaorg/micromamba:2.6.1-debian12-slim",
    ("--base", "sagemaker-distribution"): "public.ecr.aws/sagemaker/sagemaker-distribution:4.6.0-cpu",
    ("--base", "sagemaker-distribution", "--gpu"): "public.ecr.aws/sagemaker/sagemaker-distribution:4.6.0-gpu",
}


@pytest.mark.parametrize("args", DEFAULT_BASES, ids=["micromamba", "distribution", "distribution-gpu"])
def test_defaults_are_pinned_and_not_latest(tmp_path: Path, args: tuple[str, ...]) -> None:
    out = tmp_path / "p"
    run_byoi("new", TARGET, "-o", str(out), "--no-input", *args, check=True)
    assert base_image_of(out / "Dockerfile") == DEFAULT_BASES[args]
    # Code Editor and Python as AWS ships them in the distribution (build_artifacts/v4/v4.5/
    # v4.5.0/cpu.env.out: sagemaker-code-editor-1.10.1, python-3.12.13).
    if not args:
        assert "'sagemaker-code-editor=1.10' 'python=3.12' pip" in (out / "Dockerfile").read_text()


def test_micromamba_base_renumbers_the_user_and_cleans_caches(tmp_path: Path) -> None:
    out = generate(tmp_path, "--conda-package", "numpy", "--pip-package", "requests")
    text = (out / "Dockerfile").read_text()
    assert "usermod --login sagemaker-user" in text and "--uid 1000 --gid 100 mambauser" in text
    assert "echo sagemaker-user > /etc/arg_mamba_user" in text
    assert "chown -R 1000:100 /opt/conda" in text
    assert "micromamba clean --all --yes" in text and "--no-cache-dir" in text
    # conda before pip, both before the entrypoint script is copied (cache order)
    assert text.index("micromamba install") < text.index("pip install") < text.index("COPY --chmod=0755")


def test_flags_override_the_answers_file(tmp_path: Path) -> None:
    config = tmp_path / "answers.yaml"
    config.write_text("target: sagemaker-code-editor\nname: from-file\nimage_tag: 1.0.0\n")
    out = tmp_path / "out"
    run_byoi("new", "--config", str(config), "--image-tag", "2.0.0", "-o", str(out), "--no-input", check=True)
    written = yaml.safe_load((out / "byoi.yaml").read_text())
    assert written["name"] == "from-file" and written["image_tag"] == "2.0.0"


def test_ca_certificates_are_copied_and_trusted(tmp_path: Path) -> None:
    cert = Path(__file__).parent / "data" / "test-ca.pem"
    out = generate(tmp_path, "--ca-cert", str(cert))
    assert (out / "certs" / "test-ca.crt").read_bytes() == cert.read_bytes()
    text = (out / "Dockerfile").read_text()
    assert "COPY certs/ /usr/local/share/ca-certificates/byoi/" in text
    # before any download
    assert text.index("update-ca-certificates") < text.index("micromamba install")
    assert "!certs/" in (out / ".dockerignore").read_text()


BAD = {
    "extension id without publisher": (["--extension", "python"], "--extension"),
    "extension over http": (["--extension", "http://example.com/x.vsix"], "https"),
    "extension url not a vsix": (["--extension", "https://example.com/x.zip"], ".vsix"),
    # Versions are exact semantic versions (what Open VSX and code --install-extension take).
    "extension @latest": (["--extension", "ms-python.python@latest"], "'latest'"),
    "extension @1.2": (["--extension", "ms-python.python@1.2"], "'1.2'"),
    "extension @01.2.3": (["--extension", "ms-python.python@01.2.3"], "'01.2.3'"),
    "extension @ with trailing text": (["--extension", "ms-python.python@1.2.3 beta"], "'1.2.3 beta'"),
    "extension @ twice": (["--extension", "ms-python.python@1.2.3@4.5.6"], "'1.2.3@4.5.6'"),
    "extension @ empty": (["--extension", "ms-python.python@"], "''"),
    "extension version with newline": (["--extension", "ms-python.python@1.2.3\nRUN id"], "line break"),
    # ADD expands $VAR in its source, so a '$' in a URL would not reach the image as written.
    "extension url with $": (["--extension", "https://example.com/dl/$MAMBA_USER/x.vsix"], "%24"),
    "conda spec with shell": (["--conda-package", "numpy; rm -rf /"], "';'"),
    "pip spec with substitution": (["--pip-package", "requests$(id)"], "'$'"),
    "tag latest": (["--image-tag", "latest"], "latest"),
    "unknown base": (["--base", "ubuntu"], "--base"),
    "base image latest": (["--base-image", "mambaorg/micromamba:latest"], "moving tag"),
    "base image without tag": (["--base-image", "mambaorg/micromamba"], "no tag"),
    "gpu on micromamba": (["--gpu"], "--gpu"),
    "platform env var": (["--env", "AWS_REGION=eu-west-1"], "AWS_"),
    "secret env var": (["--env", "API_TOKEN=abc"], "secret"),
    "env without value": (["--env", "FOO"], "KEY=VALUE"),
    "bad name": (["--name", "My Image"], "image name"),
    "python version": (["--python-version", "2.7"], "Python version"),
    "missing cert": (["--ca-cert", "/nonexistent/ca.pem"], "not a file"),
    "cert not pem": (["--ca-cert", __file__], "PEM"),
    "unknown flag": (["--colour", "blue"], "unrecognized"),
}


@pytest.mark.parametrize("args,needle", BAD.values(), ids=BAD.keys())
def test_bad_values_exit_2_with_one_line_and_write_nothing(tmp_path: Path, args: list[str], needle: str) -> None:
    out = tmp_path / "out"
    proc = run_byoi("new", TARGET, "-o", str(out), "--no-input", *args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "error" in lines[0] and needle in lines[0]
    assert proc.stdout == ""
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_answers_file_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "answers.yaml"
    for text, needle in (
        ("target: sagemaker-code-editor\ncolour: blue\n", "unknown answer 'colour'"),
        ("target: sagemaker-code-editor\nextensions: [python]\n", "--extension"),
        ("target: [oops\n", "not valid YAML"),
        ("- a list\n", "mapping"),
        ("target: foundry-nothing\n", "unknown target"),
    ):
        config.write_text(text)
        proc = run_byoi("new", "--config", str(config), "-o", str(tmp_path / "out"), "--no-input")
        assert proc.returncode == 2 and needle in proc.stderr, (text, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "out").exists()


def test_non_empty_folder_is_refused_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "Dockerfile"
    mine.write_text("FROM my-own\n")
    proc = run_byoi("new", TARGET, "-o", str(out), "--no-input")
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert mine.read_text() == "FROM my-own\n"
    assert sorted(p.name for p in out.iterdir()) == ["Dockerfile"]
    # With --force the user's own Dockerfile is kept and byoi's written beside it.
    run_byoi("new", TARGET, "-o", str(out), "--no-input", "--force", check=True)
    assert mine.read_text() == "FROM my-own\n"
    assert (out / "Dockerfile.byoi-new").read_text().startswith("# syntax=docker/dockerfile:1")


def test_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("keep me")
    proc = run_byoi("new", TARGET, "-o", str(target), "--no-input")
    assert proc.returncode == 2 and "not a folder" in proc.stderr
    assert target.read_text() == "keep me"


def test_python_dash_m_and_version(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "generator", "--version"], capture_output=True, text=True, check=True)
    assert proc.stdout.startswith("byoi ")
    listed = run_byoi("targets", check=True).stdout
    assert TARGET in listed


def test_non_interactive_path_does_not_import_the_wizard(tmp_path: Path) -> None:
    code = (
        "import sys; from generator.cli import main; "
        f"rc = main(['new', '{TARGET}', '-o', {str(tmp_path / 'p')!r}, '--no-input']); "
        "print(rc, sorted(m for m in ('questionary', 'prompt_toolkit') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "0 []"


def test_hadolint_warnings_are_only_deliberate(project: Path) -> None:
    """Warnings hadolint raises on generated Dockerfiles: none but unpinned user packages."""
    findings = hadolint(project / "Dockerfile")
    unexpected = [f for f in findings if f["level"] == "warning" and f["code"] not in ("DL3013",)]
    assert unexpected == []


def test_byoi_new_refuses_a_project_that_fails_byoi_check(tmp_path: Path) -> None:
    """The check byoi new runs on what it rendered is real: a root user would be refused."""
    from generator.answers import AnswerError
    from generator.render import self_check
    from generator.targets import TARGETS

    out = generate(tmp_path)
    assert self_check(TARGETS[TARGET], out) == []
    dockerfile = out / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("USER 1000:100", "USER 0"))
    with pytest.raises(AnswerError, match="BY101"):
        self_check(TARGETS[TARGET], out)
