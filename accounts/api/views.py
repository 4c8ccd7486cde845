"""Leaving with your data over HTTP (README, Leaving with your data): ask for an export of your
data and follow it (`export/`), download its archive (`export/{id}/download/`), delete your
account (`delete/`). Signed in, by token or session (with its CSRF token for writes)."""

from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from accounts.models import DataExport, ExportStatus
from accounts.reauthentication import reauthenticate
from accounts.services.deletion import GroupsStillOwned, account_delete
from accounts.services.exports import (
    export_download_url,
    export_latest,
    export_owned,
    export_page_path,
    export_request,
)
from communities.storage import site_url
from divan.exceptions import Conflict, DomainError
from divan.throttling import AccountDeleteThrottle, ExportThrottle, UserThrottle, WriteThrottle


class Gone(DomainError):
    status_code = status.HTTP_410_GONE
    default_detail = "This export has expired: ask for a new one."


class ExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="While `ready`: the archive's link, for you alone (sign in to follow it). "
        "It answers with a redirect to the file, through a link signed for a few minutes."
    )

    class Meta:
        model = DataExport
        fields = (
            "id", "status", "requested_at", "ready_at", "expires_at", "size", "download_url",
        )  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        if export.status != ExportStatus.READY or export.expires_at <= timezone.now():
            return None
        return site_url(self.context.get("request")) + export_page_path(export)


class ExportView(generics.GenericAPIView):
    """Your export: GET its state (the latest you asked for), POST to ask for a new one. It is
    built in the background and mailed to your verified address; one at a time."""

    serializer_class = ExportSerializer
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [UserThrottle, WriteThrottle, ExportThrottle]

    @extend_schema(
        responses={
            200: ExportSerializer,
            404: OpenApiResponse(description="You have not asked for an export."),
        }
    )
    def get(self, request):
        """The latest export you asked for (404 if none): `pending`, `building`, `ready` (with
        `download_url` until `expires_at`), `failed` (ask again) or `expired`."""
        return Response(self.get_serializer(export_latest(user=request.user)).data)

    @extend_schema(
        request=None,
        responses={
            202: ExportSerializer,
            409: OpenApiResponse(description="An export is being prepared already."),
        },
    )
    def post(self, request):
        """Ask for an archive of your data: 202, `pending`; a mail says when it is ready. While
        one is pending or building, a 409."""
        export = export_request(user=request.user)
        return Response(self.get_serializer(export).data, status=status.HTTP_202_ACCEPTED)


class ExportDownloadView(generics.GenericAPIView):
    """An export's archive, for its owner: a redirect to the file."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = None

    @extend_schema(
        responses={
            302: OpenApiResponse(
                description="To the archive (a zip), through a link the storage signed, valid "
                "for DOWNLOAD_URL_EXPIRY_SECONDS."
            ),
            404: OpenApiResponse(description="No export of yours has this id."),
            409: OpenApiResponse(description="Not ready yet."),
            410: OpenApiResponse(description="Expired, or failed: ask for a new one."),
        },
    )
    def get(self, request, export_id):
        export = export_owned(user=request.user, export_id=export_id)
        if export.status in (ExportStatus.PENDING, ExportStatus.BUILDING):
            raise Conflict("This export is not ready yet: you will get a mail when it is.")
        if export.status == ExportStatus.FAILED:
            raise Gone("This export could not be built: ask for a new one.")
        if export.status != ExportStatus.READY or export.expires_at <= timezone.now():
            raise Gone()
        response = HttpResponseRedirect(export_download_url(export, site=site_url(request)))
        response["Cache-Control"] = "no-store"  # the link is fresh at each click
        return response


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )
    code = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="With two-factor sign-in on: a code from your app, or a recovery code.",
    )


OWNED_GROUPS = inline_serializer(
    "AccountDeleteRefused",
    {
        "detail": serializers.CharField(),
        "groups": inline_serializer(
            "OwnedGroup", {"id": serializers.IntegerField(), "name": serializers.CharField()},
            many=True,
        ),
    },
)  # fmt: skip


class AccountDeleteView(generics.GenericAPIView):
    """Delete your account, for good: your password (and, with two-factor sign-in on, a code).
    What goes and what stays: README, Leaving with your data."""

    serializer_class = AccountDeleteSerializer
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [UserThrottle, WriteThrottle, AccountDeleteThrottle]

    @extend_schema(
        responses={
            204: None,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="A wrong password or code."),
            409: OpenApiResponse(
                OWNED_GROUPS,
                description="You alone own groups that have other members: hand them over.",
            ),
            429: OpenApiResponse(description="Too many wrong passwords or codes."),
        },
    )
    def post(self, request):
        """204 once deleted: your posts, comments, reactions, uploads, memberships and sign-ins
        are gone; this session ends."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reauthenticate(
            request=request, user=request.user, password=data["password"], code=data.get("code", "")
        )
        try:
            account_delete(user=request.user)
        except GroupsStillOwned as refusal:
            groups = [{"id": group.pk, "name": group.name} for group in refusal.groups]
            return Response(
                {"detail": refusal.detail, "groups": groups}, status=status.HTTP_409_CONFLICT
            )
        logout(request)  # this session's cookie ends now; the others at their next request
        return Response(status=status.HTTP_204_NO_CONTENT)
