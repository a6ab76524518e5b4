from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from crm_core.common.fields import RecordRef
from crm_core.parties.selectors import contact_named_in_input
from crm_core.support.models import Ticket, TicketMessage
from crm_core.support.selectors import ticket_get_for_user, tickets_visible
from crm_core.support.services import ticket_open, ticket_reply, ticket_update


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.full_name", default=None)

    class Meta:
        model = TicketMessage
        fields = ["id", "author", "from_client", "internal", "body", "created_at"]


class TicketSerializer(serializers.ModelSerializer):
    contact = RecordRef()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "contact",
            "subject",
            "kind",
            "status",
            "priority",
            "assignee",
            "source",
            "sla_due_at",
            "first_response_at",
            "resolved_at",
            "created_at",
        ]


class TicketListCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        contact = serializers.IntegerField()
        subject = serializers.CharField(max_length=255)
        body = serializers.CharField()
        priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
        kind = serializers.ChoiceField(choices=Ticket.Kind.choices, required=False)

    @extend_schema(responses=TicketSerializer(many=True))
    def get(self, request):
        return Response(TicketSerializer(tickets_visible(user=request.user)[:200], many=True).data)

    @extend_schema(request=InputSerializer, responses={201: TicketSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        contact = contact_named_in_input(user=request.user, pk=fields.pop("contact"))
        ticket = ticket_open(actor=request.user, contact=contact, **fields)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketDetailApi(APIView):
    class InputSerializer(StrictSerializer):
        status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
        priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)

    @extend_schema(responses=TicketSerializer)
    def get(self, request, pk: int):
        ticket = ticket_get_for_user(user=request.user, pk=pk)
        body = TicketSerializer(ticket).data
        body["messages"] = MessageSerializer(
            ticket.messages.select_related("author"), many=True
        ).data
        return Response(body)

    @extend_schema(request=InputSerializer, responses=TicketSerializer)
    def patch(self, request, pk: int):
        ticket = ticket_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(TicketSerializer(ticket_update(ticket=ticket, **data.validated_data)).data)


class TicketReplyApi(APIView):
    class InputSerializer(StrictSerializer):
        body = serializers.CharField()
        internal = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses={201: MessageSerializer})
    def post(self, request, pk: int):
        ticket = ticket_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = ticket_reply(actor=request.user, ticket=ticket, **data.validated_data)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
