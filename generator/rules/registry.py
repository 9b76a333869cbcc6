"""Every rule, in one place: the registry ``byoi check`` and ``byoi rules`` read.

A code is never reused: a rule that goes away leaves its code unused.
"""

from __future__ import annotations

from generator.rules import TARGETS, common, foundry, sagemaker
from generator.rules.base import Rule

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        common.syntax_error,
        common.unknown_instruction,
        common.broken_exec_form,
        common.invalid_instruction,
        common.root_user,
        common.unpinned_base,
        common.wrong_platform,
        common.port_range,
        common.secret_name,
        sagemaker.wrong_uid,
        sagemaker.wrong_gid,
        sagemaker.no_group,
        sagemaker.named_user,
        sagemaker.workdir_outside_home,
        sagemaker.no_workdir,
        sagemaker.reserved_path,
        sagemaker.no_entrypoint,
        sagemaker.server_host,
        sagemaker.server_port,
        sagemaker.server_token,
        sagemaker.server_base_path,
        sagemaker.platform_variable,
        sagemaker.jupyter_address,
        sagemaker.jupyter_token,
        sagemaker.jupyter_base_url,
        sagemaker.jupyter_allow_origin,
        foundry.non_numeric_user,
        foundry.byoc_uid,
        foundry.no_shell,
        foundry.shared_volume,
    )
}


def rules_for(target: str) -> list[Rule]:
    """The rules that apply to ``target``, in code order."""
    return [RULES[code] for code in sorted(RULES) if target in RULES[code].targets]


__all__ = ["RULES", "TARGETS", "Rule", "rules_for"]
