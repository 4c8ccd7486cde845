"""What is live: a post or a comment, a group, a membership; each rule stated once, here.

A rule is the columns that are NULL while a row is live. Every form of it derives from that
one definition: the ORM's (`q`, under a relation prefix such as "post__"), SQL's (`sql`, for a
table alias such as "p"), their negations (`q_not`, `sql_not`) and the check of a loaded row
(`holds`). Who may read what composes these with the visibility tables of
`communities/selectors/visibility.py` (MAY_KNOW, MAY_READ); neither is restated anywhere else.
"""

from django.db.models import Q


class Rule:
    """A row is live while each of these columns (named as the model's fields, which are
    their columns too) is NULL; `through` names the relation whose row the rule is about."""

    def __init__(self, *columns: str, through: str = ""):
        self.columns, self.through = columns, through

    def __and__(self, other: "Rule") -> "Rule":
        if self.through != other.through:
            raise ValueError("Rules about different rows do not combine.")
        return Rule(*self.columns, *other.columns, through=self.through)

    def q(self, prefix: str = "") -> Q:
        """The rule as a filter, on the rows `prefix` leads to ("" for the queryset's own)."""
        return Q(**{f"{prefix}{self.through}{column}__isnull": True for column in self.columns})

    def q_not(self, prefix: str = "") -> Q:
        """The rows the rule leaves out: one of the columns is set."""
        rows = Q()
        for column in self.columns:
            rows |= Q(**{f"{prefix}{self.through}{column}__isnull": False})
        return rows

    def sql(self, alias: str = "") -> str:
        """The rule as an SQL condition on the table `alias` names (unqualified without one)."""
        return " AND ".join(f"{_qualified(alias, column)} IS NULL" for column in self.columns)

    def sql_not(self, alias: str = "") -> str:
        return " OR ".join(f"{_qualified(alias, column)} IS NOT NULL" for column in self.columns)

    def holds(self, row) -> bool:
        """Whether a loaded row is live (a membership: with its group loaded)."""
        for relation in filter(None, self.through.split("__")):
            row = getattr(row, relation)
        return all(getattr(row, column) is None for column in self.columns)


def _qualified(alias: str, column: str) -> str:
    return f"{alias}.{column}" if alias else column


# A post or a comment: deleted by its author or a moderator (the row stays), hidden by a
# moderator. NOT_DELETED alone applies where moderators still see hidden rows, and to an
# author's own content.
NOT_DELETED = Rule("deleted_at")
NOT_HIDDEN = Rule("hidden_at")
LIVE_POST = NOT_DELETED & NOT_HIDDEN
LIVE_COMMENT = LIVE_POST  # the same columns, the same rule
# A group: archived, it is gone for everyone (its rows stay).
LIVE_GROUP = Rule("archived_at")
# A membership counts while its group is live; in SQL, the rule is on the joined group's alias.
LIVE_MEMBERSHIP = Rule(*LIVE_GROUP.columns, through="group__")
