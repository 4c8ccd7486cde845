"""feeds' routes, beside communities' under the same API prefix (config/urls.py): your feed, its
rebuild, and a group's feed."""

from communities.api.urls import GROUP, Router
from feeds import api

router = Router()
router.register("feed", api.FeedViewSet, basename="feed")
router.register(f"{GROUP}/feed", api.GroupFeedViewSet, basename="group-feed")

urlpatterns = router.urls
