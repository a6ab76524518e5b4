from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from onboarding.services import company_signup
from tenants.identity.throttle import login_attempt_allowed


class SignupApi(APIView):
    """Create a company workspace with its owner. Answers with the workspace's URL."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        company_name = serializers.CharField(max_length=200)
        subdomain = serializers.CharField(max_length=63)
        owner_name = serializers.CharField(max_length=200)
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, write_only=True)
        plan = serializers.CharField(
            required=False, default="", help_text="A plan code from the pricing page."
        )
        interval = serializers.ChoiceField(
            choices=["month", "year"], required=False, default="month"
        )
        seats = serializers.IntegerField(min_value=1, max_value=10_000, required=False, default=1)

    class OutputSerializer(serializers.Serializer):
        tenant_url = serializers.URLField()
        login_url = serializers.URLField(help_text="One-time sign-in link, valid for 2 minutes.")
        domain = serializers.CharField()
        schema_name = serializers.CharField()
        plan = serializers.CharField()
        checkout_url = serializers.CharField(
            help_text="Stripe Checkout for a paid plan; empty for the trial."
        )

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, auth=[])
    def post(self, request):
        if not login_attempt_allowed(request):
            raise Throttled(detail="Too many attempts from your network.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = company_signup(**data.validated_data)
        response = Response(self.OutputSerializer(result).data, status=status.HTTP_201_CREATED)
        response["Location"] = result.tenant_url
        return response
