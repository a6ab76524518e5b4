from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from tenants.identity.permissions import IsTeamManager
from tenants.identity.roles import INVITABLE_ROLES, Role
from tenants.identity.selectors.users import api_tokens_of, staff_list
from tenants.identity.services.tokens import api_token_create, api_token_revoke
from tenants.identity.services.totp import (
    SIGN_IN_LOCK,
    TOO_MANY_CODES,
    CodeCheck,
    second_factor_required,
    totp_sign_in_check,
)
from tenants.identity.services.users import invitation_create
from tenants.identity.throttle import login_attempt_allowed


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    is_active = serializers.BooleanField()


class TokenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class TokenObtainApi(APIView):
    """Exchange email and password for a Bearer token (for integrations)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(StrictSerializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False)
        name = serializers.CharField(required=False, default="API", max_length=100)
        otp = serializers.CharField(
            required=False,
            default="",
            max_length=8,
            help_text="The authenticator code, for a customer with two-factor sign-in on.",
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        token_id = serializers.IntegerField()

    def get_authenticate_header(self, request) -> str:
        # Wrong credentials answer 401 with a challenge, as on every other route.
        return "Bearer"

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, auth=[])
    def post(self, request):
        if not login_attempt_allowed(request):
            raise Throttled(detail="Too many sign-in attempts from your network.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None:
            raise AuthenticationFailed("Wrong email or password.")
        if second_factor_required(user):
            code = data.validated_data["otp"]
            if not code:
                raise AuthenticationFailed("This account signs in with a code: send it as otp.")
            check = totp_sign_in_check(user=user, code=code)
            if check is CodeCheck.LOCKED:
                raise Throttled(wait=SIGN_IN_LOCK.total_seconds(), detail=_(TOO_MANY_CODES))
            if check is CodeCheck.WRONG:
                raise AuthenticationFailed("Wrong or used code.")
        token, raw = api_token_create(user=user, name=data.validated_data["name"])
        return Response(
            self.OutputSerializer({"token": raw, "token_id": token.pk}).data,
            status=status.HTTP_201_CREATED,
        )


class TokenListApi(APIView):
    @extend_schema(responses=TokenOutputSerializer(many=True))
    def get(self, request):
        return Response(TokenOutputSerializer(api_tokens_of(user=request.user), many=True).data)


class TokenRevokeApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, token_id: int):
        if not api_token_revoke(user=request.user, token_id=token_id):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses=UserOutputSerializer)
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)


class UserListApi(APIView):
    @extend_schema(responses=UserOutputSerializer(many=True))
    def get(self, request):
        return Response(UserOutputSerializer(staff_list(), many=True).data)


class InvitationCreateApi(APIView):
    permission_classes = [IsTeamManager]

    class InputSerializer(StrictSerializer):
        email = serializers.EmailField()
        full_name = serializers.CharField(required=False, default="", allow_blank=True)
        role = serializers.ChoiceField(
            choices=[(role.value, role.label) for role in INVITABLE_ROLES]
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "InvitationCreated",
                {
                    "id": serializers.IntegerField(),
                    "email": serializers.EmailField(),
                    "role": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                },
            )
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _link = invitation_create(
            actor=request.user,
            email=data.validated_data["email"],
            full_name=data.validated_data["full_name"],
            role=Role(data.validated_data["role"]),
        )
        return Response(
            {
                "id": invitation.pk,
                "email": invitation.email,
                "role": invitation.role,
                "expires_at": invitation.expires_at,
            },
            status=status.HTTP_201_CREATED,
        )
