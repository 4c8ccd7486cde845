from communities.models import Membership


def test_world_builds_with_exact_counts(world):
    group = world.refresh()
    # owner, admin, moderator, member; the banned user's membership ended with the ban
    assert group.member_count == 4
    assert Membership.objects.filter(group=group).count() == 4
