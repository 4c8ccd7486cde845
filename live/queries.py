"""The live app's SQL (divan/sql.py says how statements are kept)."""

from communities.models import Block, Group, Post
from communities.queries import BANNED_FROM_SQL
from communities.rules import LIVE_POST
from communities.selectors.visibility import may_read_sql
from divan.sql import table

# Of %(users)s, who may see a message about group %(group)s (read it, not banned from it), its
# post %(post)s (live; NULL: none named) and by %(author)s (not one they keep out by a kind of
# %(kept_out)s; NULL: none).
READERS = f"""
SELECT u.id FROM unnest(%(users)s::bigint[]) AS u(id), {table(Group)} AS g
WHERE g.id = %(group)s
  AND {may_read_sql(group="g", user="u.id")}
  AND NOT {BANNED_FROM_SQL.format(group="g", user="u.id")}
  AND (%(post)s::bigint IS NULL OR EXISTS (
    SELECT FROM {table(Post)} AS p WHERE p.id = %(post)s AND p.group_id = g.id
      AND {LIVE_POST.sql("p")}))
  AND (%(author)s::bigint IS NULL OR NOT EXISTS (
    SELECT FROM {table(Block)} AS b WHERE b.user_id = u.id AND b.target_id = %(author)s
      AND b.kind = ANY(%(kept_out)s)))
"""
