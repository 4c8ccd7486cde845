"""GET /api/ops/events/: the outbox, the stream and each consumer, for site staff."""

import redis
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from divan.events.selectors import events_status


class OutboxStatusSerializer(serializers.Serializer):
    pending = serializers.IntegerField(help_text="Events written, not yet dispatched.")
    oldest_pending_age_seconds = serializers.FloatField()
    failing = serializers.IntegerField(help_text="Pending events whose dispatch failed.")
    set_aside = serializers.IntegerField(help_text="Events set aside after every attempt failed.")


class StreamStatusSerializer(serializers.Serializer):
    length = serializers.IntegerField()
    dead_letters = serializers.IntegerField()
    losses = serializers.IntegerField(help_text="Times Redis was found to have lost the stream.")
    resent = serializers.IntegerField(help_text="Events sent again after a loss.")


class ConsumerStatusSerializer(serializers.Serializer):
    name = serializers.CharField()
    lag = serializers.IntegerField(help_text="Entries not yet delivered to it.")
    pending = serializers.IntegerField(help_text="Delivered, not yet acknowledged.")
    last_acked_id = serializers.CharField()
    processed = serializers.IntegerField()
    deliveries = serializers.IntegerField()
    redeliveries = serializers.IntegerField()
    dead_letters = serializers.IntegerField()
    processing_seconds = serializers.FloatField()
    last_error = serializers.CharField()
    last_error_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class ProcessStatusSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="worker, beat, or consumer:<name>.")
    alive = serializers.IntegerField(help_text="Processes seen within PROCESS_STALE_SECONDS.")
    last_seen_seconds = serializers.FloatField(allow_null=True)
    state = serializers.CharField(help_text='"ok", or why it counts as absent.')


class EventsStatusSerializer(serializers.Serializer):
    outbox = OutboxStatusSerializer()
    stream = StreamStatusSerializer()
    consumers = ConsumerStatusSerializer(many=True)
    processes = ProcessStatusSerializer(many=True)


class StreamUnavailable(APIException):
    status_code = 503
    default_detail = "Redis cannot be reached; the outbox keeps every event meanwhile."
    default_code = "unavailable"


class EventsStatusView(APIView):
    """How far events are behind: pending outbox rows and the oldest one's age, the stream's
    length, dead letters and losses, each consumer's lag, counts and last error, and whether
    the worker, beat and each consumer are running. Site staff only."""

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(responses={200: EventsStatusSerializer})
    def get(self, request):
        try:
            status = events_status()
        except redis.RedisError as error:
            raise StreamUnavailable() from error
        return Response(EventsStatusSerializer(status).data)
