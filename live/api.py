"""The live app's one API endpoint, on gunicorn beside the rest: where the signed-in person's
stream stands now, so that a page read on the server opens its stream from there and misses
nothing published between its reading and its stream (README, Live updates)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from live import channels


class StreamPositionSerializer(serializers.Serializer):
    last_event_id = serializers.CharField(
        help_text='Open the stream with `?last_event_id=` this: "0-0" when nothing is kept.'
    )


class StreamPositionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StreamPositionSerializer, operation_id="live_position")
    def get(self, request):
        """The id of the newest message kept for you: a stream opened with it as
        `?last_event_id=` gets whatever was published after this answer."""
        return Response({"last_event_id": channels.position(request.user.pk)})
