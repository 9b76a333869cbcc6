"""The user a container of the image runs as, resolved through the image's own
``/etc/passwd`` and ``/etc/group`` the way runc does (``libcontainer/user``).

- no ``User``: root, 0:0;
- a name: its passwd entry (missing: the container does not start);
- a number: that uid, its passwd entry's group if it has one, else gid 0;
- ``:GROUP``: a group name from ``/etc/group`` or a number, and then that group only;
  without it, the user's passwd name also brings the groups ``/etc/group`` lists it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.image.archive import Entry
from generator.image.tree import Tree


@dataclass(frozen=True)
class User:
    """The effective user: what ``User`` says and what it resolves to."""

    raw: str
    uid: int | None
    gid: int | None
    #: Supplementary groups (from the members lists of ``/etc/group``).
    groups: frozenset[int] = field(default_factory=frozenset)
    #: Why the user cannot be resolved (then the container does not start), else "".
    error: str = ""

    @property
    def numeric(self) -> bool:
        """Whether ``User`` gives the uid as a number (Foundry requires it)."""
        return self.raw.partition(":")[0].isdigit()


def _table(tree: Tree, path: str) -> list[list[str]]:
    data = tree.read(path)
    if data is None:
        return []
    rows = []
    for line in data.decode("utf-8", "replace").splitlines():
        if line and not line.startswith("#"):
            rows.append(line.split(":"))
    return rows


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def resolve_user(tree: Tree, raw: str) -> User:
    """``User`` from the image config (``name``, ``uid``, ``name:group``, ``uid:gid``) resolved in ``tree``."""
    passwd = [row for row in _table(tree, "etc/passwd") if len(row) >= 4]
    group = [row for row in _table(tree, "etc/group") if len(row) >= 3]
    user_part, has_group, group_part = raw.partition(":")
    uid: int | None
    gid: int | None
    name: str | None = None
    if user_part == "":
        uid, gid, name = 0, 0, "root"
    elif user_part.isdigit():
        uid = int(user_part)
        row = next((r for r in passwd if _number(r[2]) == uid), None)
        gid = _number(row[3]) if row is not None else 0
        name = row[0] if row is not None else None
    else:
        row = next((r for r in passwd if r[0] == user_part), None)
        if row is None:
            return User(raw, None, None, error=f"user {user_part!r} is not in the image's /etc/passwd")
        uid, gid, name = _number(row[2]), _number(row[3]), user_part
    if has_group:
        if group_part.isdigit():
            gid = int(group_part)
        else:
            grow = next((r for r in group if r[0] == group_part), None)
            if grow is None:
                return User(raw, uid, None, error=f"group {group_part!r} is not in the image's /etc/group")
            gid = _number(grow[2])
    # An explicit group replaces every membership: the container then has that group only.
    groups = frozenset(
        number
        for r in group
        if name is not None
        and not has_group
        and len(r) >= 4
        and name in r[3].split(",")
        and (number := _number(r[2])) is not None
    )
    return User(raw, uid, gid, groups)


def may(user: User, entry: Entry, bit: int) -> bool:
    """Whether ``user`` has permission ``bit`` (4 read, 2 write, 1 execute) on ``entry``."""
    if user.uid == 0:
        return bit != 1 or bool(entry.mode & 0o111) or entry.kind == "dir"
    if entry.uid == user.uid:
        return bool(entry.mode & (bit << 6))
    if entry.gid == user.gid or entry.gid in user.groups:
        return bool(entry.mode & (bit << 3))
    return bool(entry.mode & bit)
