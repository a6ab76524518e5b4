from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import filter_by_ids
from config.pagination import KEYSET_PARAMETERS, Ordering, keyset_response, paginated
from crm_core.api.fields import RecordRef
from crm_core.models import Contact, Task
from crm_core.selectors.parties import contacts_visible, owners_assignable
from crm_core.selectors.tasks import task_get_for_user, tasks_visible
from crm_core.services.tasks import TASK_FIELDS, task_complete, task_create, task_update

TASK_ORDERING = Ordering(fields=("due_at", "created_at"), default="due_at")


class TaskOutputSerializer(serializers.ModelSerializer):
    assignee = RecordRef()
    contact = RecordRef(allow_null=True)

    class Meta:
        model = Task
        fields = ["id", *TASK_FIELDS, "assignee", "done_at", "created_at"]


class TaskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    due_at = serializers.DateTimeField()
    remind_at = serializers.DateTimeField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Task.Priority.choices, required=False)
    assignee = serializers.PrimaryKeyRelatedField(queryset=owners_assignable(), required=False)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["contact"].queryset = contacts_visible(user=user)


class TaskListCreateApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("done", bool),
            OpenApiParameter("contact", int),
            OpenApiParameter("assignee", int),
            *KEYSET_PARAMETERS,
        ],
        responses=paginated(TaskOutputSerializer),
    )
    def get(self, request):
        queryset = tasks_visible(user=request.user)
        done = request.query_params.get("done")
        if done in ("true", "false"):
            queryset = queryset.filter(done_at__isnull=done == "false")
        queryset = filter_by_ids(queryset, request.query_params, ("contact", "assignee"))
        return keyset_response(request, queryset, TASK_ORDERING, TaskOutputSerializer)

    @extend_schema(request=TaskInputSerializer, responses={201: TaskOutputSerializer})
    def post(self, request):
        data = TaskInputSerializer(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        assignee = fields.pop("assignee", None)
        task = task_create(actor=request.user, data=fields, assignee=assignee)
        return Response(TaskOutputSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetailApi(APIView):
    @extend_schema(responses=TaskOutputSerializer)
    def get(self, request, pk: int):
        return Response(TaskOutputSerializer(task_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=TaskInputSerializer, responses=TaskOutputSerializer)
    def patch(self, request, pk: int):
        task = task_get_for_user(user=request.user, pk=pk)
        data = TaskInputSerializer(data=request.data, partial=True, user=request.user)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("assignee", None)
        return Response(TaskOutputSerializer(task_update(task=task, data=fields)).data)


class TaskCompleteApi(APIView):
    @extend_schema(request=None, responses=TaskOutputSerializer)
    def post(self, request, pk: int):
        task = task_complete(task=task_get_for_user(user=request.user, pk=pk))
        return Response(TaskOutputSerializer(task).data)
