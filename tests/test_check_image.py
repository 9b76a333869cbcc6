"""``byoi check-image`` on hand-made archives, one per failure class, run as a user runs it.

Expected values are the platforms' documented ones (/work/shared/docs/platform-facts.md):
SageMaker Studio runs spaces as 1000:100 in /home/sagemaker-user, server on 8888, and
reserves /opt/ml, /opt/.sagemakerinternal and /var/log/studio; Foundry needs a numeric
non-root user (exactly 5001 for bring-your-own-container), linux/amd64, ports
1024-65535, /bin/sh with set and tee, each layer under about 10 GB and images under
about 22 GB.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from image_support import (
    File,
    config,
    debian_base,
    docker_archive,
    exe,
    folder,
    link,
    oci_archive,
    oci_layout,
    whiteout,
)
from support import run_byoi

GB = 1000**3
EXT_DIR = "opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions"


def sagemaker_config(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "user": "1000:100",
        "entrypoint": ["/usr/local/bin/start-code-editor"],
        "workdir": "/home/sagemaker-user",
        "ports": ["8888/tcp"],
    }
    return config(**{**values, **kw})


def sagemaker_layers(*extra: File) -> list[list[File]]:
    app = [
        exe("usr/local/bin/start-code-editor", b"#!/bin/bash\nexec sagemaker-code-editor --port 8888\n"),
        folder("opt"),
        folder("opt/amazon"),
        folder("opt/amazon/sagemaker"),
        folder("opt/amazon/sagemaker/sagemaker-code-editor-server-data", uid=1000, gid=100),
        folder(EXT_DIR, uid=1000, gid=100),
        folder(f"{EXT_DIR}/ms-python.python-2024.22.2", uid=1000, gid=100),
        File(f"{EXT_DIR}/ms-python.python-2024.22.2/package.json", b'{"name": "python"}', uid=1000, gid=100),
    ]
    return [debian_base(), app, list(extra)]


def model_config(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"user": "5001", "cmd": ["python3", "/app/server.py"], "workdir": "/app"}
    return config(**{**values, "ports": ["8080/tcp"], **kw})


def model_layers(*extra: File) -> list[list[File]]:
    return [debian_base(), [folder("app"), File("app/server.py", b"print('serving')\n")], list(extra)]


def check(image: Path | str, target: str, *args: str) -> tuple[int, list[dict[str, Any]]]:
    proc = run_byoi("check-image", str(image), "--target", target, "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == ""
    return proc.returncode, json.loads(proc.stdout)


def codes(findings: list[dict[str, Any]]) -> list[str]:
    return sorted(f["code"] for f in findings)


# --------------------------------------------------------------------------- clean images


def test_clean_sagemaker_archive_has_no_finding(tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "sm.tar", sagemaker_config(), sagemaker_layers())
    assert check(image, "sagemaker-code-editor") == (0, [])


@pytest.mark.parametrize("target", ["foundry-model", "foundry-sidecar"])
def test_clean_foundry_model_archive_has_no_finding(tmp_path: Path, target: str) -> None:
    image = docker_archive(tmp_path / "model.tar", model_config(), model_layers())
    assert check(image, target) == (0, [])


def test_clean_byoc_archive_without_a_command_has_no_finding(tmp_path: Path) -> None:
    """Foundry runs a bring-your-own-container transform's code itself: no CMD is needed."""
    image = docker_archive(tmp_path / "byoc.tar", config(user="5001"), [debian_base()])
    assert check(image, "foundry-byoc") == (0, [])


def test_oci_layouts_and_archives_with_gzip_zstd_and_plain_layers_read_the_same(tmp_path: Path) -> None:
    image_config, layers = model_config(user="1000"), model_layers()
    images = [
        oci_layout(tmp_path / "gzip", image_config, layers),
        oci_layout(tmp_path / "zstd", image_config, layers, compression="zstd"),
        oci_layout(tmp_path / "plain", image_config, layers, compression=""),
        oci_archive(tmp_path / "image.oci.tar", image_config, layers),
    ]
    for image in images:
        status, found = check(image, "foundry-byoc")
        assert status == 1
        assert codes(found) == ["IM405"]
        assert "5001" in found[0]["message"] and "1000" in found[0]["message"]


# --------------------------------------------------------------------------- the five defect classes


def test_docker_save_piped_through_gzip_reads_too(tmp_path: Path) -> None:
    import gzip

    image = docker_archive(tmp_path / "model.tar", model_config(architecture="arm64"), model_layers())
    packed = tmp_path / "model.tar.gz"
    packed.write_bytes(gzip.compress(image.read_bytes()))
    assert codes(check(packed, "foundry-model")[1]) == ["IM401"]


def test_uid_changed_is_caught_for_sagemaker_and_byoc(tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "sm.tar", sagemaker_config(user="1001:100"), sagemaker_layers())
    status, found = check(image, "sagemaker-code-editor")
    assert status == 1 and codes(found) == ["IM403"]
    assert "1001:100" in found[0]["message"] and "1000:100" in found[0]["message"]
    assert found[0]["level"] == "error" and found[0]["file"] == str(image)

    byoc = docker_archive(tmp_path / "byoc.tar", config(user="1000"), [debian_base()])
    status, found = check(byoc, "foundry-byoc")
    assert status == 1 and codes(found) == ["IM405"]


def test_user_name_is_resolved_through_the_images_own_passwd(tmp_path: Path) -> None:
    """A name resolves in the image, not on the host: sagemaker-user is 1000:100 there."""
    named = docker_archive(tmp_path / "named.tar", sagemaker_config(user="sagemaker-user"), sagemaker_layers())
    assert check(named, "sagemaker-code-editor") == (0, [])
    # The same name with the image's passwd changed to another uid.
    passwd = File("etc/passwd", b"root:x:0:0::/root:/bin/sh\nsagemaker-user:x:57439:57439::/home/x:/bin/sh\n")
    moved = docker_archive(tmp_path / "moved.tar", sagemaker_config(user="sagemaker-user"), sagemaker_layers(passwd))
    found = check(moved, "sagemaker-code-editor")[1]
    assert codes(found) == ["IM403"] and "57439:57439" in found[0]["message"]
    # A name the image does not have: the container cannot start.
    unknown = docker_archive(tmp_path / "unknown.tar", sagemaker_config(user="nobody-here"), sagemaker_layers())
    assert "IM402" in codes(check(unknown, "sagemaker-code-editor")[1])


def test_numeric_user_without_a_group_takes_the_group_of_its_passwd_entry(tmp_path: Path) -> None:
    """``USER 1000`` names no group: the engine runs the container with the group the image's
    ``/etc/passwd`` gives uid 1000, and with group 0 when uid 1000 has no entry there (Docker's USER
    reference: "When the user doesn't have a primary group then the image ... will be run with the
    root group"; runc's libcontainer/user, which podman and docker use, reads the passwd entry's gid)."""
    # The base's passwd has sagemaker-user:x:1000:100: the container runs as 1000:100, what Studio needs.
    listed = docker_archive(tmp_path / "listed.tar", sagemaker_config(user="1000"), sagemaker_layers())
    assert check(listed, "sagemaker-code-editor") == (0, [])
    # The same uid whose passwd entry has group 1000: it runs as 1000:1000.
    passwd = File(
        "etc/passwd", b"root:x:0:0::/root:/bin/sh\nsagemaker-user:x:1000:1000::/home/sagemaker-user:/bin/sh\n"
    )
    own_group = docker_archive(tmp_path / "own.tar", sagemaker_config(user="1000"), sagemaker_layers(passwd))
    found = check(own_group, "sagemaker-code-editor")[1]
    assert codes(found) == ["IM403"] and "runs as 1000:1000" in found[0]["message"]
    # No entry for uid 1000 at all: group 0.
    no_entry = docker_archive(
        tmp_path / "none.tar",
        sagemaker_config(user="1000"),
        sagemaker_layers(File("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")),
    )
    found = check(no_entry, "sagemaker-code-editor")[1]
    assert codes(found) == ["IM403"] and "runs as 1000:0" in found[0]["message"]


def test_foundry_refuses_root_and_names(tmp_path: Path) -> None:
    root = docker_archive(tmp_path / "root.tar", model_config(user=""), model_layers())
    status, found = check(root, "foundry-model")
    assert status == 1 and codes(found) == ["IM404"] and "root" in found[0]["message"]
    named = docker_archive(tmp_path / "named.tar", model_config(user="app"), model_layers())
    status, found = check(named, "foundry-model")
    assert codes(found) == ["IM404"] and "USER 5001" in found[0]["message"]


def test_compute_module_images_meet_foundrys_rules_and_must_start_themselves(tmp_path: Path) -> None:
    """Compute modules are Foundry containers (platform-facts.md, "A fourth way"): the container rules apply,
    and Foundry gives the container no command, so the image must start the module itself."""

    def module(**kw: Any) -> Path:
        values: dict[str, Any] = {"user": "5001", "cmd": ["python3", "/app/app.py"], "workdir": "/app"}
        layers = [debian_base(), [folder("app"), File("app/app.py", b"print('polling')\n")]]
        return docker_archive(tmp_path / f"{len(list(tmp_path.iterdir()))}.tar", config(**{**values, **kw}), layers)

    assert check(module(), "foundry-compute-module") == (0, [])
    assert codes(check(module(user=""), "foundry-compute-module")[1]) == ["IM404"]
    assert codes(check(module(architecture="arm64"), "foundry-compute-module")[1]) == ["IM401"]
    assert codes(check(module(cmd=None), "foundry-compute-module")[1]) == ["IM409"]


def test_jupyterlab_images_meet_studios_rules(tmp_path: Path) -> None:
    """A JupyterLab image runs in the same Studio (platform-facts.md, "JupyterLab images"): user
    1000:100, home /home/sagemaker-user, port 8888, an entrypoint program that is there."""

    def lab(**kw: Any) -> Path:
        values: dict[str, Any] = {
            "user": "1000:100",
            "entrypoint": ["/usr/local/bin/start-jupyter-server"],
            "workdir": "/home/sagemaker-user",
            "ports": ["8888/tcp"],
        }
        layers = [debian_base(), [exe("usr/local/bin/start-jupyter-server", b"#!/bin/bash\nexec jupyter lab\n")]]
        return docker_archive(tmp_path / f"{len(list(tmp_path.iterdir()))}.tar", config(**{**values, **kw}), layers)

    assert check(lab(), "sagemaker-jupyterlab") == (0, [])
    assert codes(check(lab(user="5001"), "sagemaker-jupyterlab")[1]) == ["IM403"]
    assert codes(check(lab(workdir="/app"), "sagemaker-jupyterlab")[1]) == ["IM406"]
    assert codes(check(lab(ports=["8080/tcp"]), "sagemaker-jupyterlab")[1]) == ["IM408"]
    assert codes(check(lab(entrypoint=["/usr/local/bin/entrypoint-jupyter-server"]), "sagemaker-jupyterlab")[1]) == [
        "IM410"
    ]


def test_arm64_config_is_caught(tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "arm.tar", model_config(architecture="arm64"), model_layers())
    status, found = check(image, "foundry-model")
    assert status == 1 and codes(found) == ["IM401"]
    assert "linux/arm64" in found[0]["message"] and "--platform linux/amd64" in found[0]["message"]
    sm = docker_archive(tmp_path / "sm-arm.tar", sagemaker_config(architecture="arm64"), sagemaker_layers())
    assert codes(check(sm, "sagemaker-code-editor")[1]) == ["IM401"]


def test_tee_removed_in_a_later_layer_is_caught(tmp_path: Path) -> None:
    """The whiteout in the top layer deletes tee of the base layer."""
    image = docker_archive(tmp_path / "notee.tar", model_config(), model_layers(whiteout("usr/bin/tee")))
    status, found = check(image, "foundry-model")
    assert codes(found) == ["IM411"] and "no tee" in found[0]["message"]
    assert found[0]["level"] == "warning" and status == 0  # telemetry is optional in Foundry


def test_shell_missing_is_caught(tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "nosh.tar", config(user="5001"), [debian_base(), [whiteout("usr/bin/dash")]])
    assert codes(check(image, "foundry-byoc")[1]) == ["IM411"]


def test_python_missing_is_caught(tmp_path: Path) -> None:
    """python3 -> python3.11 still exists as a link, but what it points at was removed."""
    image = docker_archive(tmp_path / "nopy.tar", model_config(), model_layers(whiteout("usr/bin/python3.11")))
    status, found = check(image, "foundry-model")
    assert status == 1 and codes(found) == ["IM410"]
    assert "python3" in found[0]["message"] and "not in PATH" in found[0]["message"]


def test_layer_of_10_gb_is_caught_and_one_just_under_is_not(tmp_path: Path) -> None:
    """Sparse layers: the tar headers declare the sizes, the disk holds a few kilobytes."""
    at_limit = [folder("models"), File("models/big.bin", declared=10 * GB)]
    image = docker_archive(tmp_path / "big.tar", model_config(), [*model_layers(), at_limit])
    assert os.stat(image).st_blocks * 512 < 10_000_000  # really sparse
    status, found = check(image, "foundry-model")
    assert status == 1 and codes(found) == ["IM412"]
    assert "layer 4" in found[0]["message"] and "10.0 GB" in found[0]["message"]

    under = [folder("models"), File("models/big.bin", declared=10 * GB - 1_000_000)]
    image = docker_archive(tmp_path / "under.tar", model_config(), [*model_layers(), under])
    assert check(image, "foundry-model") == (0, [])


def test_image_over_22_gb_is_a_warning(tmp_path: Path) -> None:
    layers = [[File(f"data/part{n}.bin", declared=8 * GB)] for n in range(3)]
    image = docker_archive(tmp_path / "huge.tar", model_config(), [*model_layers(), *layers])
    status, found = check(image, "foundry-model")
    assert codes(found) == ["IM413"] and found[0]["level"] == "warning" and status == 0
    assert "24.0 GB" in found[0]["message"]


# --------------------------------------------------------------------------- links and other rules


def test_busybox_links_and_absolute_links_resolve_inside_the_image(tmp_path: Path) -> None:
    """An Alpine-like tree: sh and tee are BusyBox applet links with absolute targets."""
    base = [
        folder("bin"),
        folder("etc"),
        File("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        File("etc/group", b"root:x:0:\n"),
        exe("bin/busybox"),
        link("bin/sh", "/bin/busybox"),
        folder("usr"),
        folder("usr/bin"),
        link("usr/bin/tee", "/bin/busybox"),
        # A link that climbs out of the root stays inside the image.
        link("usr/bin/python3", "../../../../../usr/local/bin/python3"),
        folder("usr/local"),
        folder("usr/local/bin"),
        exe("usr/local/bin/python3"),
        folder("app"),
        File("app/server.py", b""),
    ]
    image = docker_archive(tmp_path / "alpine.tar", model_config(), [base])
    assert check(image, "foundry-model") == (0, [])
    without_busybox = docker_archive(tmp_path / "nobb.tar", model_config(), [base, [whiteout("bin/busybox")]])
    assert codes(check(without_busybox, "foundry-model")[1]) == ["IM411"]


def test_opaque_folder_hides_the_lower_layers_contents(tmp_path: Path) -> None:
    opaque = [folder("usr/bin"), File("usr/bin/.wh..wh..opq"), exe("usr/bin/python3")]
    image = docker_archive(tmp_path / "opq.tar", model_config(), [*model_layers(), opaque])
    found = check(image, "foundry-model")[1]
    assert codes(found) == ["IM411"]  # tee and sh (dash) went with the folder; python3 is back
    assert "no /bin/sh" in found[0]["message"] and "no tee" in found[0]["message"]


def test_program_not_executable_and_missing_interpreter_and_script(tmp_path: Path) -> None:
    plain = docker_archive(
        tmp_path / "noexec.tar",
        model_config(cmd=["/app/run"]),
        [*model_layers(), [File("app/run", b"#!/bin/sh\n", mode=0o644)]],
    )
    found = check(plain, "foundry-model")[1]
    assert codes(found) == ["IM410"] and "may not execute" in found[0]["message"]

    shebang = docker_archive(
        tmp_path / "shebang.tar",
        model_config(cmd=["/app/run"]),
        [*model_layers(), [exe("app/run", b"#!/usr/bin/env node\nconsole.log(1)\n")]],
    )
    found = check(shebang, "foundry-model")[1]
    assert codes(found) == ["IM410"] and "interpreter node" in found[0]["message"]

    no_script = docker_archive(
        tmp_path / "noscript.tar", model_config(cmd=["python3", "/app/other.py"]), model_layers()
    )
    found = check(no_script, "foundry-model")[1]
    assert codes(found) == ["IM410"] and "/app/other.py is not in the image" in found[0]["message"]


def test_sagemaker_image_without_entrypoint_that_runs_bash(tmp_path: Path) -> None:
    """The SageMaker Distribution's inherited CMD ["/bin/bash"] (sagemaker-distribution#538)."""
    image = docker_archive(
        tmp_path / "bash.tar", sagemaker_config(entrypoint=None, cmd=["/bin/bash"]), sagemaker_layers()
    )
    found = check(image, "sagemaker-code-editor")[1]
    assert codes(found) == ["IM409"] and "/bin/bash" in found[0]["message"]


def test_sagemaker_workdir_port_reserved_paths_ids_and_extensions(tmp_path: Path) -> None:
    extra = [
        folder("opt/ml"),
        File("opt/ml/config.json", b"{}"),
        folder("var"),
        folder("var/log"),
        folder("var/log/studio", uid=1000, gid=100),  # an empty folder, as AWS's own image has
        File("opt/vendor.bin", uid=70000, gid=100),
        folder(f"{EXT_DIR}/broken.ext-1.0.0"),
        folder(f"{EXT_DIR}/private.ext-1.0.0"),
        File(f"{EXT_DIR}/private.ext-1.0.0/package.json", b"{}", mode=0o600, uid=0),
    ]
    image = docker_archive(
        tmp_path / "sm.tar", sagemaker_config(workdir="/app", ports=["8080/tcp"]), sagemaker_layers(*extra)
    )
    status, found = check(image, "sagemaker-code-editor")
    assert status == 1
    by_code: dict[str, list[str]] = {}
    for f in found:
        by_code.setdefault(f["code"], []).append(f["message"])
    assert sorted(by_code) == ["IM406", "IM408", "IM414", "IM415", "IM416"]
    assert "/home/sagemaker-user" in by_code["IM406"][0]
    assert "8888" in by_code["IM408"][0]
    assert by_code["IM414"] == ["/opt/ml/config.json under /opt/ml, which SageMaker reserves: move them elsewhere"]
    assert "/opt/vendor.bin" in by_code["IM415"][0] and "65535" in by_code["IM415"][0]
    assert len(by_code["IM416"]) == 2
    assert any("broken.ext-1.0.0 has no package.json" in m for m in by_code["IM416"])
    assert any("private.ext-1.0.0/package.json is not readable by 1000:100" in m for m in by_code["IM416"])


def test_foundry_port_outside_range(tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "p.tar", model_config(ports=["80/tcp", "8080/tcp"]), model_layers())
    found = check(image, "foundry-model")[1]
    assert codes(found) == ["IM407"] and "80/tcp" in found[0]["message"] and "1024-65535" in found[0]["message"]


def test_group_name_resolves_in_the_images_group_file_and_must_be_there(tmp_path: Path) -> None:
    """``USER 1000:users``: the group name is looked up in the image's /etc/group (users is 100 in
    Debian); a group it does not have stops the container (podman: "unable to find group nosuch")."""
    named = docker_archive(tmp_path / "named.tar", sagemaker_config(user="1000:users"), sagemaker_layers())
    assert check(named, "sagemaker-code-editor") == (0, [])
    missing = docker_archive(tmp_path / "missing.tar", sagemaker_config(user="1000:nosuch"), sagemaker_layers())
    status, found = check(missing, "sagemaker-code-editor")
    assert status == 1 and codes(found) == ["IM402"] and "group 'nosuch'" in found[0]["message"]


def test_a_folder_beside_the_home_is_not_in_it(tmp_path: Path) -> None:
    beside = docker_archive(
        tmp_path / "beside.tar", sagemaker_config(workdir="/home/sagemaker-user-old"), sagemaker_layers()
    )
    found = check(beside, "sagemaker-code-editor")[1]
    assert codes(found) == ["IM406"] and "/home/sagemaker-user-old" in found[0]["message"]
    inside = docker_archive(
        tmp_path / "in.tar", sagemaker_config(workdir="/home/sagemaker-user/src"), sagemaker_layers()
    )
    assert check(inside, "sagemaker-code-editor") == (0, [])


@pytest.mark.parametrize("target", ["sagemaker-code-editor", "foundry-model", "foundry-sidecar"])
def test_an_image_that_runs_nothing(tmp_path: Path, target: str) -> None:
    if target == "sagemaker-code-editor":
        image = docker_archive(tmp_path / "i.tar", sagemaker_config(entrypoint=None), sagemaker_layers())
    else:
        image = docker_archive(tmp_path / "i.tar", model_config(cmd=None), model_layers())
    status, found = check(image, target)
    assert status == 1 and codes(found) == ["IM409"] and "no Entrypoint or Cmd" in found[0]["message"]


def test_the_program_a_wrapper_runs_is_looked_up_too(tmp_path: Path) -> None:
    """``env PORT=8080 PROGRAM``: env is there, and so must PROGRAM be."""
    wrapped = model_config(entrypoint=["/usr/bin/env", "PORT=8080"], cmd=["/app/serve"])
    found = check(docker_archive(tmp_path / "w.tar", wrapped, model_layers()), "foundry-model")[1]
    assert codes(found) == ["IM410"] and "runs /app/serve, which is not in the image" in found[0]["message"]
    present = model_config(entrypoint=["/usr/bin/env", "PORT=8080"], cmd=["python3", "/app/server.py"])
    assert check(docker_archive(tmp_path / "p.tar", present, model_layers()), "foundry-model") == (0, [])


def test_shell_or_tee_the_user_may_not_execute(tmp_path: Path) -> None:
    """Replaced in a later layer by files without execute bits (mode 0644), for user 5001."""
    no_x_tee = docker_archive(tmp_path / "t.tar", model_config(), model_layers(File("usr/bin/tee", b"", mode=0o644)))
    found = check(no_x_tee, "foundry-model")[1]
    assert codes(found) == ["IM411"] and "tee (/usr/bin/tee) is not executable" in found[0]["message"]
    no_x_sh = docker_archive(tmp_path / "s.tar", model_config(), model_layers(File("usr/bin/dash", b"", mode=0o644)))
    found = check(no_x_sh, "foundry-model")[1]
    assert codes(found) == ["IM411"] and "/bin/sh (/usr/bin/dash) is not executable" in found[0]["message"]


def test_a_file_whose_group_alone_is_above_65535(tmp_path: Path) -> None:
    image = docker_archive(
        tmp_path / "g.tar", sagemaker_config(), sagemaker_layers(File("opt/vendor.bin", uid=1000, gid=70000))
    )
    found = check(image, "sagemaker-code-editor")[1]
    assert codes(found) == ["IM415"] and "/opt/vendor.bin" in found[0]["message"]


@pytest.mark.parametrize("manifest", [b"[]", b"not json", b""])
def test_an_extension_manifest_that_is_not_a_json_object(tmp_path: Path, manifest: bytes) -> None:
    extension = [
        folder(f"{EXT_DIR}/odd.ext-1.0.0", uid=1000, gid=100),
        File(f"{EXT_DIR}/odd.ext-1.0.0/package.json", manifest, uid=1000, gid=100),
    ]
    image = docker_archive(tmp_path / "x.tar", sagemaker_config(), sagemaker_layers(*extension))
    found = check(image, "sagemaker-code-editor")[1]
    assert codes(found) == ["IM416"] and "odd.ext-1.0.0/package.json is not a JSON object" in found[0]["message"]


def test_files_readable_through_the_users_groups(tmp_path: Path) -> None:
    """A manifest only its owner (root) and its group may read (0640). The user reads it through its
    primary group, and through a group /etc/group lists it in, unless ``USER`` names a group: then
    it has that group only (podman 4 on Debian: ``--user 1000`` gets groups 100 and 50 for a user
    listed in group 50, ``--user 1000:100`` group 100 alone; Docker's USER reference says the same)."""
    group = File("etc/group", b"root:x:0:\nstaff:x:50:sagemaker-user\nusers:x:100:\n")

    def image(name: str, user: str, gid: int) -> Path:
        manifest = File(f"{EXT_DIR}/grp.ext-1.0.0/package.json", b"{}", mode=0o640, uid=0, gid=gid)
        layers = sagemaker_layers(group, folder(f"{EXT_DIR}/grp.ext-1.0.0"), manifest)
        return docker_archive(tmp_path / f"{name}.tar", sagemaker_config(user=user), layers)

    assert check(image("primary", "1000:100", 100), "sagemaker-code-editor") == (0, [])
    assert check(image("listed", "1000", 50), "sagemaker-code-editor") == (0, [])
    for name, user in (("explicit", "1000:100"), ("named", "sagemaker-user:users")):
        found = check(image(name, user, 50), "sagemaker-code-editor")[1]
        assert codes(found) == ["IM416"] and "is not readable by 1000:100" in found[0]["message"], user


@pytest.mark.engine
@pytest.mark.slow
def test_users_resolve_to_what_the_engine_gives_the_container(tmp_path: Path) -> None:
    """What the hand-made archives above rely on: check-image resolves ``User`` to the uid, gid and
    groups podman gives the container (read with ``id`` inside it), for each form of ``USER``."""
    import subprocess
    import uuid

    import engine

    from generator.image.archive import read_image
    from generator.image.rules import keep
    from generator.image.tree import Tree
    from generator.image.users import resolve_user

    engine.require_engine()
    engine.ensure_standin_images()
    (tmp_path / "Dockerfile").write_text(
        f"FROM {engine.BASE_IMAGE}\n"
        # Debian has users (100) and staff (50); u1000 is in staff as a supplementary group.
        "RUN useradd --uid 1000 --gid 100 --groups staff --no-create-home u1000\n"
    )
    image = f"localhost/byoi-test/check-image-users:{uuid.uuid4().hex[:8]}"
    try:
        engine.build(tmp_path, image)
        env = engine.engine_env()
        tree = Tree(read_image(image, keep, env=env, engine="podman").layers)
        for user in ("1000", "u1000", "1000:100", "1000:staff", "u1000:users", "1002", "0"):
            proc = subprocess.run(
                ["podman", "run", "--rm", "--user", user, image, "sh", "-c", "id -u; id -g; id -G"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            uid, gid, groups = proc.stdout.splitlines()
            resolved = resolve_user(tree, user)
            assert (resolved.uid, resolved.gid) == (int(uid), int(gid)), user
            assert {resolved.gid, *resolved.groups} == {int(g) for g in groups.split()}, user
    finally:
        engine.remove_image(image)


# --------------------------------------------------------------------------- output and errors


def test_text_and_sarif_output_and_no_fail(tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "arm.tar", model_config(architecture="arm64"), model_layers())
    proc = run_byoi("check-image", str(image), "--target", "foundry-model")
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"{image}:1 IM401 error: the image is linux/arm64")
    sarif = json.loads(run_byoi("check-image", str(image), "--target", "foundry-model", "--format", "sarif").stdout)
    run = sarif["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["IM401"]
    assert "IM401" in [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert run_byoi("check-image", str(image), "--target", "foundry-model", "--no-fail").returncode == 0


def test_settings_file_ignores_an_image_rule(tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "arm.tar", model_config(architecture="arm64"), model_layers())
    (tmp_path / ".byoi.yaml").write_text("target: foundry-model\nignored: [IM401, BY102]\n")
    proc = run_byoi("check-image", str(image), cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    # The same settings file serves byoi check, which knows the image codes without loading the rules.
    (tmp_path / "Dockerfile").write_text("FROM python:3.12.12-slim-bookworm\nUSER 5001\n")
    proc = run_byoi("check", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_image_rule_codes_declared_for_byoi_check_are_the_image_rules() -> None:
    from generator.image.rules import IMAGE_RULES
    from generator.rules import IMAGE_RULE_CODES

    assert sorted(IMAGE_RULE_CODES) == sorted(IMAGE_RULES)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.tar", "is not a file or folder"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "neither a docker-archive"),
        (lambda p: (p / "x.tar").write_text("not a tar") and p / "x.tar", "is not a tar archive"),
    ],
)
def test_unreadable_input_is_one_line_and_status_2(tmp_path: Path, make: Any, message: str) -> None:
    proc = run_byoi("check-image", str(make(tmp_path)), "--target", "foundry-model")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_rules_lists_and_explains_image_rules() -> None:
    listed = run_byoi("rules").stdout
    assert "IM410  error" in listed and "SM201" in listed
    explained = run_byoi("rules", "IM412").stdout
    assert explained.startswith("IM412 layer-too-big:")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix"):
        assert heading in explained
    only = run_byoi("rules", "--target", "foundry-byoc").stdout
    assert "IM405" in only and "IM403" not in only


@pytest.mark.parametrize("module", ["generator.entry", "generator.cli"])
def test_check_does_not_import_the_image_package(tmp_path: Path, module: str) -> None:
    """``byoi check`` starts without the image reader: on the fast path and through argparse."""
    import subprocess
    import sys

    (tmp_path / "Dockerfile").write_text("FROM python:3.12.12-slim-bookworm\nUSER 5001\n")
    code = (
        f"import sys; from {module} import main; main(['check', '--target', 'foundry-byoc', {str(tmp_path)!r}]); "
        "print(sorted(m for m in sys.modules if m.startswith('generator.image')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_tree_merges_layers_as_the_container_sees_them() -> None:
    """Whiteouts of folders, files replaced by links, hard links, and links that climb out of the root."""
    from generator.image.archive import Entry, Layer
    from generator.image.tree import Tree

    base = Layer(1, "base", 0)
    base.entries += [
        Entry("opt", "dir", 0o755),
        Entry("opt/tool", "dir", 0o755),
        Entry("opt/tool/bin", "dir", 0o755),
        Entry("opt/tool/bin/run", "file", 0o755),
        Entry("usr", "dir", 0o755),
        Entry("usr/bin", "dir", 0o755),
        Entry("usr/bin/python3.11", "file", 0o755, size=10),
        Entry("usr/bin/python3", "hardlink", link="usr/bin/python3.11"),
        Entry("etc", "dir", 0o755),
        Entry("etc/alternatives", "symlink", link="/../../usr/bin"),
    ]
    top = Layer(2, "top", 0)
    top.entries += [Entry("opt/tool", "whiteout"), Entry("opt/tool2", "symlink", link="tool")]
    tree = Tree([base, top])
    assert tree.get("opt/tool/bin/run") is None and tree.get("/opt/tool") is None
    assert tree.resolve("/opt/tool2") is None  # a dangling link
    hard = tree.resolve("usr/bin/python3")
    assert hard is not None and hard.entry.kind == "file" and hard.entry.size == 10
    via = tree.resolve("/etc/alternatives/python3.11")
    assert via is not None and via.path == "usr/bin/python3.11"
    assert tree.which("python3", "/nowhere:/etc/alternatives") is not None
    assert tree.which("python3", "/nowhere") is None


# --------------------------------------------------------------------------- layers as engines unpack them


def test_layers_without_entries_for_their_parent_folders_read_as_an_engine_unpacks_them(tmp_path: Path) -> None:
    """Several builders write no entry for a file's parent folders; engines create them (mkdir -p).

    A docker-archive with no folder entries at all is a valid image: podman runs it. The
    entrypoint and /bin/sh are there, so there is nothing to report.
    """
    base = [f for f in debian_base() if f.kind != "dir"]
    app = [exe("app/run.sh", b"#!/bin/sh\nexec python3 -m http.server 8080\n")]
    image = docker_archive(tmp_path / "noparents.tar", model_config(entrypoint=["/app/run.sh"], cmd=[]), [base, app])
    assert check(image, "foundry-model") == (0, [])


def test_a_created_parent_folder_is_root_0755_and_hides_what_the_layer_below_had_there() -> None:
    """What podman 4.3 (overlay storage) shows, seen in tests/test_image_oracle.py: a folder a layer
    needs but has no entry for is made mode 0755 root:root in that layer, and overlayfs shows it over
    the lower layer's folder (its mode and owner) or symlink (usrmerge's /bin -> usr/bin is then a
    folder holding only the new file)."""
    from generator.image.archive import Entry, Layer
    from generator.image.tree import Tree

    base = Layer(1, "base", 0)
    base.entries += [
        Entry("usr", "dir", 0o700, 7, 8),
        Entry("usr/bin", "dir", 0o750, 7, 8),
        Entry("usr/bin/dash", "file", 0o755),
        Entry("bin", "symlink", 0o777, link="usr/bin"),
    ]
    top = Layer(2, "top", 0)
    top.entries += [Entry("usr/bin/extra", "file", 0o755), Entry("bin/foo", "file", 0o755)]
    tree = Tree([base, top])
    assert tree.get("usr") == Entry("usr", "dir", 0o755, 0, 0)
    assert tree.get("usr/bin") == Entry("usr/bin", "dir", 0o755, 0, 0)
    assert tree.get("usr/bin/dash") is not None
    assert tree.get("bin") == Entry("bin", "dir", 0o755, 0, 0)
    assert tree.resolve("bin/dash") is None and tree.resolve("bin/foo") is not None
