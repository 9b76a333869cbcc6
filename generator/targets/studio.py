"""What both SageMaker Studio targets share: the Studio apps an image serves (``--app``).

Studio runs a custom image in JupyterLab spaces and in Code Editor spaces. One image can
serve both, as the SageMaker Distribution does: it is registered with one app image config
per app, whose ``ContainerEntrypoint`` starts that app's server (docs/platform-facts.md,
"JupyterLab images"); the image's own ENTRYPOINT picks the server from ``SAGEMAKER_APP_TYPE``.
"""

from __future__ import annotations

from typing import Any

from generator.answers import KIND, AnswerError, option
from generator.platforms import sagemaker
from generator.platforms.sagemaker import CODE_EDITOR, JUPYTERLAB

CODE_EDITOR_APP = "code-editor"
JUPYTERLAB_APP = "jupyterlab"
#: The apps, in the order an image lists them.
APPS = (CODE_EDITOR_APP, JUPYTERLAB_APP)

#: Where a micromamba-based image puts each app's start script.
START_SCRIPTS = {
    CODE_EDITOR_APP: "/usr/local/bin/start-code-editor",
    JUPYTERLAB_APP: "/usr/local/bin/start-jupyter-server",
}
#: The ENTRYPOINT of an image serving both apps: starts the server SAGEMAKER_APP_TYPE names.
DISPATCHER = "/usr/local/bin/start-studio-app"


def parse_app(value: Any) -> str:
    """``code-editor`` or ``jupyterlab``."""
    text = str(value).strip()
    if text not in APPS:
        raise AnswerError(f"{text!r} is not a Studio app; use {' or '.join(APPS)}")
    return text


def apps_option() -> Any:
    """The ``--app`` answer: the apps the image serves besides the target's own (repeatable)."""
    return option(
        (),
        "Studio app the image serves (repeatable): code-editor, jupyterlab; "
        "both for one image serving both (default: the target's own)",
        parse_app,
        flag="--app",
        multiple=True,
        metavar="APP",
        group=KIND,
    )


def served_apps(own: str, given: tuple[str, ...], target: str) -> tuple[str, ...]:
    """The apps the image serves, in :data:`APPS` order; AnswerError when ``given`` leaves out ``own``."""
    if not given:
        return (own,)
    dupes = sorted({a for a in given if given.count(a) > 1})
    if dupes:
        raise AnswerError(f"--app {dupes[0]} is given twice; keep one")
    if own not in given:
        other = "sagemaker-jupyterlab" if own == CODE_EDITOR_APP else "sagemaker-code-editor"
        raise AnswerError(
            f"--app: a {target} image serves {own}; add --app {own}, or write the image with byoi new {other}"
        )
    return tuple(a for a in APPS if a in given)


def app_context(apps: tuple[str, ...], base: str, own: str) -> dict[str, Any]:
    """What the templates need to serve ``apps`` (``own``: the target's app): each app's
    entrypoint, the platforms, versions."""
    micromamba = base == "micromamba"
    entrypoints = {
        CODE_EDITOR_APP: START_SCRIPTS[CODE_EDITOR_APP] if micromamba else CODE_EDITOR.distribution_entrypoint,
        JUPYTERLAB_APP: START_SCRIPTS[JUPYTERLAB_APP] if micromamba else JUPYTERLAB.distribution_entrypoint,
    }
    return {
        "apps": list(apps),
        "own_app": own,
        "two_apps": len(apps) > 1,
        "app_entrypoints": {a: entrypoints[a] for a in apps},
        #: Studio's SAGEMAKER_APP_TYPE for each app, and the AppImageConfig/settings key names.
        "app_types": {CODE_EDITOR_APP: CODE_EDITOR.app_type_default, JUPYTERLAB_APP: JUPYTERLAB.app_type_default},
        "dispatcher": DISPATCHER,
        "code_editor": {
            **CODE_EDITOR.as_dict(),
            "base_path": CODE_EDITOR.base_path,
            "extensions_dir": CODE_EDITOR.extensions_dir,
            "home_extensions_dir": CODE_EDITOR.home_extensions_dir,
        },
        "jupyterlab": {**JUPYTERLAB.as_dict(), "base_path": JUPYTERLAB.base_path},
        "ipykernel_version": sagemaker.DEFAULT_IPYKERNEL_VERSION,
        # The other app's server version, where the target has no answer for it.
        "default_jupyterlab_version": sagemaker.DEFAULT_JUPYTERLAB_VERSION,
        "default_code_editor_version": sagemaker.DEFAULT_CODE_EDITOR_VERSION,
    }
