"""The activities API: interactions, tasks and the timeline."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import MAX_ID, StrictSerializer, filter_by_ids
from config.pagination import KEYSET_PARAMETERS, Ordering, keyset_response, paginated
from config.parsers import JSONParser
from crm_core.activities.models import (
    Attachment,
    CallTaskRule,
    Channel,
    Direction,
    Interaction,
    InteractionOutcome,
    InteractionTopic,
    Note,
    Task,
)
from crm_core.activities.notes import NOTE_RECORDS
from crm_core.activities.selectors import (
    interactions_visible,
    note_get_for_user,
    notes_of,
    record_timeline,
    task_get_for_user,
    tasks_visible,
)
from crm_core.activities.services import (
    INTERACTION_FIELDS,
    TASK_FIELDS,
    attachments_add,
    call_rule_get,
    call_rule_save,
    contact_stage_change,
    follow_up_task_for_interaction,
    interaction_log,
    note_add,
    note_delete,
    task_complete,
    task_create,
    task_update,
)
from crm_core.common.fields import RecordRef
from crm_core.deals.models import Deal
from crm_core.parties.models import Company, Contact, LifecycleStage
from crm_core.parties.selectors import (
    colleagues_named_in_input,
    contact_get_for_user,
    contact_named_in_input,
    contacts_named_in_input,
    contacts_visible,
    owners_assignable,
)

INTERACTION_ORDERING = Ordering(fields=("occurred_at",), default="-occurred_at")


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, attachment) -> str:
        return reverse("attachment_download", args=[attachment.pk])


class InteractionOutputSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)
    contact = RecordRef()
    topic = serializers.CharField(source="topic.name", default=None)
    outcome = serializers.CharField(source="outcome.name", default=None)
    created_by = serializers.CharField(source="created_by.full_name", default=None)
    subject = serializers.CharField(source="subject_shown", read_only=True)

    participants = serializers.ListField(
        child=RecordRef(), source="participants.all", read_only=True
    )
    staff = serializers.ListField(child=RecordRef(), source="staff.all", read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "contact",
            *INTERACTION_FIELDS,
            "participants",
            "staff",
            "created_by",
            "created_at",
            "attachments",
        ]


class InteractionListCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        contact = serializers.IntegerField()
        participants = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            required=False,
            max_length=50,
            help_text="Other contacts who took part (ids of contacts the caller may see).",
        )
        staff = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            required=False,
            max_length=50,
            help_text="Colleagues who took part (ids of active staff).",
        )
        follow_up_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            help_text="A follow-up task for the contact's manager, due then.",
        )
        channel = serializers.ChoiceField(choices=Channel.choices)
        direction = serializers.ChoiceField(
            choices=Direction.choices, required=False, allow_blank=True
        )
        occurred_at = serializers.DateTimeField(required=False)
        duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0)
        subject = serializers.CharField(required=False, allow_blank=True, max_length=255)
        notes = serializers.CharField(required=False, allow_blank=True)
        topic = serializers.PrimaryKeyRelatedField(
            queryset=InteractionTopic.objects.filter(is_active=True),
            required=False,
            allow_null=True,
        )
        outcome = serializers.PrimaryKeyRelatedField(
            queryset=InteractionOutcome.objects.filter(is_active=True),
            required=False,
            allow_null=True,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("contact", int),
            OpenApiParameter("channel", str),
            *KEYSET_PARAMETERS,
        ],
        responses=paginated(InteractionOutputSerializer),
    )
    def get(self, request):
        queryset = interactions_visible(user=request.user)
        queryset = filter_by_ids(queryset, request.query_params, ("contact",))
        channel = request.query_params.get("channel")
        if channel:
            if channel not in Channel.values:
                raise ValidationError({"channel": [f"One of: {', '.join(Channel.values)}."]})
            queryset = queryset.filter(channel=channel)
        return keyset_response(request, queryset, INTERACTION_ORDERING, InteractionOutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: InteractionOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        contact = contact_named_in_input(user=request.user, pk=fields.pop("contact"))
        participants = contacts_named_in_input(
            user=request.user, pks=fields.pop("participants", []), field="participants"
        )
        staff = colleagues_named_in_input(pks=fields.pop("staff", []), field="staff")
        follow_up_at = fields.pop("follow_up_at", None)
        with transaction.atomic():
            logged = interaction_log(
                actor=request.user,
                contact=contact,
                data=fields,
                participants=participants,
                staff=staff,
            )
            task = (
                follow_up_task_for_interaction(
                    actor=request.user,
                    contact=contact,
                    due_at=follow_up_at,
                    subject=fields.get("subject") or logged.interaction.get_channel_display(),
                )
                if follow_up_at
                else None
            )
        body = InteractionOutputSerializer(logged.interaction).data
        body["follow_up_task"] = task.pk if task else None
        body["stage_moved_to"] = logged.moved.to_stage.name if logged.moved else None
        body["stage_suggested"] = (
            {"id": logged.suggested_stage.pk, "name": logged.suggested_stage.name}
            if logged.suggested_stage
            else None
        )
        return Response(body, status=status.HTTP_201_CREATED)


class InteractionDetailApi(APIView):
    @extend_schema(responses=InteractionOutputSerializer)
    def get(self, request, pk: int):
        interaction = interactions_visible(user=request.user).filter(pk=pk).first()
        if interaction is None:
            raise Http404
        return Response(InteractionOutputSerializer(interaction).data)


class InteractionAttachmentsApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(StrictSerializer):
        files = serializers.ListField(child=serializers.FileField(), min_length=1)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: AttachmentSerializer(many=True)},
        description="Attach files (field `files`, repeated): up to 10 per interaction, 20 MB each.",
    )
    def post(self, request, pk: int):
        interaction = interactions_visible(user=request.user).filter(pk=pk).first()
        if interaction is None:
            raise Http404
        data = self.InputSerializer(data={"files": request.FILES.getlist("files")})
        data.is_valid(raise_exception=True)
        stored = attachments_add(
            actor=request.user, interaction=interaction, files=data.validated_data["files"]
        )
        return Response(
            AttachmentSerializer(stored, many=True).data, status=status.HTTP_201_CREATED
        )


def _deal_entry(deal) -> dict:
    amount = str(deal.amount) if deal.amount is not None else None
    return {
        "id": deal.pk,
        "title": deal.title,
        "stage": deal.stage.name,
        "amount": amount,
        "currency": deal.currency,
    }


def _task_entry(task) -> dict:
    return {
        "id": task.pk,
        "title": task.title,
        "due_at": task.due_at,
        "done_at": task.done_at,
        "assignee": task.assignee.full_name if task.assignee else None,
    }


def _change_entry(change) -> dict:
    return {
        "id": change.pk,
        "by": change.actor.full_name if change.actor else None,
        "fields": [
            {"field": item.label, "old": item.old, "new": item.new} for item in change.fields
        ],
    }


def _stage_entry(change) -> dict:
    return {
        "id": change.pk,
        "from": change.from_stage.name if change.from_stage else None,
        "to": change.to_stage.name if change.to_stage else None,
        "by": change.changed_by.full_name if change.changed_by else None,
        "reason": change.reason_shown,
    }


# How each kind of timeline entry reads in the API (besides its kind and time).
TIMELINE_ENTRY = {
    "interaction": lambda interaction: InteractionOutputSerializer(interaction).data,
    "deal": _deal_entry,
    "task": _task_entry,
    "change": _change_entry,
    "stage": _stage_entry,
}


class ContactTimelineApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "channel", str, description="A channel, or one of stage, deal, task, change"
            ),
            OpenApiParameter("before", str, description="ISO time from next_before"),
        ],
        responses={200: dict},
    )
    def get(self, request, pk: int):
        contact = contact_get_for_user(user=request.user, pk=pk)
        before = request.query_params.get("before")
        before_at = parse_datetime(before) if before else None
        if before and before_at is None:
            raise ValidationError({"before": ["Use the ISO time given as next_before."]})
        timeline = record_timeline(
            record=contact,
            user=request.user,
            channel=request.query_params.get("channel"),
            before=before_at,
        )
        entries = [
            {"kind": entry.kind, "at": entry.at, **TIMELINE_ENTRY[entry.kind](entry.item)}
            for entry in timeline.entries
        ]
        return Response({"results": entries, "next_before": timeline.next_before})


class ContactStageApi(APIView):
    class InputSerializer(StrictSerializer):
        stage = serializers.PrimaryKeyRelatedField(queryset=LifecycleStage.objects.all())
        reason = serializers.CharField(required=False, allow_blank=True, max_length=255)

    @extend_schema(request=InputSerializer, responses={200: dict})
    def post(self, request, pk: int):
        contact = contact_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = contact_stage_change(
            actor=request.user,
            contact=contact,
            stage=data.validated_data["stage"],
            reason=data.validated_data.get("reason", ""),
        )
        return Response({"changed": change is not None, "stage": data.validated_data["stage"].name})


class NamedOutputSerializer(serializers.Serializer):
    """A row of a tenant-defined list (topics, outcomes)."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class _NamedListApi(APIView):
    model: type[InteractionTopic] | type[InteractionOutcome]

    def get(self, request):
        rows = self.model.objects.filter(is_active=True)
        return Response([self.row(item) for item in rows])

    def row(self, item) -> dict:
        return {"id": item.pk, "name": item.name}


class InteractionTopicListApi(_NamedListApi):
    model = InteractionTopic

    @extend_schema(responses={200: NamedOutputSerializer(many=True)})
    def get(self, request):
        return super().get(request)


class InteractionOutcomeListApi(_NamedListApi):
    model = InteractionOutcome

    class OutputSerializer(NamedOutputSerializer):
        rule = serializers.ChoiceField(choices=InteractionOutcome.Rule.choices)
        moves_to_stage = serializers.IntegerField(allow_null=True)

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request):
        return super().get(request)

    def row(self, item) -> dict:
        return {
            "id": item.pk,
            "name": item.name,
            "rule": item.rule,
            "moves_to_stage": item.moves_to_stage_id,
        }


TASK_ORDERING = Ordering(fields=("due_at", "created_at"), default="due_at")


class TaskOutputSerializer(serializers.ModelSerializer):
    assignee = RecordRef()
    contact = RecordRef(allow_null=True)

    class Meta:
        model = Task
        fields = ["id", *TASK_FIELDS, "assignee", "done_at", "created_at"]


class TaskInputSerializer(StrictSerializer):
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


class CallTaskRuleSerializer(serializers.ModelSerializer):
    topics = serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField(read_only=True), read_only=True
    )
    outcomes = serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField(read_only=True), read_only=True
    )

    class Meta:
        model = CallTaskRule
        fields = [
            "when",
            "topics",
            "outcomes",
            "due_in_hours",
            "priority",
            "missed_call_minutes",
            "updated_at",
        ]


class CallTaskRuleApi(APIView):
    """The rule by which an inbound call makes a task for the contact's owner."""

    class InputSerializer(StrictSerializer):
        when = serializers.ChoiceField(choices=CallTaskRule.When.choices, required=False)
        topics = serializers.PrimaryKeyRelatedField(
            many=True, queryset=InteractionTopic.objects.all(), required=False
        )
        outcomes = serializers.PrimaryKeyRelatedField(
            many=True, queryset=InteractionOutcome.objects.all(), required=False
        )
        due_in_hours = serializers.IntegerField(min_value=1, required=False)
        priority = serializers.ChoiceField(choices=Task.Priority.choices, required=False)
        missed_call_minutes = serializers.IntegerField(min_value=0, required=False)

    @extend_schema(responses=CallTaskRuleSerializer)
    def get(self, request):
        return Response(CallTaskRuleSerializer(call_rule_get()).data)

    @extend_schema(
        request=InputSerializer,
        responses=CallTaskRuleSerializer,
        description="Owners and administrators; fields left out keep their value.",
    )
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = call_rule_save(actor=request.user, data=dict(data.validated_data))
        return Response(CallTaskRuleSerializer(rule).data)


class NoteSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)
    author = RecordRef(allow_null=True)

    class Meta:
        model = Note
        fields = ["id", "body", "contact", "company", "deal", "author", "created_at", "attachments"]


def _note_record(user, params) -> Contact | Company | Deal:
    """The one record (`contact`, `company` or `deal`: an id) a request names, if the user sees
    it; a 400 naming the field otherwise."""
    named = [name for name in NOTE_RECORDS if params.get(name) not in (None, "")]
    if len(named) != 1:
        raise ValidationError(
            {"non_field_errors": ["Name one record: contact, company or deal (an id)."]}
        )
    name = named[0]
    value = str(params.get(name))
    if not value.isdigit() or int(value) > MAX_ID:
        raise ValidationError({name: ["Use an id (a number)."]})
    try:
        return NOTE_RECORDS[name](user=user, pk=int(value))
    except Http404:
        raise ValidationError({name: [f"No such {name}."]}) from None


class NoteListCreateApi(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    class InputSerializer(StrictSerializer):
        contact = serializers.IntegerField(required=False)
        company = serializers.IntegerField(required=False)
        deal = serializers.IntegerField(required=False)
        body = serializers.CharField(required=False, allow_blank=True)
        files = serializers.ListField(child=serializers.FileField(), required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("contact", int),
            OpenApiParameter("company", int),
            OpenApiParameter("deal", int),
        ],
        responses=NoteSerializer(many=True),
        description="The notes of one record (name exactly one), newest first.",
    )
    def get(self, request):
        record = _note_record(request.user, request.query_params)
        return Response(NoteSerializer(notes_of(record)[:200], many=True).data)

    @extend_schema(
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: NoteSerializer},
        description="A note on one record (contact, company or deal), with files (field "
        "`files`, repeated, multipart): up to 10, 20 MB each.",
    )
    def post(self, request):
        raw = request.data.dict() if hasattr(request.data, "dict") else request.data
        if request.FILES and isinstance(raw, dict):
            raw["files"] = request.FILES.getlist("files")
            unknown_files = sorted(set(request.FILES) - {"files"})
            for name in unknown_files:
                raw[name] = request.FILES[name]
        data = self.InputSerializer(data=raw)
        data.is_valid(raise_exception=True)
        record = _note_record(request.user, data.validated_data)
        note = note_add(
            actor=request.user,
            record=record,
            body=data.validated_data.get("body", ""),
            files=data.validated_data.get("files", []),
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class NoteDetailApi(APIView):
    @extend_schema(responses=NoteSerializer)
    def get(self, request, pk: int):
        return Response(NoteSerializer(note_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        note_delete(actor=request.user, note=note_get_for_user(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
