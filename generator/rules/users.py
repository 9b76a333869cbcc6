"""Who the image runs as: the final ``USER``, and the uid and gid behind a name.

A ``USER`` may name a user rather than a number. The uid behind a name is known when
the Dockerfile creates or renumbers that user (``useradd -u``, ``adduser --uid``,
``usermod --uid``, in the final stage or the stages it is built on) or when the base
image is one whose users are documented (``base.KNOWN_BASES``).
"""

from __future__ import annotations

from generator.dockerfile.model import Stage
from generator.platforms.sagemaker import CODE_EDITOR, GID_GROUP_NAME
from generator.rules.base import Context, base_facts, instruction_commands, memoized, program, word_value

#: Options of useradd/adduser/usermod/groupadd/addgroup that take a value.
_VALUED = frozenset(
    (
        "-u",
        "--uid",
        "-g",
        "--gid",
        "-G",
        "--groups",
        "-d",
        "--home",
        "--home-dir",
        "-s",
        "--shell",
        "-c",
        "--comment",
        "--gecos",
        "-k",
        "--skel",
        "-K",
        "--key",
        "-e",
        "--expiredate",
        "-f",
        "--inactive",
        "-p",
        "--password",
        "-b",
        "--base-dir",
        "-l",
        "--login",
        "--ingroup",
        "-h",
        "-R",
        "--root",
        "-P",
        "--prefix",
        "--firstuid",
        "--lastuid",
        "--firstgid",
        "--lastgid",
    )
)
#: Groups every common distribution numbers the same way.
_WELL_KNOWN_GROUPS = {"root": 0, GID_GROUP_NAME: CODE_EDITOR.gid}


class Identity:
    """The final stage's user and group, as far as they can be known.

    ``raw`` is what the user was given as (``USER`` text, or the base image's user
    name); ``named`` is True when ``USER`` names a user rather than a uid,
    ``group_given`` when it gives a group (``user:group``), ``from_base`` when the user
    comes from the base image (no ``USER`` in the Dockerfile).
    """

    __slots__ = ("from_base", "gid", "group_given", "line", "named", "raw", "uid")

    def __init__(
        self,
        raw: str,
        line: int,
        uid: int | None,
        gid: int | None,
        named: bool,
        group_given: bool,
        from_base: bool = False,
    ) -> None:
        self.raw = raw
        self.line = line
        self.uid = uid
        self.gid = gid
        self.named = named
        self.group_given = group_given
        self.from_base = from_base


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdecimal() and text.isascii() else None


def declared(stage: Stage) -> tuple[dict[str, tuple[int | None, int | str | None]], dict[str, int]]:
    """Users (name -> uid, primary group) and groups (name -> gid) the Dockerfile creates."""
    users: dict[str, tuple[int | None, int | str | None]] = {}
    groups: dict[str, int] = {}
    facts = base_facts(stage.image)
    if facts is not None and facts.user is not None:
        base_user, base_uid, base_gid = facts.user
        users[base_user] = (base_uid, base_gid)
    for chained in stage.chain():
        for step in chained.steps:
            if step.instruction.cmd != "RUN":
                continue
            for command in instruction_commands(step.instruction):
                name, args = program(command)
                if name not in ("useradd", "adduser", "usermod", "groupadd", "addgroup"):
                    continue
                opts: dict[str, str | None] = {}
                plain: list[str | None] = []
                values = [word_value(w, step.vars) for w in args]
                i = 0
                while i < len(values):
                    value = values[i]
                    if value is not None and value.startswith("-"):
                        key, sep, inline = value.partition("=")
                        if sep:
                            opts[key] = inline
                        elif key in _VALUED and i + 1 < len(values):
                            opts[key] = values[i + 1]
                            i += 1
                        else:
                            opts[key] = ""
                    else:
                        plain.append(value)
                    i += 1
                target = plain[-1] if plain else None
                if target is None:
                    continue
                if name in ("groupadd", "addgroup") and not (name == "addgroup" and len(plain) == 2):
                    group_id = _int(opts.get("-g") or opts.get("--gid"))
                    if group_id is not None:
                        groups[target] = group_id
                    continue
                uid = _int(opts.get("-u") or opts.get("--uid"))
                group_text = opts.get("-g") or opts.get("--gid") or opts.get("--ingroup")
                if group_text is None and name == "adduser":
                    # BusyBox adduser: -G names the primary group (useradd's -G is supplementary).
                    group_text = opts.get("-G")
                group: int | str | None = _int(group_text) if _int(group_text) is not None else group_text
                if name == "usermod":
                    old_uid, old_group = users.pop(target, (None, None))
                    new_name = opts.get("-l") or opts.get("--login") or target
                    users[new_name] = (uid if uid is not None else old_uid, group if group is not None else old_group)
                else:
                    users[target] = (uid, group)
    return users, groups


def _gid(group: int | str | None, groups: dict[str, int]) -> int | None:
    if isinstance(group, int) or group is None:
        return group
    return groups.get(group, _WELL_KNOWN_GROUPS.get(group))


def identity(ctx: Context) -> Identity | None:
    """The final stage's user; None when root (rule BY101's concern) or unknown."""
    return memoized(ctx, "identity", _identity)


def _identity(ctx: Context) -> Identity | None:
    final = ctx.final
    if final is None:
        return None
    users, groups = declared(final)
    user = final.user
    if user is None:
        facts = base_facts(final.image)
        if facts is None or facts.user is None:
            return None
        base_user, base_uid, base_gid = facts.user
        return Identity(
            base_user, final.from_.start_line, base_uid, base_gid, named=False, group_given=True, from_base=True
        )
    if user.value is None or user.is_root or user.instruction is None:
        return None
    line = user.instruction.start_line
    name = user.name or ""
    uid = user.uid
    primary: int | str | None = None
    if uid is None and name in users:
        uid, primary = users[name]
    elif uid is not None:
        primary = next((g for u, g in users.values() if u == uid), None)
    gid: int | None
    if user.group is not None:
        gid = _int(user.group)
        if gid is None:
            gid = _gid(user.group, groups)
    else:
        gid = _gid(primary, groups)
    return Identity(user.raw, line, uid, gid, named=user.uid is None, group_given=user.group is not None)
