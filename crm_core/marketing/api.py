"""The marketing API: audiences, campaigns, and a campaign's members (added from its audience,
moved step by step)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from crm_core.marketing.mailings import (
    mailing_cancel,
    mailing_engagement,
    mailing_figures,
    mailing_get_for_user,
    mailing_pause,
    mailing_resume,
    mailing_save,
    mailing_start,
    mailing_winner,
)
from crm_core.marketing.models import Audience, Campaign, CampaignMember, Consent, Mailing
from crm_core.marketing.results import Attribution, campaign_results
from crm_core.marketing.services import (
    audience_counts,
    audience_delete,
    audience_save,
    campaign_figures,
    campaign_get_for_user,
    campaign_members_request,
    campaign_save,
    campaigns_visible,
    member_step,
    members_visible,
)
from crm_core.parties.models import TIME_ZONES


class AudienceSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120)
    query = serializers.CharField(
        allow_blank=True,
        required=False,
        help_text="the contact list's filters as a query string, e.g. segment=3&p.turnover.min=5",
    )
    consent = serializers.ChoiceField(choices=Consent.choices, allow_blank=True, required=False)
    contacts = serializers.SerializerMethodField(help_text="how many it holds now, for you")
    left_out = serializers.SerializerMethodField(help_text="of them, without consent")

    def _counts(self, audience: Audience) -> tuple[int, int]:
        """Counted once per audience for both fields (each count is a query over contacts)."""
        read = self.__dict__.setdefault("_counts_read", {})
        if audience.pk not in read:
            read[audience.pk] = audience_counts(
                audience=audience, user=self.context["request"].user
            )
        return read[audience.pk]

    def get_contacts(self, audience: Audience) -> int:
        return self._counts(audience)[0]

    def get_left_out(self, audience: Audience) -> int:
        return self._counts(audience)[1]


class AudienceListApi(APIView):
    @extend_schema(responses=AudienceSerializer(many=True))
    def get(self, request):
        audiences = Audience.objects.all()[:100]
        return Response(AudienceSerializer(audiences, many=True, context={"request": request}).data)

    @extend_schema(request=AudienceSerializer, responses={201: AudienceSerializer})
    def post(self, request):
        """An audience; a filter the contact list does not have is refused, named."""
        data = AudienceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = audience_save(actor=request.user, audience=None, data=dict(data.validated_data))
        return Response(AudienceSerializer(saved, context={"request": request}).data, status=201)


class AudienceApi(APIView):
    @extend_schema(responses=AudienceSerializer)
    def get(self, request, pk: int):
        audience = get_object_or_404(Audience, pk=pk)
        return Response(AudienceSerializer(audience, context={"request": request}).data)

    @extend_schema(request=AudienceSerializer, responses=AudienceSerializer)
    def put(self, request, pk: int):
        audience = get_object_or_404(Audience, pk=pk)
        data = AudienceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = audience_save(actor=request.user, audience=audience, data=dict(data.validated_data))
        return Response(AudienceSerializer(saved, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        audience_delete(actor=request.user, audience=get_object_or_404(Audience, pk=pk))
        return Response(status=204)


class StepSerializer(serializers.Serializer):
    step = serializers.CharField()
    name = serializers.CharField()
    reached = serializers.IntegerField()


class CampaignSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=160)
    kind = serializers.ChoiceField(choices=Campaign.Kind.choices)
    status = serializers.ChoiceField(choices=Campaign.Status.choices, required=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True, required=False)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    actual_cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    currency = serializers.CharField(max_length=3, required=False)
    audience = serializers.PrimaryKeyRelatedField(
        queryset=Audience.objects.all(), allow_null=True, required=False
    )
    utm_campaign = serializers.CharField(max_length=80, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True)


class CampaignOutput(CampaignSerializer):
    members = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    lost = serializers.SerializerMethodField(
        help_text="members its mailings lost: unsubscribed, bounced, complained"
    )
    cost_per_member = serializers.SerializerMethodField()

    def _figures(self, campaign: Campaign) -> dict:
        cache = self.__dict__.setdefault("_figures_read", {})
        if campaign.pk not in cache:
            user = self.context["request"].user
            cache[campaign.pk] = campaign_figures(campaign=campaign, user=user)
        return cache[campaign.pk]

    def get_members(self, campaign: Campaign) -> int:
        return self._figures(campaign)["members"]

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, campaign: Campaign) -> list[dict]:
        return [
            {"step": step, "name": str(label), "reached": reached}
            for step, label, reached in self._figures(campaign)["steps"]
        ]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_lost(self, campaign: Campaign) -> dict[str, int]:
        return {reason: count for reason, _label, count in self._figures(campaign)["lost"]}

    def get_cost_per_member(self, campaign: Campaign) -> str | None:
        value = self._figures(campaign)["cost_per_member"]
        return None if value is None else str(value)


class CampaignListApi(APIView):
    @extend_schema(responses=CampaignOutput(many=True))
    def get(self, request):
        """The campaigns you see, newest first, with their figures (over the members you see)."""
        campaigns = campaigns_visible(user=request.user)[:100]
        return Response(CampaignOutput(campaigns, many=True, context={"request": request}).data)

    @extend_schema(request=CampaignSerializer, responses={201: CampaignOutput})
    def post(self, request):
        data = CampaignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = campaign_save(actor=request.user, campaign=None, data=dict(data.validated_data))
        return Response(CampaignOutput(saved, context={"request": request}).data, status=201)


class CampaignApi(APIView):
    @extend_schema(responses=CampaignOutput)
    def get(self, request, pk: int):
        campaign = campaign_get_for_user(user=request.user, pk=pk)
        return Response(CampaignOutput(campaign, context={"request": request}).data)

    @extend_schema(request=CampaignSerializer(partial=True), responses=CampaignOutput)
    def patch(self, request, pk: int):
        campaign = campaign_get_for_user(user=request.user, pk=pk)
        data = CampaignSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        saved = campaign_save(actor=request.user, campaign=campaign, data=dict(data.validated_data))
        return Response(CampaignOutput(saved, context={"request": request}).data)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contact = serializers.IntegerField(source="contact_id")
    status = serializers.CharField()
    added_at = serializers.DateTimeField()
    changed_at = serializers.DateTimeField(allow_null=True)


class MembersAdded(serializers.Serializer):
    added = serializers.IntegerField()
    left_out = serializers.IntegerField(help_text="without consent to the audience's channel")


class StepInput(StrictSerializer):
    status = serializers.ChoiceField(choices=CampaignMember.Status.choices)


class CampaignMembersApi(APIView):
    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request, pk: int):
        """The campaign's members you see (the first 500)."""
        campaign = campaign_get_for_user(user=request.user, pk=pk)
        members = members_visible(campaign=campaign, user=request.user)[:500]
        return Response(MemberSerializer(members, many=True).data)

    @extend_schema(request=None, responses={201: MembersAdded, 202: MembersAdded})
    def post(self, request, pk: int):
        """Add the audience's contacts as they are now (once each; those without consent to
        its channel are left out and counted): 201 when added, 202 when a large audience is
        being added by a worker (`added`: how many will be; you are notified when done)."""
        campaign = campaign_get_for_user(user=request.user, pk=pk)
        done, added, left_out = campaign_members_request(actor=request.user, campaign=campaign)
        return Response({"added": added, "left_out": left_out}, status=201 if done else 202)


class CampaignMemberApi(APIView):
    @extend_schema(request=StepInput, responses=MemberSerializer)
    def put(self, request, pk: int, member_pk: int):
        """Record how far the campaign got with the member (on their timeline)."""
        campaign = campaign_get_for_user(user=request.user, pk=pk)
        member = get_object_or_404(
            members_visible(campaign=campaign, user=request.user).select_related(
                "contact", "campaign"
            ),
            pk=member_pk,
        )
        data = StepInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_step(
            actor=request.user, member=member, status=data.validated_data["status"]
        )
        return Response(MemberSerializer(member).data)


class ResultsOutput(serializers.Serializer):
    model = serializers.CharField()
    touches = serializers.IntegerField()
    deals = serializers.DecimalField(max_digits=14, decimal_places=2)
    won_deals = serializers.DecimalField(max_digits=14, decimal_places=2)
    won_revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()
    cost_per_lead = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    roi = serializers.DecimalField(
        max_digits=12, decimal_places=1, allow_null=True, help_text="percent"
    )
    missing = serializers.ListField(child=serializers.CharField())


class CampaignResultsApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("model", enum=Attribution.values, description="default: linear")
        ],
        responses=ResultsOutput,
    )
    def get(self, request, pk: int):
        """What the campaign brought (deals, won revenue in the base currency, cost per lead,
        ROI) under the attribution model, over what you see."""
        campaign = campaign_get_for_user(user=request.user, pk=pk)
        model = request.GET.get("model", Attribution.LINEAR)
        if model not in Attribution.values:
            raise ValidationError({"model": [_("Choose one of the models.")]})
        results = campaign_results(campaign=campaign, user=request.user, model=model)
        return Response(ResultsOutput(results).data)


class MailingSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True)
    channel = serializers.ChoiceField(
        choices=Mailing.Channel.choices,
        required=False,
        help_text="email (the default) or sms; set when created",
    )
    subject = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="an email's; required there"
    )
    body = serializers.CharField(
        trim_whitespace=False, help_text="an email's HTML or an SMS's text, with merge fields"
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    from_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    subject_b = serializers.CharField(max_length=255, required=False, allow_blank=True)
    body_b = serializers.CharField(trim_whitespace=False, required=False, allow_blank=True)
    test_share = serializers.IntegerField(
        required=False, min_value=0, max_value=90, help_text="% of recipients in the A/B test"
    )
    winner_by = serializers.ChoiceField(choices=Mailing.WinnerBy.choices, required=False)
    test_hours = serializers.IntegerField(required=False, min_value=1, max_value=168)
    winner = serializers.CharField(read_only=True)
    test_ends_at = serializers.DateTimeField(read_only=True, allow_null=True)
    send_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="when to send (blank: when started)"
    )
    window_from = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=23,
        help_text="first hour of each recipient's day it may arrive in",
    )
    window_to = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=24, help_text="the hour it stops"
    )
    time_zone = serializers.ChoiceField(
        choices=TIME_ZONES, required=False, help_text="of recipients without their own"
    )
    status = serializers.CharField(read_only=True)
    pause_reason = serializers.CharField(
        read_only=True, help_text="why it paused itself: bounces, complaints or blank"
    )
    left_out = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    recipients = serializers.SerializerMethodField()
    engagement = serializers.SerializerMethodField(
        help_text="recipients who opened (counted by an image: inflated by privacy features) "
        "and who clicked"
    )

    def get_recipients(self, mailing: Mailing) -> dict[str, int]:
        return mailing_figures(mailing) if mailing.pk else {}

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_engagement(self, mailing: Mailing) -> dict[str, int]:
        found = mailing_engagement(mailing)
        return {"opened": found["opened"], "clicked": found["clicked"]}


class CampaignMailingsApi(APIView):
    @extend_schema(responses=MailingSerializer(many=True))
    def get(self, request, pk: int):
        campaign = campaign_get_for_user(user=request.user, pk=pk)
        return Response(MailingSerializer(campaign.mailings.all()[:100], many=True).data)

    @extend_schema(request=MailingSerializer, responses={201: MailingSerializer})
    def post(self, request, pk: int):
        """A draft; a merge field that is not one is refused with its line."""
        campaign = campaign_get_for_user(user=request.user, pk=pk)
        data = MailingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = mailing_save(
            actor=request.user, campaign=campaign, mailing=None, data=dict(data.validated_data)
        )
        return Response(MailingSerializer(saved).data, status=201)


class MailingApi(APIView):
    @extend_schema(responses=MailingSerializer)
    def get(self, request, pk: int):
        return Response(MailingSerializer(mailing_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=MailingSerializer(partial=True), responses=MailingSerializer)
    def patch(self, request, pk: int):
        mailing = mailing_get_for_user(user=request.user, pk=pk)
        data = MailingSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        saved = mailing_save(
            actor=request.user,
            campaign=mailing.campaign,
            mailing=mailing,
            data=dict(data.validated_data),
        )
        return Response(MailingSerializer(saved).data)


MAILING_ACTIONS = {
    "start": mailing_start,
    "pause": mailing_pause,
    "resume": mailing_resume,
    "cancel": mailing_cancel,
    "winner": mailing_winner,
}


class MailingActionApi(APIView):
    @extend_schema(request=None, responses=MailingSerializer)
    def post(self, request, pk: int, action: str):
        """start (freeze the recipients and send), pause, resume, cancel, or winner (end an
        A/B test now: the better variant goes to the rest)."""
        mailing = mailing_get_for_user(user=request.user, pk=pk)
        MAILING_ACTIONS[action](actor=request.user, mailing=mailing)
        return Response(MailingSerializer(mailing_get_for_user(user=request.user, pk=pk)).data)
