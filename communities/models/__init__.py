from communities.models.comments import Comment
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
from communities.models.moderation import (
    ModerationAction,
    ModerationLogEntry,
    Report,
    ReportReason,
    ReportStatus,
)
from communities.models.people import Block, BlockKind
from communities.models.posts import GroupTag, Post, PostTag, Tag, TagCount
from communities.models.reactions import Reaction
from communities.models.uploads import Upload, UploadCharge, UploadStatus

__all__ = [
    "Ban",
    "Block",
    "BlockKind",
    "Comment",
    "Group",
    "GroupTag",
    "Invitation",
    "InvitationStatus",
    "JoinRequest",
    "JoinRequestStatus",
    "Membership",
    "ModerationAction",
    "ModerationLogEntry",
    "Post",
    "PostTag",
    "Reaction",
    "Report",
    "ReportReason",
    "ReportStatus",
    "Tag",
    "TagCount",
    "Upload",
    "UploadCharge",
    "UploadStatus",
    "Visibility",
]
