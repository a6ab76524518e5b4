"""The way to a proposal: segment, a complete card (the segment's card rule), the needs card
(the segment's questionnaire, versioned), each step enforced by the services and shown on the
client's card with why it is locked; an owner's override is recorded with its reason."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm_core.commerce.services import price_list_save, prices_set, product_save
from crm_core.parties.models import Company
from crm_core.parties.services import company_create, company_update
from crm_core.proposals.models import (
    CardRule,
    GateOverride,
    NeedsCard,
    OfferItem,
    PlacementRule,
    PotentialRule,
    Questionnaire,
)
from crm_core.proposals.selectors import gates, offer_for
from crm_core.proposals.services import (
    card_rule_save,
    classes_parse,
    gate_override,
    needs_card_save,
    offer_matrix_save,
    placement_rule_save,
    potential_rule_save,
    proposal_allowed,
    questionnaire_save,
)
from crm_core.segments.services import segment_save
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

DISTRIBUTORS = {
    "name": "Distributors",
    "applies_to": "company",
    "parameters": [
        {"label": "Turnover", "type": "money", "currency": "RUB"},
        {"label": "Warehouse m2", "type": "number"},
    ],
}
QUESTIONS = [
    {
        "label": "Main need",
        "type": "choice",
        "choices": ["Stock", "Delivery", "Credit"],
        "required": True,
    },
    {"label": "Monthly volume", "type": "number", "required": True},
    {"label": "Wishes", "type": "text"},
]


def states(client) -> dict[str, str]:
    return {
        step.key: "done" if step.done else "locked" if step.locked else "todo"
        for step in gates(client).steps
    }


def set_up(owner):
    segment = segment_save(segment=None, data=DISTRIBUTORS)
    card_rule_save(actor=owner, segment=segment, fields=["tax_id"], parameters=["turnover"])
    questionnaire_save(actor=owner, segment=segment, questions=QUESTIONS)
    return segment


def complete_company(owner, segment, name: str):
    """A company of the segment whose card the set-up rule finds complete."""
    return company_create(
        actor=owner,
        data={
            "name": name,
            "segment": segment,
            "tax_id": "7707083893",
            "segment_values": {"turnover": "500000"},
        },
    )


def test_each_step_opens_the_next_and_the_proposal_is_refused_until_all_are_done(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        company = company_create(actor=owner, data={"name": "Wombat Trade"})
        assert states(company) == {
            "segment": "todo",
            "card": "locked",
            "needs": "locked",
            "proposal": "locked",
        }
        with pytest.raises(ValidationError) as refused:
            proposal_allowed(company)
        assert refused.value.message_dict["client"][0].startswith("“Segment chosen” first")
        segment = set_up(owner)
        company = company_update(
            actor=owner, company=company, data={"segment": segment}, expected_version=None
        )
        found = gates(company)
        assert [step.missing for step in found.steps if step.key == "card"] == [
            ["Tax id", "Turnover"]
        ]
        assert states(company)["card"] == "todo"
        assert states(company)["needs"] == "locked"
        # the needs card cannot be answered through the service before the card is complete
        with pytest.raises(ValidationError) as locked:
            needs_card_save(actor=owner, client=company, data={"answers": {}})
        assert locked.value.message_dict["answers"] == ["Locked until the steps above are done."]
        company = company_update(
            actor=owner,
            company=company,
            data={"tax_id": "7707083893", "segment_values": {"turnover": "1200000"}},
            expected_version=None,
        )
        assert states(company) == {
            "segment": "done",
            "card": "done",
            "needs": "todo",
            "proposal": "locked",
        }
        with pytest.raises(ValidationError) as bad:
            needs_card_save(
                actor=owner,
                client=company,
                data={"answers": {"main_need": "Gold", "monthly_volume": "lots", "colour": "red"}},
            )
        assert bad.value.message_dict["answers"] == [
            "“colour” is not a question of the needs card.",
            "Main need: choose from: Stock, Delivery, Credit.",
            "Monthly volume: enter a number.",
        ]
        assert not NeedsCard.objects.exists()  # nothing stored on error
        with pytest.raises(ValidationError) as unknown:
            needs_card_save(actor=owner, client=company, data={"answers": {}, "score": 5})
        assert unknown.value.message_dict == {"score": ["Unknown field."]}
        needs_card_save(
            actor=owner,
            client=company,
            data={"answers": {"main_need": "Delivery", "monthly_volume": "40"}},
        )
        assert states(company)["proposal"] == "todo"
        assert proposal_allowed(company).open
        # a new version of the questions asks for the card to be reviewed
        questionnaire_save(
            actor=owner,
            segment=segment,
            questions=[*QUESTIONS, {"label": "Delivery days", "type": "number"}],
        )
        assert list(Questionnaire.objects.values_list("version", flat=True)) == [2, 1]
        needs = next(step for step in gates(company).steps if step.key == "needs")
        assert not needs.done
        assert needs.why == ("The needs card was answered for version 1; review it for version 2.")
        # saving the same questions again makes no new version
        questionnaire_save(
            actor=owner,
            segment=segment,
            questions=[*QUESTIONS, {"label": "Delivery days", "type": "number"}],
        )
        assert Questionnaire.objects.count() == 2


def test_a_setup_naming_what_the_segment_lacks_is_refused_and_a_rep_sets_up_nothing(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = segment_save(segment=None, data=DISTRIBUTORS)
        with pytest.raises(ValidationError) as bad:
            card_rule_save(actor=owner, segment=segment, fields=["birthday"], parameters=["colour"])
        assert bad.value.message_dict == {
            "fields": ["Not a field of this segment's cards: birthday."],
            "parameters": ["Not a parameter of Distributors: colour."],
        }
        with pytest.raises(ValidationError) as questions:
            questionnaire_save(
                actor=owner, segment=segment, questions=[{"label": "Need", "type": "choice"}]
            )
        assert questions.value.message_dict == {"questions": ["“Need”: list the choices."]}
        assert not CardRule.objects.exists()
        assert not Questionnaire.objects.exists()
        with pytest.raises(PermissionDenied):
            card_rule_save(actor=rep, segment=segment, fields=["tax_id"], parameters=[])


def test_an_owner_passes_a_step_over_with_a_reason_and_a_rep_cannot(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = set_up(owner)
        company = company_create(actor=owner, data={"name": "Quokka Ltd", "segment": segment})
        with pytest.raises(PermissionDenied):
            gate_override(actor=rep, client=company, step="card", reason="Urgent")
        with pytest.raises(ValidationError) as no_reason:
            gate_override(actor=owner, client=company, step="card", reason="  ")
        assert no_reason.value.message_dict == {"reason": ["Say why the step is passed over."]}
        gate_override(actor=owner, client=company, step="card", reason="Tender by Friday")
        found = gates(company)
        card = next(step for step in found.steps if step.key == "card")
        assert card.done
        assert card.override.reason == "Tender by Friday"
        assert states(company)["needs"] == "todo"
        assert GateOverride.objects.get().created_by == owner


def test_the_card_shows_the_steps_and_the_needs_page_saves_the_answers(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = set_up(owner)
        company = complete_company(owner, segment, "Bilby Supply")
    client = tenant_a.client(owner)
    card = client.get(f"/companies/{company.pk}/").content.decode()
    assert 'data-testid="gate-card" data-state="done"' in card
    assert 'data-testid="gate-needs" data-state="todo"' in card
    assert 'data-testid="gate-proposal" data-state="locked"' in card
    assert f'href="/companies/{company.pk}/needs/"' in card
    page = client.get(f"/companies/{company.pk}/needs/")
    assert "Main need" in page.content.decode()
    refused = client.post(f"/companies/{company.pk}/needs/", {"n-monthly_volume": "x"})
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    saved = client.post(
        f"/companies/{company.pk}/needs/", {"n-main_need": "Stock", "n-monthly_volume": "12"}
    )
    assert saved.status_code == 302
    with tenant_a.active():
        assert NeedsCard.objects.get(company=company).answers == {
            "main_need": "Stock",
            "monthly_volume": 12,
        }
        company = Company.objects.get(pk=company.pk)
    card = client.get(f"/companies/{company.pk}/").content.decode()
    assert 'data-testid="gate-proposal" data-state="todo"' in card


def test_the_setup_page_saves_the_card_rule_and_a_version_of_the_questions(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = segment_save(segment=None, data=DISTRIBUTORS)
        racks = product_save(product=None, data={"sku": "RACK", "name": "Racks"})
    client = tenant_a.client(owner)
    path = f"/settings/segments/{segment.pk}/proposals/"
    assert client.get(path).status_code == 200
    form = {
        "fields_required": ["tax_id", "legal_address"],
        "parameters_required": ["warehouse_m2"],
        "q-TOTAL_FORMS": "3",
        "q-INITIAL_FORMS": "0",
        "q-0-label": "Main need",
        "q-0-type": "choice",
        "q-0-choices": "Stock, Delivery",
        "q-0-required": "on",
        "q-1-label": "",
        "q-1-type": "text",
        "q-2-label": "",
        "q-2-type": "text",
        "t-TOTAL_FORMS": "2",
        "t-INITIAL_FORMS": "0",
        "t-0-parameter": "warehouse_m2",
        "t-0-weight": "0.05",
        "t-0-cap": "40",
        "t-1-parameter": "",
        "classes": "A=30, B=10",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-0-need": "",
        "m-0-product": str(racks.pk),
        "m-0-importance": "required",
        "m-0-quantity": "4",
        "p-TOTAL_FORMS": "2",
        "p-INITIAL_FORMS": "0",
        "p-0-field": "tax_id",
        "p-0-op": "filled",
        "p-0-value": "",
        "p-1-field": "",
        "p-1-op": "equals",
    }
    assert client.post(path, form).status_code == 302
    with tenant_a.active():
        rule = CardRule.objects.get(segment=segment)
        assert (rule.fields, rule.parameters) == (["tax_id", "legal_address"], ["warehouse_m2"])
        assert PlacementRule.objects.get(segment=segment).conditions == [
            {"field": "tax_id", "op": "filled", "value": ""}
        ]
        cell = OfferItem.objects.get(segment=segment)
        assert (cell.question, cell.product, cell.importance, cell.quantity) == (
            "",
            racks,
            "required",
            Decimal("4"),
        )
        assert PotentialRule.objects.get(segment=segment).terms == [
            {"parameter": "warehouse_m2", "weight": "0.05", "cap": "40"}
        ]
        assert Questionnaire.objects.get().questions == [
            {
                "key": "main_need",
                "label": "Main need",
                "type": "choice",
                "required": True,
                "choices": ["Stock", "Delivery"],
            }
        ]
    bad = client.post(path, {**form, "q-0-choices": ""})
    assert "“Main need”: list the choices." in bad.content.decode()
    rep = tenant_a.make_user(Role.SALES_REP)
    assert tenant_a.client(rep).get(path).status_code == 403


def test_the_api_reads_the_steps_answers_the_needs_and_sets_the_segment_up(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = segment_save(segment=None, data=DISTRIBUTORS)
        company = company_create(actor=owner, data={"name": "Numbat Co", "segment": segment})
    client = tenant_a.client(owner)
    setup = f"/api/v1/segments/{segment.pk}/proposal-setup/"
    assert client.get(setup).json() == {
        "placement": [],
        "card_fields": [],
        "card_parameters": [],
        "questions": [],
        "potential_terms": [],
        "potential_classes": [],
        "offer_matrix": [],
        "version": None,
    }
    refused = client.put(
        setup,
        {"card_fields": ["tax_id"], "questions": [{"label": "Need", "type": "text", "hint": "x"}]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json() == {"questions": {"0": {"hint": ["Unknown field."]}}}
    saved = client.put(
        setup,
        {"card_fields": ["tax_id"], "card_parameters": ["turnover"], "questions": QUESTIONS},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 1
    assert [item["key"] for item in saved.json()["questions"]] == [
        "main_need",
        "monthly_volume",
        "wishes",
    ]
    steps = client.get(f"/api/v1/companies/{company.pk}/proposal-gates/").json()
    assert steps["open"] is False
    assert [(step["key"], step["done"], step["locked"]) for step in steps["steps"]] == [
        ("segment", True, False),
        ("card", False, False),
        ("needs", False, True),
        ("proposal", False, True),
    ]
    assert steps["steps"][1]["missing"] == ["Tax id", "Turnover"]
    needs = f"/api/v1/companies/{company.pk}/needs/"
    locked = client.put(needs, {"answers": {}}, content_type="application/json")
    assert locked.status_code == 400
    assert locked.json() == {"answers": ["Locked until the steps above are done."]}
    with tenant_a.active():
        company_update(
            actor=owner,
            company=company,
            data={"tax_id": "7707083893", "segment_values": {"turnover": "1"}},
            expected_version=None,
        )
    unknown = client.put(needs, {"answers": {}, "notes": "x"}, content_type="application/json")
    assert unknown.json() == {"notes": ["Unknown field."]}
    answered = client.put(
        needs,
        {"answers": {"main_need": "Credit", "monthly_volume": 7}},
        content_type="application/json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["open"] is True
    assert answered.json()["offer"] == []  # the segment's matrix is empty
    assert answered.json()["needs"]["answers"] == {"main_need": "Credit", "monthly_volume": 7}
    rep = tenant_a.make_user(Role.SALES_REP)
    assert (
        tenant_a.client(rep)
        .put(setup, {"card_fields": []}, content_type="application/json")
        .status_code
        == 403
    )


def test_the_potential_is_scored_term_by_term_up_to_each_cap_and_named_by_its_class(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = segment_save(
            segment=None,
            data={
                **DISTRIBUTORS,
                "parameters": [
                    *DISTRIBUTORS["parameters"],
                    {"label": "Own fleet", "type": "boolean"},
                    {"label": "Region", "type": "text"},
                ],
            },
        )
        with pytest.raises(ValidationError) as bad:
            potential_rule_save(
                actor=owner,
                segment=segment,
                terms=[
                    {"parameter": "region", "weight": "1"},
                    {"parameter": "turnover", "weight": "much"},
                ],
                classes=classes_parse("A=70, B"),
            )
        assert bad.value.message_dict == {
            "potential": [
                "Term 1: choose a number, money or yes/no parameter of Distributors.",
                "“Turnover”: points per unit and the cap are numbers (the cap 0 or more).",
                "Each class has a name and the score it starts at, as A=70.",
            ]
        }
        potential_rule_save(
            actor=owner,
            segment=segment,
            terms=[
                {"parameter": "turnover", "weight": "0.00002", "cap": "50"},
                {"parameter": "warehouse_m2", "weight": "0,01"},
                {"parameter": "own_fleet", "weight": "15"},
            ],
            classes=classes_parse("C=0, A=70, B=40"),
        )
        company = company_create(
            actor=owner,
            data={
                "name": "Kowari Distribution",
                "segment": segment,
                "segment_values": {
                    "turnover": "3000000",
                    "warehouse_m2": "1200",
                    "own_fleet": True,
                },
            },
        )
        found = gates(company).potential
        # 3,000,000 × 0.00002 = 60, capped at 50; 1,200 × 0.01 = 12; a fleet: 15
        assert [(line.label, line.points, line.capped) for line in found.lines] == [
            ("Turnover", Decimal("50.0"), True),
            ("Warehouse m2", Decimal("12.0"), False),
            ("Own fleet", Decimal("15.0"), False),
        ]
        assert (found.score, found.name) == (Decimal("77.0"), "A")
        assert [item["name"] for item in found.classes] == ["A", "B", "C"]
    client = tenant_a.client(owner)
    card = client.get(f"/companies/{company.pk}/").content.decode()
    assert "Potential A · 77 points" in card
    steps = client.get(f"/api/v1/companies/{company.pk}/proposal-gates/").json()
    assert steps["potential"]["name"] == "A"
    assert steps["potential"]["score"] == "77.0"
    setup = client.get(f"/api/v1/segments/{segment.pk}/proposal-setup/").json()
    assert setup["potential_classes"] == [
        {"name": "A", "from": "70"},
        {"name": "B", "from": "40"},
        {"name": "C", "from": "0"},
    ]


def test_the_offer_matrix_picks_products_by_the_needs_answers_at_the_clients_price_list(
    tenant_a,
):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = set_up(owner)
        racks = product_save(product=None, data={"sku": "RACK", "name": "Racks"})
        trucks = product_save(product=None, data={"sku": "TRUCK", "name": "Trucks"})
        loans = product_save(product=None, data={"sku": "LOAN", "name": "Credit line"})
        prices = price_list_save(
            price_list=None, data={"name": "Distributors", "currency": "RUB", "segment": segment}
        )
        prices_set(
            price_list=prices, prices={racks.pk: Decimal("1200"), trucks.pk: Decimal("90000")}
        )
        with pytest.raises(ValidationError) as bad:
            offer_matrix_save(
                actor=owner,
                segment=segment,
                rows=[
                    {"question": "main_need", "answer": "Gold", "product": racks.pk},
                    {"question": "colour", "answer": "red", "product": racks.pk},
                    {"product": 999_999},
                    {"product": trucks.pk, "quantity": "0"},
                ],
            )
        assert bad.value.message_dict == {
            "matrix": [
                "Row 1: answer “Main need” with one of: Stock, Delivery, Credit.",
                "Row 2: the needs card has no question “colour”.",
                "Row 3: choose a product on sale.",
                "Row 4: the quantity is a number above 0.",
            ]
        }
        offer_matrix_save(
            actor=owner,
            segment=segment,
            rows=[
                {"product": racks.pk, "importance": "optional", "quantity": 2},
                {
                    "question": "main_need",
                    "answer": "Delivery",
                    "product": trucks.pk,
                    "importance": "required",
                },
                {
                    "question": "main_need",
                    "answer": "Stock",
                    "product": racks.pk,
                    "importance": "required",
                    "quantity": 10,
                },
                {"question": "main_need", "answer": "Credit", "product": loans.pk},
            ],
        )
        company = complete_company(owner, segment, "Dunnart Trade")
        needs_card_save(
            actor=owner,
            client=company,
            data={"answers": {"main_need": "Stock", "monthly_volume": "3"}},
        )
        offer = offer_for(company)
        # racks: for every client (optional, 2) and for "Stock" (required, 10): the stronger
        assert [
            (line.product.sku, line.importance, line.quantity, line.price) for line in offer.lines
        ] == [
            ("RACK", "required", Decimal("10"), Decimal("1200.00")),
        ]
        needs_card_save(
            actor=owner,
            client=company,
            data={"answers": {"main_need": "Credit", "monthly_volume": "3"}},
        )
        offer = offer_for(company)
        assert [(line.product.sku, line.importance) for line in offer.lines] == [
            ("LOAN", "recommended"),
            ("RACK", "optional"),
        ]
        assert offer.unpriced == ["Credit line"]
    card = tenant_a.client(owner).get(f"/companies/{company.pk}/").content.decode()
    assert 'data-testid="offer-recommended"' in card
    assert "price list for: Credit line." in card
    offer = tenant_a.client(owner).get(f"/api/v1/companies/{company.pk}/proposal-gates/").json()
    assert [(line["name"], line["price"], line["because"]) for line in offer["offer"]] == [
        ("Credit line", None, ["main_need = Credit"]),
        ("Racks", "1200.00", ["every client"]),
    ]


def test_placement_rules_suggest_a_segment_from_the_card_and_confirm_the_chosen_one(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = set_up(owner)
        corporate = segment_save(segment=None, data={"name": "Corporate", "applies_to": "company"})
        with pytest.raises(ValidationError) as bad:
            placement_rule_save(
                actor=owner,
                segment=segment,
                conditions=[
                    {"field": "shoe_size", "op": "equals", "value": "42"},
                    {"field": "industry", "op": "resembles", "value": "x"},
                    {"field": "industry", "op": "contains", "value": " "},
                ],
            )
        assert bad.value.message_dict == {
            "placement": [
                "Row 1: “shoe_size” is not a field of this segment's cards.",
                "Row 2: the test is one of: equals, contains, filled.",
                "Row 3: give the value to compare with.",
            ]
        }
        placement_rule_save(
            actor=owner,
            segment=segment,
            conditions=[
                {"field": "industry", "op": "contains", "value": "wholesale"},
                {"field": "tax_id", "op": "filled"},
            ],
        )
        placement_rule_save(
            actor=owner,
            segment=corporate,
            conditions=[{"field": "industry", "op": "equals", "value": "Banking"}],
        )
        trader = company_create(
            actor=owner,
            data={"name": "Quoll Wholesale", "industry": "Food Wholesale", "tax_id": "7707083893"},
        )
        found = gates(trader)
        assert found.placed == segment
        assert found.steps[0].why == (
            "The placement rules put the client in “Distributors”: place it there."
        )
        bank = company_create(actor=owner, data={"name": "Bank", "industry": "banking"})
        assert gates(bank).placed == corporate
        nobody = company_create(actor=owner, data={"name": "Food Wholesale, no tax id"})
        assert gates(nobody).placed is None
        bank = company_update(
            actor=owner, company=bank, data={"segment": segment}, expected_version=None
        )
        assert gates(bank).steps[0].why == (
            "The placement rules would put the client in “Corporate”."
        )
    card = tenant_a.client(owner).get(f"/companies/{trader.pk}/").content.decode()
    assert 'data-testid="placement-apply"' in card
    assert "Place in “Distributors”" in card
    placed = tenant_a.client(owner).post(
        f"/companies/{trader.pk}/segment/", {"segment": segment.pk, "version": 1}
    )
    assert placed.status_code == 302
    with tenant_a.active():
        trader = Company.objects.get(pk=trader.pk)
        assert trader.segment == segment
        assert gates(trader).steps[0].why == "Confirmed by the placement rules."
    api = tenant_a.client(owner)
    setup = api.get(f"/api/v1/segments/{segment.pk}/proposal-setup/").json()
    assert setup["placement"][0] == {"field": "industry", "op": "contains", "value": "wholesale"}
    assert api.get(f"/api/v1/companies/{bank.pk}/proposal-gates/").json()["placed"] == (
        corporate.pk
    )
