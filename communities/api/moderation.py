"""Reports and the moderation log: their input and output shapes, and their thin viewsets."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.serializers import id_field
from communities.api.views import ID_PATTERN, GroupScopedViewSet, _validated
from communities.models import ModerationLogEntry, Report, ReportReason, ReportStatus
from communities.roles import Action
from communities.selectors.moderation import (
    moderation_log_list,
    report_in_group,
    report_list_for_reporter,
    report_queue,
)
from communities.services import reports as report_services
from divan.api.serializers import UserSummarySerializer
from divan.exceptions import NotFound
from divan.idempotency import idempotent

RESOLUTION_NOTE_MAX_LENGTH = report_services.RESOLUTION_NOTE_MAX_LENGTH


class ReportCreateSerializer(serializers.Serializer):
    post = id_field(required=False, allow_null=True, default=None)
    comment = id_field(required=False, allow_null=True, default=None)
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    detail = serializers.CharField(
        max_length=settings.REPORT_DETAIL_MAX_LENGTH, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs):
        if (attrs["post"] is None) == (attrs["comment"] is None):
            raise serializers.ValidationError("Report exactly one post or one comment.")
        return attrs


class OwnReportSerializer(serializers.ModelSerializer):
    """A report as its reporter sees it: who handled it and their note stay with moderators."""

    reporter = UserSummarySerializer(read_only=True)

    class Meta:
        model = Report
        fields = (
            "id",
            "group",
            "post",
            "comment",
            "reason",
            "detail",
            "status",
            "reporter",
            "created_at",
            "resolved_at",
            "content_hidden",
        )
        read_only_fields = fields


class ReportSerializer(OwnReportSerializer):
    """A report as the group's moderators see it: also who handled it, and their note."""

    resolved_by = UserSummarySerializer(read_only=True)

    class Meta(OwnReportSerializer.Meta):
        fields = (*OwnReportSerializer.Meta.fields, "resolved_by", "resolution_note")
        read_only_fields = fields


class ReportQueueFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReportStatus.choices, default=ReportStatus.OPEN)


class ReportDismissSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=RESOLUTION_NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ReportResolveSerializer(ReportDismissSerializer):
    hide_content = serializers.BooleanField(default=False)


class ModerationLogEntrySerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True)
    target_user = UserSummarySerializer(read_only=True)

    class Meta:
        model = ModerationLogEntry
        fields = (
            "id",
            "actor",
            "action",
            "post",
            "comment",
            "report",
            "target_user",
            "reason",
            "created_at",
        )
        read_only_fields = fields


class ReportViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Report a post or a comment you can see; list the reports you filed."""

    permission_classes = [permissions.IsAuthenticated]

    def get_serializer_class(self):
        return ReportCreateSerializer if self.action == "create" else OwnReportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return report_list_for_reporter(viewer=self.request.user)

    @extend_schema(responses={201: OwnReportSerializer, 200: OwnReportSerializer})
    @idempotent
    def create(self, request):
        data = _validated(self, request.data)
        report, created = report_services.report_create(
            reporter=request.user,
            post_id=data["post"],
            comment_id=data["comment"],
            reason=data["reason"],
            detail=data["detail"],
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(OwnReportSerializer(report).data, status=code)


class GroupReportViewSet(mixins.ListModelMixin, GroupScopedViewSet):
    """A group's reports for its moderators and up: open ones (newest first) unless ?status=
    asks for resolved or dismissed ones; resolve (optionally hiding the content) or dismiss."""

    lookup_value_regex = ID_PATTERN
    permission_classes = [permissions.IsAuthenticated]

    def get_serializer_class(self):
        if self.action == "resolve":
            return ReportResolveSerializer
        if self.action == "dismiss":
            return ReportDismissSerializer
        return ReportSerializer

    def get_queryset(self):
        if self._fake():
            return Report.objects.none()
        self.access.require(Action.HANDLE_REPORTS)
        query = ReportQueueFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return report_queue(group=self.group, status=query.validated_data["status"])

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=ReportStatus.values, default=ReportStatus.OPEN)]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _report(self, report_id: str) -> Report:
        self.access.require(Action.HANDLE_REPORTS)
        report = report_in_group(group=self.group, report_id=int(report_id))
        if report is None:
            raise NotFound("No report matches the given query.")
        return report

    @extend_schema(responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, group_pk=None, pk=None):
        report = self._report(pk)
        data = _validated(self, request.data)
        report = report_services.report_resolve(
            actor=request.user,
            report=report,
            hide_content=data["hide_content"],
            note=data["note"],
        )
        return Response(ReportSerializer(report).data)

    @extend_schema(responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, group_pk=None, pk=None):
        report = self._report(pk)
        data = _validated(self, request.data)
        report = report_services.report_dismiss(actor=request.user, report=report, **data)
        return Response(ReportSerializer(report).data)


class ModerationLogViewSet(mixins.ListModelMixin, GroupScopedViewSet):
    """Who did what to which content or member, when and why: newest first, for moderators."""

    serializer_class = ModerationLogEntrySerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if self._fake():
            return ModerationLogEntry.objects.none()
        self.access.require(Action.VIEW_MODERATION_LOG)
        return moderation_log_list(group=self.group)
