"""The columns each list may show (a saved view chooses among them); the first column, the
record's name, always shows."""

from django.utils.translation import gettext_lazy as _

COLUMNS = {
    "contact": {
        "company": _("Company"),
        "email": _("Email"),
        "phone": _("Phone"),
        "stage": _("Stage"),
        "owner": _("Owner"),
        "created": _("Created"),
    },
    "company": {
        "tax_id": _("Tax id"),
        "industry": _("Industry"),
        "email": _("Email"),
        "phone": _("Phone"),
        "stage": _("Stage"),
        "owner": _("Owner"),
        "created": _("Created"),
    },
    "deal": {
        "client": _("Client"),
        "stage": _("Stage"),
        "amount": _("Amount"),
        "close": _("Expected close"),
        "owner": _("Owner"),
        "created": _("Created"),
    },
}
# what a list shows without a view: every column but its creation time
DEFAULT_COLUMNS = {
    kind: [name for name in names if name != "created"] for kind, names in COLUMNS.items()
}
