"""Realistic sample clients for the demo company (Russian and English names)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm_core.activities.models import InteractionOutcome, InteractionTopic, Task
from crm_core.activities.services import interaction_log, task_create
from crm_core.commerce.models import Order, Price, Product
from crm_core.commerce.services import (
    LineRequest,
    client_values_rescore,
    order_create,
    order_status_change,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.common.text import latin
from crm_core.deals.models import Deal, DealLine, DealMove, Pipeline
from crm_core.deals.services import DealLineRequest, deal_create, deal_lines_set, deal_move
from crm_core.goals.models import Goal, Statement
from crm_core.goals.motivation import month_close, plan_approve, plan_save, statement_acknowledge
from crm_core.goals.periods import goal_period
from crm_core.goals.services import goal_set, goals_refresh
from crm_core.jobs.imports import (
    import_check,
    import_mapping_set,
    import_run,
    import_start,
    import_upload,
)
from crm_core.jobs.models import ImportJob
from crm_core.marketing.mailings import mailing_save
from crm_core.marketing.models import Campaign
from crm_core.marketing.services import (
    audience_save,
    campaign_members_add,
    campaign_save,
    member_step,
)
from crm_core.parties.models import Company, Contact, LifecycleStage
from crm_core.parties.services import company_create, company_update, contact_create, contact_update
from crm_core.proposals.drafting import proposal_create
from crm_core.proposals.models import CardRule
from crm_core.proposals.selectors import gates, offer_for
from crm_core.proposals.services import (
    card_rule_save,
    classes_parse,
    needs_card_save,
    offer_matrix_save,
    placement_rule_save,
    potential_rule_save,
    questionnaire_save,
)
from crm_core.proposals.templating import default_body, document_template_save
from crm_core.segments.models import Segment
from crm_core.segments.services import segment_save
from crm_core.workspace.models import ExchangeRate
from crm_core.workspace.services import exchange_rate_add
from tenants.identity.actor import history_actor
from tenants.identity.models import Team, TeamMembership, User
from tenants.identity.roles import Role

COMPANIES = [
    ("ООО «Уральская сталь»", "Металлургия", "6658123456", "+7 343 210-40-50", "ural-steel.ru"),
    ("АО «СеверЛес»", "Деревообработка", "2901234567", "+7 8182 65-10-20", "severles.ru"),
    ("ООО «ТехноСнаб»", "Дистрибуция", "7702345678", "+7 495 660-12-34", "tehnosnab.ru"),
    ("ИП Ковалёв А. В.", "Розница", "771234567890", "+7 916 222-33-44", ""),
    ("ООО «Волга Логистик»", "Логистика", "6312345678", "+7 846 300-20-10", "volga-log.ru"),
    ("ПАО «Балтийский порт»", "Логистика", "7805123456", "+7 812 400-50-60", "baltport.ru"),
    (
        "ООО «Агрохолдинг Кубань»",
        "Сельское хозяйство",
        "2310123456",
        "+7 861 255-66-77",
        "agrokuban.ru",
    ),
    ("ООО «МедТех Сервис»", "Медицина", "7704567890", "+7 495 777-88-99", "medtech-s.ru"),
    (
        "Nordic Timber AB",
        "Wood processing",
        "SE556677889901",
        "+46 8 123 456 78",
        "nordictimber.se",
    ),
    ("Becker Maschinenbau GmbH", "Machinery", "DE123456789", "+49 89 1234 5678", "becker-mb.de"),
    (
        "Harbor Foods Ltd",
        "Food distribution",
        "GB123456789",
        "+44 20 7946 0123",
        "harborfoods.co.uk",
    ),
    (
        "Atlas Office Supply Inc.",
        "Office supplies",
        "US-84-1234567",
        "+1 415 555 0142",
        "atlasoffice.com",
    ),
]
FIRST_RU = [
    "Алексей",
    "Мария",
    "Дмитрий",
    "Екатерина",
    "Сергей",
    "Ольга",
    "Павел",
    "Наталья",
    "Андрей",
    "Татьяна",
    "Михаил",
    "Ирина",
]
LAST_RU = [
    "Иванов",
    "Смирнова",
    "Кузнецов",
    "Попова",
    "Васильев",
    "Соколова",
    "Михайлов",
    "Новикова",
    "Фёдоров",
    "Морозова",
    "Волков",
    "Лебедева",
]
FIRST_EN = ["James", "Emma", "Lukas", "Sofia", "Oliver", "Hannah", "Erik", "Charlotte"]
LAST_EN = ["Clarke", "Becker", "Lindqvist", "Turner", "Schmidt", "Hughes", "Berg", "Walsh"]
POSITIONS_RU = [
    "Генеральный директор",
    "Закупщик",
    "Главный инженер",
    "Финансовый директор",
    "Менеджер по снабжению",
    "Руководитель склада",
]
POSITIONS_EN = ["CEO", "Purchasing manager", "Head of operations", "CFO", "Buyer"]


def demo_clients_seed() -> None:
    """Companies with their people and some private clients, owned by the sales team."""
    if Company.objects.exists():
        return
    rng = random.Random(2026)  # noqa: S311 - sample data, not security
    sellers = list(User.objects.filter(role__in=[Role.SALES_REP, Role.SALES_HEAD]))
    stages = list(LifecycleStage.objects.all())
    for name, industry, tax_id, phone, site in COMPANIES:
        russian = name[0] in "ОАПИ"
        owner = rng.choice(sellers)
        company = company_create(
            actor=owner,
            data={
                "name": name,
                "industry": industry,
                "tax_id": tax_id,
                "phones": [phone],
                "website": f"https://{site}" if site else "",
                "lifecycle_stage": rng.choice(stages),
                "legal_address": "Москва, ул. Тверская, 7" if russian else "",
            },
        )
        for _ in range(rng.randint(2, 5)):
            first, last = _person(rng, russian)
            contact_create(
                actor=owner,
                allow_duplicate=True,
                data={
                    "first_name": first,
                    "last_name": last,
                    "company": company,
                    "position": rng.choice(POSITIONS_RU if russian else POSITIONS_EN),
                    "emails": [f"{latin(first)}.{latin(last)}@{site or 'mail.ru'}".lower()],
                    "phones": [_phone(rng, russian)],
                    "lifecycle_stage": company.lifecycle_stage,
                    "language": "ru" if russian else "en",
                    "consent_email": rng.random() < 0.7,
                    "is_vip": rng.random() < 0.15,
                },
            )
    for _ in range(12):
        russian = rng.random() < 0.7
        first, last = _person(rng, russian)
        contact_create(
            actor=rng.choice(sellers),
            allow_duplicate=True,
            data={
                "first_name": first,
                "last_name": last,
                "phones": [_phone(rng, russian)],
                "emails": [
                    f"{latin(first)}{rng.randint(1, 99)}@example.{'ru' if russian else 'com'}"
                ],
                "lifecycle_stage": rng.choice(stages),
                "language": "ru" if russian else "en",
            },
        )


NOTES_RU = [
    ("call", "Обсудили поставку на следующий квартал, ждут коммерческое предложение."),
    ("email", "Отправили прайс-лист и условия отсрочки платежа."),
    ("meeting", "Встреча в офисе клиента: показали новую линейку, интерес к оптовым скидкам."),
    ("call", "Не дозвонились, перезвонить после обеда."),
    ("letter", "Получили письмо с претензией по срокам доставки."),
]
NOTES_EN = [
    ("call", "Discussed next quarter's volumes; they want an offer by Friday."),
    ("email", "Sent the price list and payment terms."),
    ("meeting", "Visited their warehouse; interested in the premium range."),
    ("event", "Met at the trade fair stand, exchanged cards."),
]


def demo_segments_seed() -> None:
    """The two segments of the issue's example, with values on the demo companies."""

    if Segment.objects.exists():
        return
    distributors = segment_save(
        segment=None,
        data={
            "name": "Дистрибьюторы",
            "applies_to": "company",
            "description": "Оптовые партнёры с собственным складом",
            "parameters": [
                {
                    "label": "Оборот в год",
                    "key": "turnover",
                    "type": "money",
                    "currency": "RUB",
                    "required": True,
                },
                {"label": "Торговых представителей", "key": "sales_reps", "type": "number"},
                {"label": "Клиентов", "key": "clients", "type": "number"},
                {"label": "Склад, м²", "key": "warehouse_m2", "type": "number"},
            ],
        },
    )
    corporate = segment_save(
        segment=None,
        data={
            "name": "Corporate end clients",
            "applies_to": "company",
            "parameters": [
                {"label": "Employees", "key": "employees", "type": "number", "required": True},
                {"label": "Offices", "key": "offices", "type": "number"},
                {
                    "label": "Equipment type",
                    "key": "equipment_type",
                    "type": "choice",
                    "choices": ["Printers", "Servers", "Workstations", "Network"],
                },
                {"label": "Equipment count", "key": "equipment_count", "type": "number"},
            ],
        },
    )
    rng = random.Random(11)  # noqa: S311 - sample data, not security
    for company in Company.objects.select_related("owner"):
        if company.industry in ("Дистрибуция", "Логистика", "Деревообработка", "Металлургия"):
            segment, values = (
                distributors,
                {
                    "turnover": rng.randint(20, 900) * 1_000_000,
                    "sales_reps": rng.randint(3, 60),
                    "clients": rng.randint(40, 2000),
                    "warehouse_m2": rng.choice([300, 450, 800, 1500, 4200]),
                },
            )
        elif company.name[0] not in "ОАПИ":
            segment, values = (
                corporate,
                {
                    "employees": rng.randint(50, 5000),
                    "offices": rng.randint(1, 30),
                    "equipment_type": rng.choice(["Printers", "Servers", "Workstations"]),
                    "equipment_count": rng.randint(10, 800),
                },
            )
        else:
            continue
        company_update(
            actor=company.owner,
            company=company,
            data={"segment": segment, "segment_values": values},
            expected_version=None,
        )


def demo_proposals_seed() -> None:
    """The two segments' way to a proposal: what a card must hold, the needs card (in Russian
    for the distributors, in English for the corporate clients), answered by the clients whose
    card is complete."""
    if CardRule.objects.exists():
        return
    owner = User.objects.filter(role=Role.OWNER).order_by("pk").first()
    distributors = Segment.objects.filter(name="Дистрибьюторы").first()
    corporate = Segment.objects.filter(name="Corporate end clients").first()
    if owner is None or distributors is None or corporate is None:
        return
    placement_rule_save(
        actor=owner,
        segment=distributors,
        conditions=[
            {"field": "industry", "op": "equals", "value": "Дистрибуция"},
            {"field": "tax_id", "op": "filled"},
        ],
    )
    card_rule_save(
        actor=owner,
        segment=distributors,
        fields=["tax_id", "legal_address"],
        parameters=["turnover", "warehouse_m2"],
    )
    questionnaire_save(
        actor=owner,
        segment=distributors,
        questions=[
            {
                "label": "Главная потребность",
                "key": "need",
                "type": "choice",
                "choices": DISTRIBUTOR_NEEDS,
                "required": True,
            },
            {"label": "Закупки в месяц", "key": "monthly", "type": "money", "currency": "RUB"},
            {"label": "Ожидания от поставщика", "key": "expectations", "type": "text"},
        ],
    )
    potential_rule_save(
        actor=owner,
        segment=distributors,
        terms=[
            {"parameter": "turnover", "weight": "0.0000001", "cap": "50"},
            {"parameter": "sales_reps", "weight": "0.5", "cap": "20"},
            {"parameter": "warehouse_m2", "weight": "0.01", "cap": "30"},
        ],
        classes=classes_parse("A=60, B=30, C=0"),
    )
    card_rule_save(actor=owner, segment=corporate, fields=["industry"], parameters=["employees"])
    questionnaire_save(
        actor=owner,
        segment=corporate,
        questions=[
            {
                "label": "Main need",
                "key": "need",
                "type": "choice",
                "choices": CORPORATE_NEEDS,
                "required": True,
            },
            {"label": "Budget", "key": "budget", "type": "money", "currency": "RUB"},
            {"label": "Decision by", "key": "decision_by", "type": "date"},
        ],
    )
    potential_rule_save(
        actor=owner,
        segment=corporate,
        terms=[
            {"parameter": "employees", "weight": "0.02", "cap": "60"},
            {"parameter": "equipment_count", "weight": "0.1", "cap": "40"},
        ],
        classes=classes_parse("A=60, B=30, C=0"),
    )
    by_sku = {product.sku: product.pk for product in Product.objects.all()}
    if set(sku for cells in DEMO_OFFERS.values() for _need, sku, _mark, _n in cells) <= set(by_sku):
        for segment in (distributors, corporate):
            offer_matrix_save(
                actor=owner,
                segment=segment,
                rows=[
                    {
                        "question": "need" if need else "",
                        "answer": need,
                        "product": by_sku[sku],
                        "importance": mark,
                        "quantity": quantity,
                    }
                    for need, sku, mark, quantity in DEMO_OFFERS[segment.name]
                ],
            )
    rng = random.Random(17)  # noqa: S311 - sample data, not security
    for company in Company.objects.filter(segment__isnull=False).order_by("pk")[:12]:
        found = gates(company)
        if not next(step for step in found.steps if step.key == "card").done:
            continue
        answers: dict[str, object] = (
            {"need": rng.choice(DISTRIBUTOR_NEEDS), "monthly": rng.randint(5, 90) * 100_000}
            if company.segment_id == distributors.pk
            else {"need": rng.choice(CORPORATE_NEEDS), "budget": rng.randint(2, 40) * 250_000}
        )
        needs_card_save(actor=owner, client=company, data={"answers": answers})
    for segment in (distributors, corporate):
        for language in ("ru", "en"):
            document_template_save(
                actor=owner,
                template=None,
                data={
                    "kind": "proposal",
                    "segment": segment,
                    "language": language,
                    "name": f"{segment.name} ({language.upper()})",
                    "body": default_body("proposal", language).replace(
                        "<table>", DEMO_SECTIONS[segment.name][language] + "\n<table>", 1
                    ),
                },
            )
    for company in Company.objects.filter(segment__isnull=False).order_by("pk")[:12]:
        offered = [line for line in offer_for(company).lines if line.importance != "optional"]
        if gates(company).open and company.contacts.exists() and offered:
            try:
                proposal_create(actor=owner, client=company, data={})
            except ValidationError:
                continue  # the matrix offers a product the client's price list lacks
            break


# each segment's offer matrix: (the need answered, or "" for every client; SKU; mark; quantity)
DEMO_OFFERS = {
    "Дистрибьюторы": [
        ("", "BL-010", "optional", 20),
        ("Пополнение склада", "ST-100", "required", 5),
        ("Пополнение склада", "ST-200", "recommended", 3),
        ("Быстрая доставка", "ST-200", "required", 2),
    ],
    "Corporate end clients": [
        ("", "SR-001", "recommended", 8),
        ("Replace equipment", "PR-450", "required", 10),
        ("Expand the fleet", "PR-450", "required", 25),
    ],
}
# what each segment's proposal template says beyond the built-in one, by language: blocks
# shown only for a need or a product
DEMO_SECTIONS = {
    "Дистрибьюторы": {
        "ru": (
            '{% if answers.need == "Пополнение склада" %}<p><strong>Пополнение склада.</strong> '
            "Отгружаем со своего склада за 2 дня, резервируем остатки под ваш план продаж.</p>"
            '{% endif %}{% if "ST-200" in skus %}<p>Стеллажи ST-200 поставляются с монтажом.</p>'
            "{% endif %}"
        ),
        "en": (
            '{% if answers.need == "Пополнение склада" %}<p><strong>Restocking.</strong> '
            "We ship from our own warehouse in 2 days and reserve stock for your sales plan.</p>"
            '{% endif %}{% if "ST-200" in skus %}<p>ST-200 racks come with assembly.</p>'
            "{% endif %}"
        ),
    },
    "Corporate end clients": {
        "ru": (
            '{% if answers.need == "Service contract" %}<p><strong>Сервисный договор.</strong> '
            "Выезд инженера в течение 24 часов, подменное оборудование на время ремонта.</p>"
            "{% endif %}"
        ),
        "en": (
            '{% if answers.need == "Service contract" %}<p><strong>Service contract.</strong> '
            "An engineer on site within 24 hours, and a replacement while yours is repaired.</p>"
            "{% endif %}"
        ),
    },
}
DISTRIBUTOR_NEEDS = ["Пополнение склада", "Быстрая доставка", "Отсрочка платежа", "Маркетинг"]
CORPORATE_NEEDS = ["Replace equipment", "Expand the fleet", "Service contract"]


# what a euro and a dollar were worth in roubles from the start of the year (sample rates)
DEMO_RATES = {"EUR": Decimal("98.50"), "USD": Decimal("91.20")}


def demo_rates_seed() -> None:
    """Rates for the demo deals in euros and dollars, so the board's forecast counts them."""
    since = timezone.localdate().replace(month=1, day=1)
    for currency, rate in DEMO_RATES.items():
        if not ExchangeRate.objects.filter(currency=currency).exists():
            exchange_rate_add(currency=currency, valid_from=since, rate=rate)


def demo_deals_seed() -> None:
    """Open and closed deals across the default pipeline's stages (in roubles, euros and
    dollars, whose rates it enters)."""

    demo_rates_seed()
    pipeline = Pipeline.objects.first()
    if pipeline is None or Deal.objects.exists():
        return
    rng = random.Random(5)  # noqa: S311 - sample data, not security
    stages = list(pipeline.stages.all())
    products = [
        "Поставка стали",
        "Сервисный контракт",
        "Оборудование склада",
        "Server upgrade",
        "Office printers",
        "Annual supply",
    ]
    for contact in Contact.objects.select_related("owner", "company").exclude(company=None)[:24]:
        stage = rng.choice(stages)
        russian = contact.language == "ru"
        deal_create(
            actor=contact.owner,
            data={
                "title": f"{rng.choice(products)} — {contact.company.name}"[:255],
                "stage": stage,
                "contact": contact,
                "company": contact.company,
                "amount": Decimal(rng.randint(5, 400) * 10_000),
                "currency": "RUB" if russian else rng.choice(["EUR", "USD"]),
                "expected_close": (timezone.now() + timedelta(days=rng.randint(5, 120))).date(),
                "lost_reason": "Выбрали конкурента" if stage.is_lost else "",
            },
        )


def demo_tasks_seed() -> None:
    """Open tasks for the owner and the sales team: some overdue, some today, some later."""

    if Task.objects.exists():
        return
    rng = random.Random(3)  # noqa: S311 - sample data, not security
    now = timezone.now()
    titles = [
        "Отправить КП",
        "Перезвонить по оплате",
        "Подготовить договор",
        "Send the revised offer",
        "Confirm delivery date",
    ]
    for contact in Contact.objects.select_related("owner", "company")[:15]:
        task_create(
            actor=None,
            assignee=contact.owner,
            data={
                "title": rng.choice(titles),
                "contact": contact,
                "company": contact.company,
                "due_at": now + timedelta(hours=rng.randint(-48, 96)),
            },
        )
    owner = User.objects.filter(role=Role.OWNER).first()
    for title, hours in (
        ("Review the pipeline with the sales heads", 2),
        ("Approve the discount for Уральская сталь", -3),
    ):
        task_create(
            actor=None,
            assignee=owner,
            data={"title": title, "due_at": now + timedelta(hours=hours)},
        )


def demo_commerce_seed() -> None:
    """A small catalogue, a retail and a distributor price list, and orders in every status."""

    if Product.objects.exists():
        return
    catalogue = [
        ("ST-100", "Лист стальной 2 мм", "т", 98_000),
        ("ST-200", "Арматура А500", "т", 74_500),
        ("BL-010", "Болт М10 (упаковка 100 шт.)", "уп", 1_450),
        ("SR-001", "Монтаж и пусконаладка", "ч", 3_200),
        ("PR-450", "Office printer P450", "pcs", 32_000),
    ]
    products = [
        product_save(product=None, data={"sku": sku, "name": name, "unit": unit})
        for sku, name, unit, _price in catalogue
    ]
    retail = price_list_save(
        price_list=None, data={"name": "Розница", "currency": "RUB", "is_default": True}
    )
    prices_set(
        price_list=retail,
        prices={p.pk: Decimal(price) for p, (*_, price) in zip(products, catalogue, strict=True)},
    )
    distributors = Segment.objects.filter(name="Дистрибьюторы").first()
    if distributors:
        dealer = price_list_save(
            price_list=None, data={"name": "Дилерский", "currency": "RUB", "segment": distributors}
        )
        prices_set(
            price_list=dealer,
            prices={
                p.pk: Decimal(price) * Decimal("0.85")
                for p, (*_, price) in zip(products, catalogue, strict=True)
            },
        )
    rng = random.Random(9)  # noqa: S311 - sample data, not security
    flows = [
        [],
        ["placed"],
        ["placed", "paid"],
        ["placed", "paid", "shipped"],
        ["placed", "paid", "shipped", "delivered"],
        ["placed", "cancelled"],
    ]
    for contact in Contact.objects.select_related("owner", "company")[:18]:
        order = order_create(
            actor=contact.owner,
            contact=contact,
            lines=[
                LineRequest(rng.choice(products), Decimal(rng.randint(1, 20)))
                for _ in range(rng.randint(1, 3))
            ],
        )
        for status in rng.choice(flows):
            order = order_status_change(actor=contact.owner, order=order, status=status)


def demo_history_seed() -> None:
    """A few months of calls, letters and meetings on the demo contacts."""
    if not Contact.objects.exists() or Contact.objects.filter(interactions__isnull=False).exists():
        return
    rng = random.Random(7)  # noqa: S311 - sample data, not security
    topics = list(InteractionTopic.objects.all())
    outcomes = list(InteractionOutcome.objects.all())
    now = timezone.now()
    for contact in Contact.objects.select_related("owner"):
        notes = NOTES_RU if contact.language == "ru" else NOTES_EN
        for _ in range(rng.randint(1, 6)):
            channel, text = rng.choice(notes)
            interaction_log(
                actor=contact.owner,
                contact=contact,
                data={
                    "channel": channel,
                    "direction": rng.choice(["inbound", "outbound"]),
                    "occurred_at": now
                    - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 9)),
                    "duration_minutes": rng.choice([None, 5, 15, 30, 60]),
                    "topic": rng.choice(topics),
                    "notes": text,
                    "outcome": rng.choice(outcomes) if rng.random() < 0.4 else None,
                },
            )


def _person(rng: random.Random, russian: bool) -> tuple[str, str]:
    if russian:
        first, last = rng.choice(FIRST_RU), rng.choice(LAST_RU)
        if first[-1] in "ая" and not last.endswith("а"):
            last += "а"
        elif first[-1] not in "ая" and last.endswith("а"):
            last = last[:-1]
        return first, last
    return rng.choice(FIRST_EN), rng.choice(LAST_EN)


def _phone(rng: random.Random, russian: bool) -> str:
    if russian:
        code, first, second, third = (
            rng.randint(10, 99),
            rng.randint(100, 999),
            rng.randint(10, 99),
            rng.randint(10, 99),
        )
        return f"+7 9{code} {first}-{second}-{third}"
    return f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"


DEMO_IMPORT = (
    "Имя;Фамилия;Email;Телефон;Компания;Должность\n"
    "Зоя;Белова;zoya.belova@example.ru;8 (916) 410-22-33;ООО «Северный склад»;Закупщик\n"
    "Глеб;Романов;gleb.romanov@example.ru;+7 903 555-12-12;ООО «Северный склад»;Директор\n"
    "Эмма;Green;emma.green@example.com;+44 20 7946 0101;Green Retail Ltd;Buyer\n"
    "Лев;Тихонов;не-адрес;+7 926 000-00-00;;\n"
)


def demo_extras_seed() -> None:
    """What the other seeds leave out: products on deals, edits in the history of changes,
    and one finished import (with a bad row skipped) to show on the imports page."""

    if DealLine.objects.exists() or ImportJob.objects.exists():
        return
    rng = random.Random(11)  # noqa: S311 - sample data, not security
    priced = list(Price.objects.filter(price_list__is_default=True).select_related("product"))
    for deal in Deal.objects.filter(currency="RUB", closed_at=None).select_related("owner")[:8]:
        picks = rng.sample(priced, k=min(2, len(priced)))
        with history_actor(deal.owner):
            deal_lines_set(
                actor=deal.owner,
                deal=deal,
                lines=[
                    DealLineRequest(price.product, Decimal(rng.randint(1, 12))) for price in picks
                ],
            )
    positions = ["Коммерческий директор", "Head of procurement", "Главный инженер"]
    for contact in Contact.objects.select_related("owner").order_by("pk")[:6]:
        with history_actor(contact.owner):
            contact_update(
                actor=contact.owner,
                contact=contact,
                data={"position": rng.choice(positions), "is_vip": rng.random() < 0.5},
                expected_version=None,
            )
    owner = Contact.objects.select_related("owner").first()
    if owner is None:
        return
    job = import_upload(
        actor=owner.owner,
        kind=ImportJob.Kind.CONTACT,
        upload=SimpleUploadedFile("новые-клиенты.csv", DEMO_IMPORT.encode("utf-8")),
    )
    job.language = "ru"
    job.save(update_fields=["language"])
    import_mapping_set(job=job, mapping=job.mapping, skip_invalid=True)
    import_check(job=job)
    if job.can_import:
        import_start(job=job)
        import_run(job=job)


HISTORY_DAYS = 730  # two years of history, so every analytics screen has something to show


def _back(days: int, rng: random.Random):
    return timezone.now() - timedelta(
        days=days, hours=rng.randint(0, 8), minutes=rng.randint(0, 59)
    )


def demo_analytics_seed() -> None:
    """Two years of history for the analytics: deals created, moved stage by stage and won or
    lost over the months, paid orders with cost prices (margin, RFM, cross-sell), calls,
    meetings and emails, and requests answered; each through the services, then dated back."""
    pipeline = Pipeline.objects.first()
    if (
        pipeline is None
        or Deal.objects.filter(closed_at__lt=timezone.now() - timedelta(days=60)).exists()
    ):
        return
    rng = random.Random(24)  # noqa: S311 - sample data, not security
    costs = {"ST-100": 71_000, "ST-200": 52_000, "BL-010": 900, "SR-001": 1_400, "PR-450": 24_500}
    for product in Product.objects.filter(sku__in=costs):
        product_save(product=product, data={"cost_price": Decimal(costs[product.sku])})
    flow = [stage for stage in pipeline.stages.order_by("position") if not stage.is_lost]
    lost = pipeline.stages.filter(is_lost=True).first()
    contacts = list(Contact.objects.select_related("owner", "company"))
    for index in range(100):
        contact = rng.choice(contacts)
        created_days = rng.randint(20, HISTORY_DAYS)
        last = rng.choice([len(flow) - 1, len(flow) - 1, 1, 2, -1])  # won twice as often
        path = flow[: last + 1] if last >= 0 else flow[: rng.randint(1, 3)] + [lost]
        deal = deal_create(
            actor=contact.owner,
            data={
                "title": f"{rng.choice(['Поставка', 'Контракт', 'Supply', 'Service'])} #{index + 1}"
                f" — {contact.company.name if contact.company else contact.full_name}"[:255],
                "stage": path[0],
                "contact": contact,
                "company": contact.company,
                "amount": Decimal(rng.randint(5, 300) * 10_000),
                "currency": "RUB",
                "expected_close": (timezone.now() - timedelta(days=created_days - 60)).date(),
                "lost_reason": "Выбрали конкурента",
            },
        )
        for stage in path[1:]:
            deal = deal_move(actor=contact.owner, deal=deal, stage=stage)
        days, stamps = created_days, []
        for _stage in path:
            stamps.append(_back(days, rng))
            days = max(days - rng.randint(2, 25), 1)
        for move, stamp in zip(deal.moves.order_by("id"), stamps, strict=True):
            DealMove.objects.filter(pk=move.pk).update(moved_at=stamp)
        Deal.objects.filter(pk=deal.pk).update(
            created_at=stamps[0],
            stage_entered_at=stamps[-1],
            closed_at=stamps[-1] if deal.closed_at else None,
        )
    products = list(Product.objects.filter(is_active=True))
    for _ in range(120):
        contact = rng.choice(contacts[: max(len(contacts) // 2, 1)])  # regulars buy again
        order = order_create(
            actor=contact.owner,
            contact=contact,
            lines=[
                LineRequest(product, Decimal(rng.randint(1, 12)))
                for product in rng.sample(products, rng.randint(1, 3))
            ],
        )
        for status in ("placed", "paid", "shipped", "delivered"):
            order = order_status_change(actor=contact.owner, order=order, status=status)
        paid = _back(rng.randint(1, HISTORY_DAYS), rng)
        Order.objects.filter(pk=order.pk).update(
            placed_at=paid - timedelta(days=1),
            paid_at=paid,
            delivered_at=paid + timedelta(days=3),
            created_at=paid,
        )
    for _ in range(200):
        contact = rng.choice(contacts)
        channel, text = rng.choice(NOTES_RU if contact.language == "ru" else NOTES_EN)
        interaction_log(
            actor=contact.owner,
            contact=contact,
            data={
                "channel": channel,
                "direction": rng.choice(["inbound", "outbound"]),
                "occurred_at": _back(rng.randint(1, HISTORY_DAYS), rng),
                "notes": text,
            },
        )
    client_values_rescore()


def demo_goals_seed() -> None:
    """A year of management: the teams under a sales department (people in them since they
    joined two years back), monthly revenue and calls goals for each rep and quarterly ones
    for each team, the owner's approved bonus plan, and every past month closed with its
    statements (most acknowledged); this month's goals and statements live."""
    if Goal.objects.exists():
        return
    owner = User.objects.filter(role=Role.OWNER).first()
    if owner is None:
        return
    department, _created = Team.objects.get_or_create(name="Отдел продаж")
    Team.objects.exclude(pk=department.pk).update(parent=department)
    since = timezone.localdate() - timedelta(days=HISTORY_DAYS)
    TeamMembership.objects.update(started_on=since)
    User.objects.filter(is_active=True).update(
        date_joined=timezone.now() - timedelta(days=HISTORY_DAYS)
    )
    reps = list(User.objects.filter(role=Role.SALES_REP, is_active=True))
    plan = plan_save(
        actor=owner,
        data={
            "name": "Продажи",
            "basis": "won",
            "effective_from": since,
            "roles": [Role.SALES_REP],
            "components": [
                {
                    "kind": "commission",
                    "name": "Комиссия с выручки",
                    "base": "revenue",
                    "mode": "marginal",
                    "tiers": [
                        {"from": 0, "to": 1_000_000, "rate": 3},
                        {"from": 1_000_000, "to": None, "rate": 5},
                    ],
                    "cap": 200_000,
                },
                {
                    "kind": "attainment",
                    "name": "Бонус за план",
                    "metric": "revenue_won",
                    "bonus": 20_000,
                    "levels": [
                        {"at": 80, "pays": 80},
                        {"at": 100, "pays": 100},
                        {"at": 150, "pays": 200},
                    ],
                },
            ],
            "gates": [{"metric": "calls", "min_share": 30}],
        },
    )
    plan_approve(actor=owner, plan=plan)
    rng = random.Random(25)  # noqa: S311 - sample data, not security
    today = timezone.localdate()
    month = goal_period("month", today)
    months = []
    for _ in range(13):
        months.append(month)
        month = goal_period("month", month.start - timedelta(days=1))
    for period in reversed(months):
        for rep in reps:
            for metric, target in (
                ("revenue_won", rng.randint(4, 16) * 100_000),
                ("calls", rng.randint(2, 6)),
            ):
                goal_set(
                    actor=owner,
                    data={
                        "metric": metric,
                        "level": "person",
                        "person": rep.pk,
                        "target": target,
                        "period_kind": "month",
                        "day": period.start,
                    },
                )
        if period.start.month in (1, 4, 7, 10) or period is months[-1]:
            quarter = goal_period("quarter", period.start)
            for team in Team.objects.exclude(pk=department.pk):
                if not Goal.objects.filter(
                    level="team", team=team, period_start=quarter.start, metric="revenue_won"
                ).exists():
                    goal_set(
                        actor=owner,
                        data={
                            "metric": "revenue_won",
                            "level": "team",
                            "team": team.pk,
                            "target": rng.randint(20, 50) * 100_000,
                            "period_kind": "quarter",
                            "day": quarter.start,
                        },
                    )
        if period.end < today:
            month_close(actor=owner, day=period.start)
            for statement in Statement.objects.filter(period_start=period.start):
                if rng.random() < 0.8:
                    statement_acknowledge(actor=statement.person, statement=statement)
    goals_refresh()


MAILING_BODY_RU = (
    "<p>Здравствуйте, {{ contact.first_name }}!</p>\n"
    "<p>Приглашаем на вебинар «{{ campaign.name }}»: как разместить больше паллет на той же "
    "площади и не потерять в скорости отгрузки.</p>\n"
    '<p><a href="{{ unsubscribe_url }}">Отписаться от писем</a></p>'
)


def demo_marketing_seed() -> None:
    """An audience (the clients who agreed to emails), a webinar campaign with its
    budget and cost, its members (a few who clicked and came), and a Russian mailing drafted
    for it."""
    if Campaign.objects.exists():
        return
    owner = User.objects.filter(role=Role.OWNER).order_by("pk").first()
    if owner is None:
        return
    audience = audience_save(
        actor=owner,
        audience=None,
        data={"name": "Клиенты, согласные на письма", "query": "", "consent": "email"},
    )
    campaign = campaign_save(
        actor=owner,
        campaign=None,
        data={
            "name": "Вебинар: склад без потерь",
            "kind": Campaign.Kind.WEBINAR,
            "status": Campaign.Status.ACTIVE,
            "starts_on": timezone.localdate() - timedelta(days=20),
            "ends_on": timezone.localdate() + timedelta(days=10),
            "budget": Decimal(50000),
            "actual_cost": Decimal(42000),
            "currency": "RUB",
            "audience": audience,
            "description": "Вебинар для клиентов о плотном хранении.",
        },
    )
    campaign_members_add(actor=owner, campaign=campaign)
    for member, step in zip(
        campaign.members.select_related("contact", "campaign").order_by("id")[:4],
        ("clicked", "responded", "opened", "converted"),
        strict=False,
    ):
        member_step(actor=owner, member=member, status=step)
    mailing_save(
        actor=owner,
        campaign=campaign,
        mailing=None,
        data={
            "subject": "{{ contact.first_name }}, приглашаем на вебинар",
            "body": MAILING_BODY_RU,
            "language": "ru",
        },
    )
