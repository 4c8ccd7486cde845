from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import invitations as accounts_api
from communities.api import (
    blocks,
    comments,
    moderation,
    people,
    posts,
    reactions,
    search,
    uploads,
    views,
)

GROUP = r"groups/(?P<group_pk>[0-9]{1,18})"
POST = r"posts/(?P<post_pk>[0-9]{1,18})"
COMMENT = r"comments/(?P<comment_pk>[0-9]{1,18})"


class Router(DefaultRouter):
    """DefaultRouter, plus DELETE on a collection, routed to a viewset's `remove` action where
    it has one: a reaction is removed by kind (DELETE reactions/?kind=like), not by id. Its
    root page is config.urls' (`api_root`), which lists the routes of every app under the prefix."""

    include_root_view = False

    routes = [
        route._replace(mapping={**route.mapping, "delete": "remove"})
        if route.name == "{basename}-list"
        else route
        for route in DefaultRouter.routes
    ]


router = Router()
router.register("groups", views.GroupViewSet, basename="group")
router.register(f"{GROUP}/members", views.MemberViewSet, basename="group-member")
router.register(f"{GROUP}/join-requests", views.JoinRequestViewSet, basename="group-join-request")
router.register(f"{GROUP}/bans", views.BanViewSet, basename="group-ban")
router.register(f"{GROUP}/invitations", views.InvitationViewSet, basename="group-invitation")
router.register(
    f"{GROUP}/signup-invitations",
    accounts_api.SignupInvitationViewSet,
    basename="group-signup-invitation",
)
router.register(f"{GROUP}/posts", posts.GroupPostViewSet, basename="group-post")
router.register(f"{GROUP}/reports", moderation.GroupReportViewSet, basename="group-report")
router.register(
    f"{GROUP}/moderation-log", moderation.ModerationLogViewSet, basename="group-moderation-log"
)
router.register("posts", posts.PostViewSet, basename="post")
router.register(f"{POST}/comments", comments.PostCommentViewSet, basename="post-comment")
router.register(f"{POST}/reactions", reactions.PostReactionViewSet, basename="post-reaction")
router.register("comments", comments.CommentViewSet, basename="comment")
router.register(
    f"{COMMENT}/reactions", reactions.CommentReactionViewSet, basename="comment-reaction"
)
router.register("tags", posts.TagViewSet, basename="tag")
router.register("reports", moderation.ReportViewSet, basename="report")
router.register("search", search.SearchViewSet, basename="search")
router.register("uploads", uploads.UploadViewSet, basename="upload")
router.register("users", people.UserViewSet, basename="user")
router.register("blocks", blocks.BlockViewSet, basename="block")

urlpatterns = [
    path("uploads/local/", uploads.local_upload, name="upload-local"),
    path("uploads/local/<path:key>", uploads.local_file, name="upload-local-file"),
    *router.urls,
]
