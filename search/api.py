"""`GET /api/v1/search/`: the search contract over HTTP."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import MAX_ID
from crm_core.activities.models import Channel
from search.backends.base import SearchFilters
from search.models import Kind
from search.presentation import hit_url
from search.selectors import query

CHANNELS = [*Channel.values, "order", "ticket"]


class SearchParams(serializers.Serializer):
    q = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=200)
    type = serializers.ChoiceField(choices=Kind.values, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=CHANNELS, required=False, allow_blank=True)
    owner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    segment = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    stage = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    archived = serializers.BooleanField(required=False, default=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=250, default=1)


class HitSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField(source="object_id")
    title = serializers.CharField()
    subtitle = serializers.CharField()
    title_html = serializers.CharField()
    snippet = serializers.CharField()
    contact_id = serializers.IntegerField(allow_null=True)
    company_id = serializers.IntegerField(allow_null=True)
    channel = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    score = serializers.FloatField()
    url = serializers.SerializerMethodField()

    def get_url(self, hit) -> str:
        return hit_url(hit)


class SearchApi(APIView):
    @extend_schema(
        parameters=[SearchParams],
        responses={200: dict},
        description=(
            "Clients found by anything recorded about them, in any channel: names (typos, the "
            "wrong keyboard layout and Latin spelling of Russian names forgiven), emails, "
            "phones in any format, tax ids, order and ticket numbers, words from notes. Hits "
            "are limited to what the caller may open; `facets` count the matches per type, "
            "channel, owner, segment and lifecycle stage. `html` fields are escaped, with "
            "`<mark>` around matched words."
        ),
    )
    def get(self, request):
        params = SearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        results = query(
            data["q"],
            filters=SearchFilters(
                kind=data.get("type", ""),
                channel=data.get("channel", ""),
                owner_id=data.get("owner"),
                segment_id=data.get("segment"),
                stage_id=data.get("stage"),
                include_archived=data["archived"],
            ),
            user=request.user,
            page=data["page"],
        )
        return Response(
            {
                "results": HitSerializer(results.hits, many=True).data,
                "total": results.total,
                "total_is_capped": results.total_is_capped,
                "facets": {
                    name.removesuffix("_id"): [
                        {"value": value, "count": count} for value, count in values
                    ]
                    for name, values in results.facets.items()
                },
                "page": results.page,
                "has_next": results.has_next,
                "backend": results.backend,
                "notice": results.notice,
            }
        )
