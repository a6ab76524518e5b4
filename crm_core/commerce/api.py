from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import MAX_ID, StrictSerializer, filter_by_ids
from config.pagination import KEYSET_PARAMETERS, Ordering, keyset_response, paginated
from crm_core.commerce.models import Order, OrderLine, PriceList, Product
from crm_core.commerce.selectors import order_get_for_user, orders_visible
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    order_defer,
    order_status_change,
    product_image_set,
    product_prices_set,
    product_save,
)
from crm_core.common.fields import RecordRef
from crm_core.parties.selectors import contact_named_in_input

ORDER_ORDERING = Ordering(fields=("created_at",), default="-created_at")


class ProductPriceSerializer(serializers.Serializer):
    price_list = serializers.IntegerField(source="price_list_id")
    currency = serializers.CharField(source="price_list.currency")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ProductSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    prices = ProductPriceSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "unit",
            "category",
            "description",
            "is_active",
            "cost_price",
            "image",
            "prices",
        ]

    def get_image(self, product: Product) -> str | None:
        """The picture's address (staff session or token), or null."""
        if not product.image:
            return None
        return f"{reverse('product_image', args=[product.pk])}?v={product.image_key}"


def _products():
    return Product.objects.prefetch_related("prices__price_list")


class ProductInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=255)
    unit = serializers.CharField(max_length=20, required=False)
    category = serializers.CharField(max_length=120, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    cost_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )


def _catalogue_check(request) -> None:
    if not request.user.has_perm("crm_core.change_product"):
        raise PermissionDenied("Your role cannot change the catalogue.")


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


class OrderProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "unit", "category", "description", "is_active"]


class OrderLineSerializer(serializers.ModelSerializer):
    product = OrderProductSerializer()

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
        return Response(ProductSerializer(_products(), many=True).data)

    @extend_schema(request=ProductInputSerializer, responses={201: ProductSerializer})
    def post(self, request):
        _catalogue_check(request)
        data = ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_save(product=None, data=data.validated_data)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    @extend_schema(responses=ProductSerializer)
    def get(self, request, pk: int):
        return Response(ProductSerializer(get_object_or_404(_products(), pk=pk)).data)

    @extend_schema(request=ProductInputSerializer(partial=True), responses=ProductSerializer)
    def patch(self, request, pk: int):
        _catalogue_check(request)
        product = get_object_or_404(Product, pk=pk)
        data = ProductInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product_save(product=product, data=data.validated_data)
        return Response(ProductSerializer(_products().get(pk=pk)).data)


class ProductPricesApi(APIView):
    class PriceInput(StrictSerializer):
        price_list = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        amount = serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=Decimal(0), allow_null=True
        )

    class InputSerializer(StrictSerializer):
        prices = serializers.ListField(child=serializers.DictField(), allow_empty=False)

        def validate_prices(self, rows):
            items = []
            for row in rows:
                item = ProductPricesApi.PriceInput(data=row)
                item.is_valid(raise_exception=True)
                items.append(item.validated_data)
            return items

    @extend_schema(
        request=InputSerializer,
        responses=ProductSerializer,
        description="Set the product's price in the price lists named (`amount: null` takes it "
        "out of a list); lists not named keep their price.",
    )
    def put(self, request, pk: int):
        _catalogue_check(request)
        product = get_object_or_404(Product, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product_prices_set(
            product=product,
            prices={row["price_list"]: row["amount"] for row in data.validated_data["prices"]},
        )
        return Response(ProductSerializer(_products().get(pk=pk)).data)


class ProductImageApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(StrictSerializer):
        image = serializers.FileField()

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses=ProductSerializer,
        description="Put the product's picture (field `image`): JPEG, PNG, WebP or GIF, 5 MB.",
    )
    def put(self, request, pk: int):
        _catalogue_check(request)
        product = get_object_or_404(Product, pk=pk)
        data = self.InputSerializer(data={**request.data.dict(), **request.FILES.dict()})
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            product_image_set(product=product, upload=data.validated_data["image"])
        return Response(ProductSerializer(_products().get(pk=pk)).data)

    @extend_schema(request=None, responses=ProductSerializer)
    def delete(self, request, pk: int):
        _catalogue_check(request)
        product = get_object_or_404(Product, pk=pk)
        with transaction.atomic():
            product_image_set(product=product, upload=None)
        return Response(ProductSerializer(_products().get(pk=pk)).data)


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
