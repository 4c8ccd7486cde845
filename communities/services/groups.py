"""Writes on groups themselves: create, update, archive."""

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from communities.events import EventType, group_event
from communities.models import Group, Visibility
from communities.models.groups import SLUG_SCOPE, SLUG_TAKEN
from communities.roles import Action, Role
from communities.rules import LIVE_GROUP
from communities.services.locks import lock_group
from communities.services.membership import member_add, require_moderation_role
from communities.services.tags import group_tags_set, tags_normalize
from divan.exceptions import Conflict, InvalidInput

SLUG_ATTEMPTS = 50


def _slug_base(name: str) -> str:
    return slugify(name)[: Group._meta.get_field("slug").max_length - 8].strip("-") or "group"


def _insert_group(*, creator, name: str, slug: str | None, description: str, visibility: str):
    """Insert with the given slug, or with the first free one derived from the name.

    Slugs are unique among public and private groups only: a secret group's slug is checked
    against nothing and takes no slug from anyone, so neither a refused slug nor a generated
    one (`founders-2`) can tell that a secret group exists."""
    secret = visibility == Visibility.SECRET
    if slug is not None or secret:
        candidates = [slug or _slug_base(name)]
    else:
        base = _slug_base(name)
        candidates = [base, *(f"{base}-{n}" for n in range(2, SLUG_ATTEMPTS))]
    for candidate in candidates:
        if len(candidates) > 1 and _slug_taken(candidate):
            continue
        try:
            with transaction.atomic():  # a savepoint: a lost race on the slug tries the next one
                return Group.objects.create(
                    name=name,
                    slug=candidate,
                    description=description,
                    visibility=visibility,
                    member_count=0,  # the owner joins through member_add, which counts them
                    created_by=creator,
                )
        except IntegrityError:
            continue
    if slug is not None:
        raise InvalidInput({"slug": [SLUG_TAKEN]})
    raise InvalidInput({"name": ["Too many groups share this name; choose a slug."]})


def _slug_taken(slug: str) -> bool:
    """Whether a group that everyone may know exists holds the slug (the constraint's scope)."""
    return Group.objects.filter(SLUG_SCOPE, slug=slug).exists()


def group_create(
    *,
    creator,
    name: str,
    visibility: str,
    description: str = "",
    slug: str | None = None,
    tags: Iterable[str] = (),
) -> Group:
    """Create a group with its creator as owner and first member."""
    names = tags_normalize(tags, limit=settings.TAGS_MAX_PER_GROUP)
    with transaction.atomic():
        group = _insert_group(
            creator=creator, name=name, slug=slug, description=description, visibility=visibility
        )
        group_tags_set(group=group, names=names)
        group_event(
            EventType.GROUP_CREATED,
            group,
            actor=creator,
            name=group.name,
            slug=group.slug,
            tags=names,
        )
        member_add(group=group, user=creator, actor=creator, via="create", role=Role.OWNER)
        group.member_count = 1
    return group


def group_update(*, actor, group: Group, as_site_staff: bool = False, **changes) -> Group:
    """Change name, slug, description, visibility or tags (admins and owners; site staff from
    the Django admin, which passes as_site_staff)."""
    allowed = {"name", "slug", "description", "visibility", "tags"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput({field: ["This field cannot be changed."] for field in sorted(unknown)})
    names = (
        tags_normalize(changes.pop("tags"), limit=settings.TAGS_MAX_PER_GROUP)
        if "tags" in changes
        else None
    )
    with transaction.atomic():
        group = lock_group(group.pk)
        require_moderation_role(
            group=group, actor=actor, action=Action.UPDATE_GROUP, as_site_staff=as_site_staff
        )
        changed = {
            field: [getattr(group, field), value]
            for field, value in changes.items()
            if getattr(group, field) != value
        }
        for field, value in changes.items():
            setattr(group, field, value)
        try:
            with transaction.atomic():
                group.save(update_fields=[*changes, "updated_at"])
        except IntegrityError:
            raise InvalidInput({"slug": [SLUG_TAKEN]}) from None
        if names is not None:
            before = sorted(group.group_tags.values_list("tag__name", flat=True))
            group_tags_set(group=group, names=names)
            if sorted(names) != before:
                changed["tags"] = [before, names]
        group_event(EventType.GROUP_UPDATED, group, actor=actor, changes=changed)
        if "visibility" in changed:
            group_event(
                EventType.GROUP_VISIBILITY_CHANGED,
                group,
                actor=actor,
                changes=changed["visibility"],
            )
    return group


def group_archive(*, actor, group: Group, as_site_staff: bool = False) -> Group:
    """Archive (soft-delete) a group: it disappears for everyone; its rows stay. Archiving an
    archived group is a Conflict."""
    with transaction.atomic():
        group = lock_group(group.pk)
        require_moderation_role(
            group=group, actor=actor, action=Action.ARCHIVE_GROUP, as_site_staff=as_site_staff
        )
        if not LIVE_GROUP.holds(group):
            raise Conflict("This group is archived already.")
        group.archived_at = timezone.now()
        group.save(update_fields=["archived_at", "updated_at"])
        group_event(EventType.GROUP_ARCHIVED, group, actor=actor)
    return group
