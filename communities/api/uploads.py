"""Uploads over HTTP: POST uploads/ (a presigned POST back), POST uploads/{id}/complete/ (Divan
checks what arrived), GET uploads/{id}/; and, when files are kept on this machine (no S3
settings), the endpoints standing in for the store: POST uploads/local/?token= (the upload)
and GET uploads/local/<key>?token= (a download)."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.models import Upload, UploadStatus
from communities.services import uploads as upload_services
from communities.storage import LocalStorage, local_token, site_url
from divan.throttling import UserThrottle, WriteThrottle

# What a multipart body may hold beside the file itself: its boundaries and small fields.
MULTIPART_OVERHEAD = 64 * 1024


class UploadStartSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=255, trim_whitespace=False)
    content_type = serializers.CharField(max_length=100)
    size = serializers.IntegerField(min_value=1, max_value=2**62)


class PresignedPostSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="POST the form here, as multipart/form-data.")
    fields = serializers.DictField(
        child=serializers.CharField(),
        help_text="Send these form fields first, as they are, then the file as `file`.",
    )


class UploadSerializer(serializers.ModelSerializer):
    processing = serializers.BooleanField(read_only=True)

    class Meta:
        model = Upload
        fields = (
            "id", "filename", "content_type", "size", "status", "reason", "processing",
            "width", "height", "created_at", "expires_at", "completed_at",
        )  # fmt: skip
        read_only_fields = fields


class UploadStartedSerializer(UploadSerializer):
    upload = PresignedPostSerializer()

    class Meta(UploadSerializer.Meta):
        fields = (*UploadSerializer.Meta.fields, "upload")
        read_only_fields = fields


class UploadViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your uploads: start one, send the file straight to storage, then complete it."""

    serializer_class = UploadSerializer
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [UserThrottle, WriteThrottle]
    lookup_value_regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

    def get_object(self):
        return upload_services.upload_owned(owner=self.request.user, upload_id=self.kwargs["pk"])

    @extend_schema(request=UploadStartSerializer, responses={201: UploadStartedSerializer})
    def create(self, request):
        """Declare a file (`filename`, `content_type`, `size`); the answer's `upload` is a form
        to POST to `upload.url`: its `fields` first, then the file as `file`."""
        serializer = UploadStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload, post = upload_services.upload_start(
            owner=request.user, site=site_url(request), **data
        )
        upload.upload = {"url": post.url, "fields": post.fields}
        return Response(UploadStartedSerializer(upload).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: UploadSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Check the file that arrived: `ready` to attach, or `rejected` with the `reason`."""
        upload = upload_services.upload_complete(owner=request.user, upload_id=pk)
        return Response(UploadSerializer(upload).data)


def _error(status_code: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status_code)


class _TooLarge(Exception):
    pass


class _NotTheFile(Exception):
    pass


class _ToDisk(FileUploadHandler):
    """Streams the `file` field of a multipart body to `<path>.partial`, stopping past `limit`
    bytes: the body is never held in memory, whatever its size."""

    def __init__(self, request, *, path: Path, limit: int):
        super().__init__(request)
        self.path, self.limit, self.written, self.out = path, limit, 0, None
        # each request its own partial file: two POSTs with one link never share one
        self.partial = path.with_name(f"{path.name}.{secrets.token_hex(8)}.partial")

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if field_name != "file" or self.out is not None:
            raise _NotTheFile()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.out = self.partial.open("wb")

    def receive_data_chunk(self, raw_data, start):
        self.written += len(raw_data)
        if self.written > self.limit:
            raise _TooLarge()
        self.out.write(raw_data)

    def file_complete(self, file_size):
        self.out.close()
        # the closed partial stands for the file: Django's parser closes every file it holds
        # when a later part fails, and closing it again is harmless (None would be a 500)
        return UploadedFile(file=self.out, name="file", size=file_size)

    def discard(self) -> None:
        if self.out is not None:
            self.out.close()
        self.partial.unlink(missing_ok=True)


@csrf_exempt
def local_upload(request):
    """The local store's presigned POST: the token (signed, expiring) names the key, the type
    and the most bytes; the body is refused past them before or while it is read."""
    if request.method != "POST":
        return _error(405, f'Method "{request.method}" not allowed.')
    token = local_token(
        request.GET.get("token", ""), upload=True, max_age=settings.UPLOAD_URL_EXPIRY_SECONDS
    )
    if token is None:
        return _error(403, "The upload link is invalid or has expired.")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if not length:
        return _error(411, "Send the form with its Content-Length.")
    if length > token["n"] + MULTIPART_OVERHEAD:
        return _error(413, f"The file must have at most {token['n']} bytes.")
    if not Upload.objects.filter(key=token["k"], status=UploadStatus.PENDING).exists():
        return _error(409, "This upload is no longer waiting for its file.")
    storage = LocalStorage()
    handler = _ToDisk(request, path=storage.path(token["k"]), limit=token["n"])
    request.upload_handlers = [handler]
    try:
        fields, files = request.POST, request.FILES
    except _TooLarge:
        handler.discard()
        return _error(413, f"The file must have at most {token['n']} bytes.")
    except _NotTheFile:
        handler.discard()
        return _error(400, "Send the form's fields, then one file as `file`.")
    except (MultiPartParserError, UnreadablePostError, RequestDataTooBig, TooManyFieldsSent):
        handler.discard()  # (a form of another kind is read whole, and refused past 1 MiB)
        return _error(400, "The form could not be read as multipart/form-data.")
    except BaseException:
        handler.discard()
        raise
    # exactly the link's fields, once each, and one file: a field sent after the file is refused
    # too (a part without a name, which Django's parser skips, is ignored, as S3 ignores it)
    if (
        list(files) != ["file"]
        or len(files.getlist("file")) != 1
        or sorted(fields.lists()) != [("Content-Type", [token["t"]]), ("key", [token["k"]])]
    ):
        handler.discard()
        return _error(400, "The form's fields must be those of the upload link.")
    os.replace(handler.partial, handler.path)
    return HttpResponse(status=204)  # as S3 answers a POST upload


def local_file(request, key: str):
    """The local store's presigned GET: the file, as an attachment, while the token lasts."""
    token = local_token(
        request.GET.get("token", ""), upload=False, max_age=settings.DOWNLOAD_URL_EXPIRY_SECONDS
    )
    if token is None or token.get("k") != key:
        return _error(403, "The download link is invalid or has expired.")
    try:
        file = LocalStorage().path(key).open("rb")
    except FileNotFoundError:
        return _error(404, "Not found.")
    response = FileResponse(file, as_attachment=True, filename=token["f"], content_type=token["t"])
    response["X-Content-Type-Options"] = "nosniff"
    return response
