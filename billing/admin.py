"""The operator edits plans, assigns a plan to a company (the way to do it with billing off),
and sees the Stripe events received and whether they were handled."""

from django.contrib import admin

from billing.models import ConnectedAccount, Invoice, Plan, StripeEvent, Subscription


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "is_trial",
        "is_public",
        "price_month",
        "price_year",
        "currency",
        "max_seats",
        "max_contacts",
        "position",
    ]
    list_editable = ["position"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["tenant", "plan", "status", "seats", "trial_ends_at", "current_period_end"]
    list_filter = ["status", "plan"]
    search_fields = ["tenant__name", "tenant__schema_name", "stripe_customer_id"]
    list_select_related = ["tenant", "plan"]
    readonly_fields = ["stripe_customer_id", "stripe_subscription_id", "stripe_state_at"]


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "account", "created", "processed_at", "attempts"]
    list_filter = ["type"]
    search_fields = ["event_id", "account"]
    readonly_fields = [field.name for field in StripeEvent._meta.fields]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "tenant", "status", "amount_due", "amount_paid", "currency"]
    list_filter = ["status"]


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(admin.ModelAdmin):
    list_display = ["tenant", "account_id", "charges_enabled", "details_submitted"]
