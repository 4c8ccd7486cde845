from communities.models.groups import (
    Ban,
    Group,
    Invitation,
    InvitationStatus,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Visibility,
)

__all__ = [
    "Ban",
    "Group",
    "Invitation",
    "InvitationStatus",
    "JoinRequest",
    "JoinRequestStatus",
    "Membership",
    "Visibility",
]
