"""Communities: groups, membership, roles, join requests, bans and invitations."""
