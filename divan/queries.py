"""The platform's own SQL statements (users' API tokens), built once at import (divan/sql.py)."""

from rest_framework.authtoken.models import Token

from divan.sql import table

# Every API token of a user, deleted in one statement that says which keys went.
TOKENS_DELETE = f"DELETE FROM {table(Token)} WHERE user_id = %s RETURNING key"
