"""Join requests to a private group: moderators approve or deny them, and joining (or a ban)
answers the one pending. A request is made by `group_join` (joining.py)."""

from django.db import transaction
from django.utils import timezone

from communities.events import EventType, group_event
from communities.models import Group, JoinRequest, JoinRequestStatus, ModerationAction
from communities.roles import Action
from communities.services.locks import lock_group
from communities.services.membership.access import is_banned, require_role
from communities.services.membership.members import member_add
from communities.services.moderation_log import moderation_log_write
from divan.exceptions import Conflict, NotFound

# The event of a join request's answer, by the answer.
_ANSWERED = {
    JoinRequestStatus.APPROVED: EventType.JOIN_REQUEST_APPROVED,
    JoinRequestStatus.DENIED: EventType.JOIN_REQUEST_DENIED,
}


def answer_join_requests(*, group: Group, user, actor, status: str, now) -> None:
    """Answer the user's pending join request, if any (joining answers it, a ban denies it)."""
    pending = JoinRequest.objects.select_for_update().filter(
        group=group, user=user, status=JoinRequestStatus.PENDING
    )
    for join_request in pending:
        decided_by = actor if status == JoinRequestStatus.DENIED else None
        _join_request_answer(
            join_request, group=group, actor=actor, status=status, decided_by=decided_by, now=now
        )


def _join_request_answer(
    join_request: JoinRequest, *, group: Group, actor, status: str, decided_by, now
) -> None:
    """Answer one pending join request, with its event."""
    join_request.status, join_request.decided_by, join_request.decided_at = status, decided_by, now
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    group_event(
        _ANSWERED[status],
        group,
        actor=actor,
        user_id=join_request.user_id,
        join_request_id=join_request.pk,
    )


def _decide_join_request(*, actor, group: Group, request_id: int, approve: bool) -> JoinRequest:
    with transaction.atomic():
        group = lock_group(group.pk)
        require_role(group=group, user=actor, action=Action.DECIDE_JOIN_REQUESTS)
        join_request = (
            JoinRequest.objects.select_for_update()
            .select_related("user")
            .filter(group=group, pk=request_id)
            .first()
        )
        if join_request is None:
            raise NotFound("No join request matches the given query.")
        if join_request.status != JoinRequestStatus.PENDING:
            raise Conflict(f"This join request was already {join_request.status}.")
        if approve:
            if is_banned(group=group, user=join_request.user):
                raise Conflict("This user is banned from the group; unban them first.")
            member_add(group=group, user=join_request.user, actor=actor, via="join_request")
        _join_request_answer(
            join_request,
            group=group,
            actor=actor,
            status=JoinRequestStatus.APPROVED if approve else JoinRequestStatus.DENIED,
            decided_by=actor,
            now=timezone.now(),
        )
        moderation_log_write(
            group=group,
            actor=actor,
            action=(
                ModerationAction.APPROVE_JOIN_REQUEST
                if approve
                else ModerationAction.DENY_JOIN_REQUEST
            ),
            target_user=join_request.user,
        )
    return join_request


def join_request_approve(*, actor, group: Group, request_id: int) -> JoinRequest:
    return _decide_join_request(actor=actor, group=group, request_id=request_id, approve=True)


def join_request_deny(*, actor, group: Group, request_id: int) -> JoinRequest:
    return _decide_join_request(actor=actor, group=group, request_id=request_id, approve=False)
