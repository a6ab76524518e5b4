from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from config.pagination import KEYSET_PARAMETERS, Ordering, keyset_response, paginated
from crm_core.notifications.models import Notification
from crm_core.notifications.selectors import (
    notification_get_for_user,
    notifications_for,
    unread_count,
)
from crm_core.notifications.services import notifications_mark_read

NOTIFICATION_ORDERING = Ordering(fields=("created_at",), default="-created_at")


class NotificationOutputSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "params", "url", "created_at", "read_at"]


class NotificationsReadInputSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=1000
    )


class NotificationListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("unread", bool), *KEYSET_PARAMETERS],
        responses=paginated(NotificationOutputSerializer),
    )
    def get(self, request):
        unread_only = request.query_params.get("unread") == "true"
        queryset = notifications_for(user=request.user, unread_only=unread_only)
        return keyset_response(
            request, queryset, NOTIFICATION_ORDERING, NotificationOutputSerializer
        )


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOutputSerializer)
    def post(self, request, pk: int):
        notification = notification_get_for_user(user=request.user, pk=pk)
        notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return Response(NotificationOutputSerializer(notification).data)


class NotificationsReadApi(APIView):
    """Mark the listed notifications read, or all of them when `ids` is left out."""

    @extend_schema(
        request=NotificationsReadInputSerializer,
        responses={200: {"type": "object", "properties": {"unread": {"type": "integer"}}}},
    )
    def post(self, request):
        data = NotificationsReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"unread": unread_count(user=request.user)})
