from rest_framework.routers import DefaultRouter

from communities.api import moderation, posts, views

GROUP = r"groups/(?P<group_pk>[0-9]{1,18})"

router = DefaultRouter()
router.register("groups", views.GroupViewSet, basename="group")
router.register(f"{GROUP}/members", views.MemberViewSet, basename="group-member")
router.register(f"{GROUP}/join-requests", views.JoinRequestViewSet, basename="group-join-request")
router.register(f"{GROUP}/bans", views.BanViewSet, basename="group-ban")
router.register(f"{GROUP}/invitations", views.InvitationViewSet, basename="group-invitation")
router.register(f"{GROUP}/posts", posts.GroupPostViewSet, basename="group-post")
router.register("posts", posts.PostViewSet, basename="post")
router.register("tags", posts.TagViewSet, basename="tag")
router.register("reports", moderation.ReportViewSet, basename="report")
router.register(f"{GROUP}/reports", moderation.GroupReportViewSet, basename="group-report")
router.register(
    f"{GROUP}/moderation-log", moderation.ModerationLogViewSet, basename="group-moderation-log"
)

urlpatterns = router.urls
