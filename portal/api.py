"""The portal's JSON API (/api/v1/portal/), for a mobile app or a headless shop. It acts as the
signed-in customer (session or Bearer token) and reaches only that customer's records; the
same services as the portal's pages do the work."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView
from stripe import StripeError

from config.api import StrictSerializer
from config.pagination import KeysetPagination
from config.parsers import JSONParser
from crm_core.commerce.images import product_image_response
from crm_core.commerce.models import Order, OrderLine, PaymentMethod, Product
from crm_core.support.models import SupportTopic, Ticket, TicketMessage
from portal.models import ADDRESS_FIELDS, Address, CustomerAccount
from portal.selectors import order_of, order_steps, orders_of, ready_account, ticket_of
from portal.services.shop import (
    card_payment_start,
    cart_add,
    cart_get,
    cart_set,
    catalogue,
    checkout,
    product_for_customer,
)
from portal.services.support import messages_of, request_open, request_reply, tickets_of

logger = logging.getLogger(__name__)


class IsPortalCustomer(BasePermission):
    """A signed-in customer whose account is verified and linked to its contact. Staff get 403
    here, as customers do on every staff route."""

    message = "This endpoint is for the company's portal customers."

    def has_permission(self, request, view) -> bool:
        account = ready_account(user=request.user) if request.user else None
        if account is None:
            return False
        request.account = account
        return True


class NewestFirst(KeysetPagination):
    page_size = 20
    ordering = ("-created_at", "-id")


class PortalApi(APIView):
    permission_classes = [IsPortalCustomer]


class PortalListApi(ListAPIView):
    permission_classes = [IsPortalCustomer]
    pagination_class = NewestFirst


# --- me ----------------------------------------------------------------------------------------
class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", *ADDRESS_FIELDS]


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.full_name")
    first_name = serializers.CharField(source="contact.first_name")
    last_name = serializers.CharField(source="contact.last_name")
    phones = serializers.ListField(source="contact.phones", child=serializers.CharField())
    company = serializers.CharField(source="contact.company.name", default=None)
    consent_email = serializers.BooleanField(source="contact.consent_email")
    consent_sms = serializers.BooleanField(source="contact.consent_sms")
    consent_calls = serializers.BooleanField(source="contact.consent_calls")
    two_factor = serializers.SerializerMethodField()
    addresses = AddressSerializer(source="contact.addresses", many=True)

    def get_two_factor(self, account: CustomerAccount) -> bool:
        return account.user.totp_enabled_at is not None


class MeApi(PortalApi):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.account).data)


# --- orders ------------------------------------------------------------------------------------
class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "number", "status", "created_at", "placed_at", "total", "currency"]


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    product = serializers.CharField(source="product.name")

    class Meta:
        model = OrderLine
        fields = ["sku", "product", "quantity", "unit_price", "total"]


class StepSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)
    done = serializers.BooleanField()


class OrderDetailSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True)
    steps = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            *OrderSerializer.Meta.fields,
            "payment_method",
            "shipping_address",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "lines",
            "steps",
        ]

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, order: Order) -> list[dict]:
        return StepSerializer(order_steps(order), many=True).data


class OrderListApi(PortalListApi):
    serializer_class = OrderSerializer

    def get_queryset(self):
        return orders_of(account=self.request.account)


class OrderDetailApi(PortalApi):
    @extend_schema(responses=OrderDetailSerializer)
    def get(self, request, pk: int):
        order = order_of(account=request.account, pk=pk)
        return Response(OrderDetailSerializer(order).data)


class PaymentStartSerializer(serializers.Serializer):
    checkout_url = serializers.CharField(help_text="Stripe Checkout page to open.")


class OrderPayApi(PortalApi):
    """Pay a placed, unpaid order by card (again, after an abandoned or failed payment): the
    answer names the Stripe Checkout page. 400 with the reason when it cannot be paid by card
    (not placed, card payments off); 503 when Stripe cannot be reached (the order is kept)."""

    @extend_schema(request=None, responses={201: PaymentStartSerializer})
    def post(self, request, pk: int):
        order = order_of(account=request.account, pk=pk)
        try:
            payment = card_payment_start(order=order, site=request.build_absolute_uri("/"))
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=400)
        except StripeError:
            logger.exception("Stripe checkout for order %s failed", order.pk)
            return Response(
                {"detail": _("The card payment could not be started; try again in a minute.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(
            PaymentStartSerializer({"checkout_url": payment.checkout_url}).data,
            status=status.HTTP_201_CREATED,
        )


# --- catalogue and cart ------------------------------------------------------------------------
class ProductSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(max_digits=14, decimal_places=2)
    image = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "unit", "category", "description", "price", "image"]

    def get_image(self, product: Product) -> str | None:
        """The picture's address (with the same token), or null."""
        if not product.image:
            return None
        return f"{reverse('api-portal-product-image', args=[product.pk])}?v={product.image_key}"


class CatalogPagination(KeysetPagination):
    page_size = 50
    ordering = ("name", "id")


class CatalogApi(PortalListApi):
    """Products on sale with the customer's own prices; `?q=` searches, `?category=` narrows."""

    serializer_class = ProductSerializer
    pagination_class = CatalogPagination

    def get_queryset(self):
        _list, products = catalogue(
            account=self.request.account,
            text=self.request.query_params.get("q", "")[:100],
            category=self.request.query_params.get("category", "")[:120],
        )
        return products

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        price_list, _products = catalogue(account=request.account)
        response.data["currency"] = price_list.currency if price_list else None
        return response


class ProductImageApi(PortalApi):
    """The picture of a product in the customer's catalogue."""

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        product = product_for_customer(account=request.account, pk=pk)
        if product is None:
            raise Http404
        return product_image_response(product)


class CartLineSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product.pk")
    name = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField(source="line.quantity")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(source="rows", many=True)
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class CartApi(PortalApi):
    """GET the cart; POST {product, quantity} adds; PUT {product, quantity} sets (0 removes)."""

    class InputSerializer(StrictSerializer):
        product = serializers.IntegerField()
        quantity = serializers.IntegerField(default=1, min_value=0, max_value=999)

    @extend_schema(responses=CartSerializer)
    def get(self, request):
        return Response(CartSerializer(cart_get(account=request.account)).data)

    @extend_schema(request=InputSerializer, responses={201: CartSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart_add(
            account=request.account,
            product_id=data.validated_data["product"],
            quantity=data.validated_data["quantity"] or 1,
        )
        return Response(
            CartSerializer(cart_get(account=request.account)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=InputSerializer, responses=CartSerializer)
    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart_set(
            account=request.account,
            product_id=data.validated_data["product"],
            quantity=data.validated_data["quantity"],
        )
        return Response(CartSerializer(cart_get(account=request.account)).data)


class CheckoutResultSerializer(OrderDetailSerializer):
    checkout_url = serializers.CharField(
        help_text="Stripe Checkout page to pay a card order (empty on invoice, or when Stripe "
        "could not be reached: the order is kept, unpaid)."
    )

    class Meta(OrderDetailSerializer.Meta):
        fields = [*OrderDetailSerializer.Meta.fields, "checkout_url"]


class CheckoutApi(PortalApi):
    """Place the cart as an order. Prices come from the server; the body names the delivery
    address and how to pay: on invoice (unpaid until staff confirm), or by card where the
    company takes card payments (open `checkout_url`; back on the portal's order page)."""

    class InputSerializer(StrictSerializer):
        address = serializers.IntegerField()
        notes = serializers.CharField(required=False, default="", max_length=2000, allow_blank=True)
        payment_method = serializers.ChoiceField(
            choices=PaymentMethod.choices, required=False, default=PaymentMethod.INVOICE
        )

    @extend_schema(request=InputSerializer, responses={201: CheckoutResultSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = Address.objects.filter(
            contact_id=request.account.contact_id, pk=data.validated_data["address"]
        ).first()
        order = checkout(
            account=request.account,
            address=address,
            notes=data.validated_data["notes"],
            payment_method=data.validated_data["payment_method"],
        )
        order.checkout_url = ""
        if order.payment_method == PaymentMethod.CARD:
            try:
                order.checkout_url = card_payment_start(
                    order=order, site=request.build_absolute_uri("/")
                ).checkout_url
            except (StripeError, ValidationError):
                logger.exception("Stripe checkout for order %s failed", order.pk)
        return Response(CheckoutResultSerializer(order).data, status=status.HTTP_201_CREATED)


# --- support requests --------------------------------------------------------------------------
class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = TicketMessage
        fields = ["id", "from_client", "author", "body", "created_at", "files"]

    def get_author(self, message: TicketMessage) -> str:
        if message.from_client or message.author is None:
            return "you" if message.from_client else ""
        return message.author.get_short_name()

    def get_files(self, message: TicketMessage) -> list[dict]:
        if message.interaction is None:
            return []
        return [
            {"name": file.filename, "url": reverse("portal_attachment", args=[file.uuid])}
            for file in message.interaction.attachments.all()
        ]


class TicketSerializer(serializers.ModelSerializer):
    topic = serializers.CharField(source="topic.name", default=None)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "topic",
            "status",
            "sla_due_at",
            "first_response_at",
            "created_at",
        ]


class TicketDetailSerializer(TicketSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messages"]

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, ticket: Ticket) -> list[dict]:
        return MessageSerializer(messages_of(ticket=ticket), many=True).data


class TicketListCreateApi(PortalListApi):
    """GET the customer's requests; POST {topic, subject, body} (multipart for `files`)."""

    serializer_class = TicketSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        topic = serializers.IntegerField()
        subject = serializers.CharField(required=False, default="", max_length=255)
        body = serializers.CharField()

    def get_queryset(self):
        return tickets_of(account=self.request.account).select_related("topic")

    @extend_schema(request=InputSerializer, responses={201: TicketDetailSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        topic = SupportTopic.objects.filter(pk=data.validated_data["topic"]).first()
        ticket = request_open(
            account=request.account,
            topic=topic,
            subject=data.validated_data["subject"],
            body=data.validated_data["body"],
            files=request.FILES.getlist("files"),
        )
        return Response(TicketDetailSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketDetailApi(PortalApi):
    @extend_schema(responses=TicketDetailSerializer)
    def get(self, request, pk: int):
        return Response(TicketDetailSerializer(ticket_of(account=request.account, pk=pk)).data)


class TicketReplyApi(PortalApi):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class InputSerializer(StrictSerializer):
        body = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: TicketDetailSerializer})
    def post(self, request, pk: int):
        ticket = ticket_of(account=request.account, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        request_reply(
            account=request.account,
            ticket=ticket,
            body=data.validated_data["body"],
            files=request.FILES.getlist("files"),
        )
        ticket.refresh_from_db()
        return Response(TicketDetailSerializer(ticket).data, status=status.HTTP_201_CREATED)
