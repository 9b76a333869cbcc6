"""Every corpus Dockerfile gives exactly the findings written in it (``#>`` lines).

The corpus covers what BuildKit parses (continuations, directives, heredocs, JSON and
shell forms, flags, stages), what it refuses, every rule, the two Dockerfiles of the
AWS page (seed 000, rebuilt with their line breaks) and the Dockerfile examples of the
Foundry pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from checker_support import CORPUS, corpus_dockerfiles, expectations

from generator.check import check_paths
from generator.rules import TARGETS

CASES = [(path, target) for path in corpus_dockerfiles() for target in expectations(path)]


def _found(path: Path, target: str) -> set[str]:
    items = set()
    for f in check_paths([path], target):
        if Path(f.file) == path:
            items.add(f"{f.code}@{f.line}")
        else:
            items.add(f"{f.code}@{Path(f.file).relative_to(path.parent).as_posix()}:{f.line}")
    return items


def test_the_corpus_is_big_enough_and_every_file_states_its_findings() -> None:
    files = corpus_dockerfiles()
    assert len(files) >= 100
    unstated = [p.name for p in files if not expectations(p)]
    assert unstated == []
    assert {t for _, t in CASES} <= set(TARGETS)


@pytest.mark.parametrize(("path", "target"), CASES, ids=[f"{p.relative_to(CORPUS)}-{t}" for p, t in CASES])
def test_corpus_findings(path: Path, target: str) -> None:
    assert _found(path, target) == expectations(path)[target]


def test_seed_micromamba_example_gets_what_a_careful_reader_expects() -> None:
    # The AWS page's first example: `latest` base, no WORKDIR, USER 1000 without a group
    # (micromamba has no user 1000, so the group would be 0), and "/CodeEditor/default",
    # which Studio's lower-case URL never matches.
    path = CORPUS / "113-sm-seed-micromamba.Dockerfile"
    findings = {(f.code, f.level) for f in check_paths([path], "sagemaker-code-editor")}
    assert findings == {("BY102", "warning"), ("SM206", "warning"), ("SM203", "warning"), ("SM212", "error")}


def test_seed_distribution_example_only_needs_a_pinned_base() -> None:
    # The second example runs as $MAMBA_USER = sagemaker-user, the distribution's 1000:100,
    # in its home, with its entrypoint: only the moving `latest-cpu` tag is wrong.
    path = CORPUS / "114-sm-seed-distribution.Dockerfile"
    assert [(f.code, f.line) for f in check_paths([path], "sagemaker-code-editor")] == [("BY102", 3)]


def test_foundry_documentation_examples() -> None:
    sidecar = CORPUS / "120-fd-sidecar-docs.Dockerfile"
    byoc = CORPUS / "121-fd-byoc-docs.Dockerfile"
    model = CORPUS / "122-fd-model-docs.Dockerfile"
    assert check_paths([sidecar], "foundry-sidecar") == []
    assert [f.code for f in check_paths([byoc], "foundry-byoc")] == ["BY102"]
    assert check_paths([model], "foundry-model") == []
    # Any numeric uid suits a model; bring-your-own-container transforms need 5001.
    assert [f.code for f in check_paths([CORPUS / "124-fd-byoc-wrong-uid.Dockerfile"], "foundry-model")] == []
