"""The product card's form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.commerce.services import IMAGE_FORMATS, PRODUCT_FIELDS


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=255)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False, initial="pcs")
    category = forms.CharField(label=_("Category"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    cost_price = forms.DecimalField(
        label=_("Cost price"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        localize=True,
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    image = forms.FileField(
        label=_("Picture"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, up to 5 MB."),
        widget=forms.FileInput(attrs={"accept": ",".join(IMAGE_FORMATS.values())}),
    )
    remove_image = forms.BooleanField(label=_("Remove the picture"), required=False)

    def __init__(self, *args, base_currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cost_price"].help_text = _(
            "What a unit costs the company, in %(currency)s: the margin of its prices."
        ) % {"currency": base_currency}

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PRODUCT_FIELDS}
