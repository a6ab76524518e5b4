"""An inbound call makes a task for the contact's owner by the rule the administrators set
(never, always, or for the topics and outcomes chosen), in CRM settings and through the API
alike (issue 23)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm_core.activities.models import CallTaskRule, InteractionOutcome, InteractionTopic, Task
from crm_core.activities.services import call_rule_get
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def put(client, body):
    return client.put("/api/v1/call-task-rule/", body, content_type="application/json")


def log_call(client, contact, **fields):
    response = client.post(
        "/api/v1/interactions/",
        {"contact": contact.pk, "channel": "call", "direction": "inbound", **fields},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def setup(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rosa Rep")
    with tenant_a.active():
        client_of_rep = contact_create(
            actor=rep, data={"first_name": "Ivan", "last_name": "Ivanov"}
        )
        pricing = InteractionTopic.objects.create(name="Pricing")
        other = InteractionTopic.objects.create(name="Warranty")
        callback = InteractionOutcome.objects.create(name="Asked to call back")
    return {
        "owner": owner,
        "rep": rep,
        "contact": client_of_rep,
        "pricing": pricing,
        "other": other,
        "callback": callback,
    }


def tasks_of(tenant, user):
    with tenant.active():
        return list(Task.objects.filter(assignee=user).order_by("id"))


def test_no_rule_no_task(tenant_a, setup):
    log_call(tenant_a.client(setup["owner"]), setup["contact"])
    assert tasks_of(tenant_a, setup["rep"]) == []


def test_always_makes_one_task_for_the_owner_of_the_contact(tenant_a, setup):
    admin = tenant_a.client(setup["owner"])
    rule = put(admin, {"when": "always", "due_in_hours": 2, "priority": 2})
    assert rule.status_code == 200, rule.content
    assert rule.json()["when"] == "always"
    before = timezone.now()
    call = log_call(admin, setup["contact"], subject="Wants a discount")
    [task] = tasks_of(tenant_a, setup["rep"])
    assert task.title == "Inbound call from Ivan Ivanov: follow up"
    assert task.description == "Wants a discount"
    assert (task.contact_id, task.priority, task.source_key) == (
        setup["contact"].pk,
        2,
        f"call-{call}",
    )
    assert before + timedelta(hours=2) <= task.due_at <= timezone.now() + timedelta(hours=2)
    # an outbound call or an inbound email makes none
    for fields in ({"direction": "outbound"}, {"channel": "email"}):
        admin.post(
            "/api/v1/interactions/",
            {"contact": setup["contact"].pk, "channel": "call", "direction": "inbound", **fields},
            content_type="application/json",
        )
    assert len(tasks_of(tenant_a, setup["rep"])) == 1
    # the card's form logs an inbound call too
    rep = tenant_a.client(setup["rep"])
    rep.post(
        f"/contacts/{setup['contact'].pk}/interactions/",
        {"channel": "call", "direction": "inbound", "subject": "Again"},
    )
    assert len(tasks_of(tenant_a, setup["rep"])) == 2
    assert "Inbound call from Ivan Ivanov: follow up" in rep.get("/tasks/").content.decode()


def test_matching_takes_the_topics_and_outcomes_chosen(tenant_a, setup):
    admin = tenant_a.client(setup["owner"])
    rule = put(
        admin,
        {"when": "matching", "topics": [setup["pricing"].pk], "outcomes": [setup["callback"].pk]},
    )
    assert rule.json()["topics"] == [setup["pricing"].pk]
    log_call(admin, setup["contact"], topic=setup["other"].pk)
    log_call(admin, setup["contact"])
    assert tasks_of(tenant_a, setup["rep"]) == []
    log_call(admin, setup["contact"], topic=setup["pricing"].pk)
    log_call(admin, setup["contact"], topic=setup["other"].pk, outcome=setup["callback"].pk)
    tasks = tasks_of(tenant_a, setup["rep"])
    assert len(tasks) == 2
    assert tasks[0].description == "Pricing"
    assert tasks[1].description == "Warranty\nOutcome: Asked to call back"


def test_the_task_reads_in_its_assignee_language(tenant_a, setup):
    with tenant_a.active():
        setup["rep"].language = "ru"
        setup["rep"].save(update_fields=["language"])
    put(tenant_a.client(setup["owner"]), {"when": "always"})
    log_call(tenant_a.client(setup["owner"]), setup["contact"])
    [task] = tasks_of(tenant_a, setup["rep"])
    assert task.title == "Входящий звонок от Ivan Ivanov: перезвонить"


def test_a_bad_rule_is_refused_and_the_old_one_kept(tenant_a, setup):
    admin = tenant_a.client(setup["owner"])
    put(admin, {"when": "always", "due_in_hours": 8})
    refused = put(admin, {"when": "matching", "topics": [], "outcomes": []})
    assert refused.status_code == 400
    assert refused.json() == {"when": ["Choose at least one topic or outcome for this rule."]}
    assert put(admin, {"due_in_hours": 0}).status_code == 400
    assert put(admin, {"due_in_hours": 1000}).json() == {"due_in_hours": ["From 1 to 336 hours."]}
    assert put(admin, {"when": "sometimes"}).status_code == 400
    assert put(admin, {"assignee": 1}).json() == {"assignee": ["Unknown field."]}
    assert put(admin, {"topics": [999999]}).status_code == 400
    forbidden = put(tenant_a.client(setup["rep"]), {"when": "never"})
    assert forbidden.status_code == 403
    with tenant_a.active():
        rule = call_rule_get()
        assert (rule.when, rule.due_in_hours) == ("always", 8)
    assert tenant_a.client(setup["rep"]).get("/api/v1/call-task-rule/").json()["when"] == "always"


def test_the_settings_page_sets_the_rule(tenant_a, setup):
    admin = tenant_a.client(setup["owner"])
    page = admin.get("/settings/crm/").content.decode()
    assert 'data-testid="call-rule-form"' in page
    refused = admin.post(
        "/settings/crm/call-rule/",
        {"call-when": "matching", "call-due_in_hours": "4", "call-priority": "1"},
    )
    assert refused.status_code == 200
    assert "Choose at least one topic or outcome for this rule." in refused.content.decode()
    saved = admin.post(
        "/settings/crm/call-rule/",
        {
            "call-when": "matching",
            "call-topics": [setup["pricing"].pk],
            "call-due_in_hours": "24",
            "call-priority": "0",
        },
    )
    assert saved.status_code == 302
    with tenant_a.active():
        rule = CallTaskRule.objects.get()
        assert (rule.when, rule.due_in_hours, rule.priority) == ("matching", 24, 0)
        assert list(rule.topics.all()) == [setup["pricing"]]
    rep = tenant_a.client(setup["rep"])
    assert rep.post("/settings/crm/call-rule/", {"call-when": "never"}).status_code == 403
    assert admin.post("/settings/crm/nothing/", {}).status_code == 404


def test_the_settings_lists_label_every_input(tenant_a):
    page = tenant_a.client(tenant_a.owner()).get("/settings/crm/").content.decode()
    assert 'class="visually-hidden" for="id_outcomes' not in page
    assert (
        '<label class="form-label small text-body-secondary mb-0" for="id_outcomes-new-rule">'
        in (page)
    )
