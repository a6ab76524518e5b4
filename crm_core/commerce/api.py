from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer, filter_by_ids
from config.pagination import KEYSET_PARAMETERS, Ordering, keyset_response, paginated
from crm_core.commerce.models import Order, OrderLine, PriceList, Product
from crm_core.commerce.selectors import order_get_for_user, orders_visible
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    order_defer,
    order_status_change,
    product_save,
)
from crm_core.common.fields import RecordRef
from crm_core.parties.selectors import contact_named_in_input

ORDER_ORDERING = Ordering(fields=("created_at",), default="-created_at")


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "unit", "category", "description", "is_active"]


class PriceListSerializer(serializers.ModelSerializer):
    prices = serializers.SerializerMethodField()

    class Meta:
        model = PriceList
        fields = ["id", "name", "currency", "segment", "is_default", "prices"]

    def get_prices(self, price_list) -> list[dict]:
        return [
            {"product": price.product_id, "amount": str(price.amount)}
            for price in price_list.prices.all()
        ]


class OrderLineSerializer(serializers.ModelSerializer):
    product = ProductSerializer()

    class Meta:
        model = OrderLine
        fields = ["product", "quantity", "unit_price", "total"]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    contact = RecordRef()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "contact",
            "status",
            "source",
            "currency",
            "total",
            "deferred_until",
            "notes",
            "lines",
            "created_at",
            "placed_at",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
            "returned_at",
        ]


class ProductListCreateApi(APIView):
    @extend_schema(responses=ProductSerializer(many=True))
    def get(self, request):
        return Response(ProductSerializer(Product.objects.all(), many=True).data)

    @extend_schema(request=ProductSerializer, responses={201: ProductSerializer})
    def post(self, request):
        if not request.user.has_perm("crm_core.add_product"):
            raise PermissionDenied("Your role cannot change the catalogue.")
        data = ProductSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_save(product=None, data=data.validated_data)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class PriceListListApi(APIView):
    @extend_schema(responses=PriceListSerializer(many=True))
    def get(self, request):
        lists = PriceList.objects.prefetch_related("prices")
        return Response(PriceListSerializer(lists, many=True).data)


class OrderListCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        class LineSerializer(serializers.Serializer):
            product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
            quantity = serializers.DecimalField(max_digits=12, decimal_places=3)

        contact = serializers.IntegerField()
        lines = LineSerializer(many=True)
        notes = serializers.CharField(required=False, allow_blank=True)
        deferred_until = serializers.DateField(required=False, allow_null=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("contact", int),
            OpenApiParameter("status", str),
            *KEYSET_PARAMETERS,
        ],
        responses=paginated(OrderSerializer),
    )
    def get(self, request):
        queryset = filter_by_ids(
            orders_visible(user=request.user), request.query_params, ("contact",)
        )
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in Order.Status.values:
                raise ValidationError({"status": [f"One of: {', '.join(Order.Status.values)}."]})
            queryset = queryset.filter(status=wanted)
        return keyset_response(
            request, queryset.prefetch_related("lines__product"), ORDER_ORDERING, OrderSerializer
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: OrderSerializer},
        description="Prices come from the client's price list, never from input.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = contact_named_in_input(user=request.user, pk=data.validated_data["contact"])
        order = order_create(
            actor=request.user,
            contact=contact,
            lines=[
                LineRequest(line["product"], line["quantity"])
                for line in data.validated_data["lines"]
            ],
            notes=data.validated_data.get("notes", ""),
            deferred_until=data.validated_data.get("deferred_until"),
        )
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderSerializer)
    def get(self, request, pk: int):
        return Response(OrderSerializer(order_get_for_user(user=request.user, pk=pk)).data)


class OrderStatusApi(APIView):
    class InputSerializer(StrictSerializer):
        status = serializers.ChoiceField(choices=Order.Status.choices)

    @extend_schema(request=InputSerializer, responses=OrderSerializer)
    def post(self, request, pk: int):
        order = order_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_status_change(
            actor=request.user, order=order, status=data.validated_data["status"]
        )
        return Response(OrderSerializer(order).data)


class OrderDeferApi(APIView):
    class InputSerializer(StrictSerializer):
        deferred_until = serializers.DateField(allow_null=True)

    @extend_schema(
        request=InputSerializer,
        responses=OrderSerializer,
        description="Put a draft or placed order off until a day (its owner gets a reminder "
        "task on the day, moved with the day), or lift that with `null`.",
    )
    def post(self, request, pk: int):
        order = order_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_defer(
            actor=request.user, order=order, until=data.validated_data["deferred_until"]
        )
        return Response(OrderSerializer(order).data)
