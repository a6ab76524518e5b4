"""Documents from templates: the merge fields a template may use (one list, shown beside the
editor), the check that refuses an unknown field or broken syntax with its line, and the
rendering of a proposal to HTML, PDF (WeasyPrint) and DOCX (docxtpl) in the document's
language. Templates are Jinja, run in its sandbox: a template reaches the values it is given
and nothing else."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from crm_core.common.pdf import html_to_pdf, html_to_pdf_pages
from crm_core.common.services import unknown_fields_refuse
from crm_core.proposals.drafting import document_number, line_amounts
from crm_core.proposals.models import Document, DocumentTemplate, Proposal
from crm_core.proposals.selectors import needs_card_of, questionnaire_current
from crm_core.segments.models import Segment
from crm_core.workspace.services import own_requisites
from tenants.identity.models import User
from tenants.links import company_name

DEFAULTS = Path(__file__).parent / "defaults"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# the merge fields, by group, each with what it holds (the editor lists them)
PARTY = {
    "name": gettext_lazy("name"),
    "legal_name": gettext_lazy("legal name"),
    "tax_id": gettext_lazy("tax id"),
    "kpp": gettext_lazy("KPP"),
    "ogrn": gettext_lazy("OGRN"),
    "legal_address": gettext_lazy("legal address"),
    "bank_name": gettext_lazy("bank"),
    "bic": gettext_lazy("BIC"),
    "settlement_account": gettext_lazy("settlement account"),
    "correspondent_account": gettext_lazy("correspondent account"),
}
FIELDS: dict[str, dict[str, Any]] = {
    "document": {
        "number": gettext_lazy("number"),
        "date": gettext_lazy("date"),
        "title": gettext_lazy("title"),
        "valid_until": gettext_lazy("valid until"),
        "subtotal": gettext_lazy("sum before discounts"),
        "discount": gettext_lazy("sum of the discounts"),
        "has_discount": gettext_lazy("whether there is a discount: {% if document.has_discount %}"),
        "total": gettext_lazy("total"),
        "currency": gettext_lazy("currency"),
        "message": gettext_lazy("message to the client"),
    },
    "client": {
        **PARTY,
        "postal_address": gettext_lazy("postal address"),
        "email": gettext_lazy("email"),
        "phone": gettext_lazy("phone"),
    },
    "contact": {
        "name": gettext_lazy("name"),
        "position": gettext_lazy("position"),
        "email": gettext_lazy("email"),
        "phone": gettext_lazy("phone"),
    },
    "seller": {**PARTY, "signatory": gettext_lazy("signs documents")},
    "owner": {"name": gettext_lazy("name"), "email": gettext_lazy("email")},
    "segment": {"name": gettext_lazy("name")},
}
LINE_FIELDS = {
    "position": gettext_lazy("line number"),
    "product": gettext_lazy("product"),
    "sku": gettext_lazy("SKU"),
    "unit": gettext_lazy("unit"),
    "quantity": gettext_lazy("quantity"),
    "price": gettext_lazy("unit price"),
    "discount": gettext_lazy("discount, %"),
    "total": gettext_lazy("line total"),
    "importance": gettext_lazy("required, recommended or optional"),
}
LISTS = {
    "lines": gettext_lazy("the lines: {% for line in lines %} … {% endfor %}"),
    "skus": gettext_lazy('the products\' SKUs: {% if "RACK-1" in skus %} … {% endif %}'),
    "answers": gettext_lazy("the needs card's answers by question: answers.main_need"),
}
# whole blocks, written in the document's language
BLOCKS = {
    "lines_table": gettext_lazy("the lines as a table, with the total: {{ lines_table }}"),
    "proposal_number": gettext_lazy("the number of the proposal a document is made from"),
}
# names a template may use beside the fields: the loop's own helper
BUILT_IN = {"loop", "range", "true", "false", "none"}


@cache
def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class FieldGroup:
    name: str
    fields: list[tuple[str, str]]


def merge_fields(segment: Segment | None = None) -> list[FieldGroup]:
    """Every merge field with what it holds, for the editor (the needs answers of the
    segment's current questions when there is a segment)."""
    groups = [
        FieldGroup(group, [(f"{group}.{key}", str(label)) for key, label in fields.items()])
        for group, fields in FIELDS.items()
    ]
    groups.append(
        FieldGroup("line", [(f"line.{key}", str(label)) for key, label in LINE_FIELDS.items()])
    )
    groups.append(FieldGroup("lists", [(key, str(label)) for key, label in LISTS.items()]))
    groups.append(FieldGroup("blocks", [(key, str(label)) for key, label in BLOCKS.items()]))
    questionnaire = questionnaire_current(segment) if segment else None
    if questionnaire is not None:
        groups.append(
            FieldGroup(
                "answers",
                [(f"answers.{item['key']}", item["label"]) for item in questionnaire.questions],
            )
        )
    return groups


def _problem(line: int | None, message: str) -> str:
    return _("Line %(line)s: %(problem)s") % {"line": line or 1, "problem": message}


def _names(target: nodes.Node) -> list[str]:
    """The names a loop or an assignment sets (the target itself, or each in a tuple)."""
    found = [target, *target.find_all(nodes.Name)]
    return [node.name for node in found if isinstance(node, nodes.Name)]


def template_check(body: str, segment: Segment | None = None) -> None:
    """Refuse a template whose syntax is broken or that names a field it will not be given,
    each problem with its line."""
    problems = template_problems(body, segment)
    if problems:
        raise ValidationError({"body": [_problem(line, message) for line, message in problems]})


def template_problems(body: str, segment: Segment | None = None) -> list[tuple[int, str]]:
    """What `template_check` refuses, as (line, message), in the order of the lines."""
    env = environment()
    try:
        tree = env.parse(body)
        env.from_string(body)  # compiling finds unknown filters and tests
    except TemplateSyntaxError as error:
        return [(error.lineno, error.message or "")]
    questionnaire = questionnaire_current(segment) if segment else None
    answer_keys = {item["key"] for item in questionnaire.questions} if questionnaire else None
    loops: dict[str, str] = {}  # a loop's own name -> the list it walks
    local: set[str] = set()
    for loop in tree.find_all(nodes.For):
        for target in _names(loop.target):
            local.add(target)
            if isinstance(loop.iter, nodes.Name):
                loops[target] = loop.iter.name
    for assigned in tree.find_all(nodes.Assign):
        local.update(_names(assigned.target))
    for block in tree.find_all(nodes.AssignBlock):
        local.update(_names(block.target))
    for macro in tree.find_all(nodes.Macro):
        local.update(argument.name for argument in macro.args)
    problems: list[tuple[int, str]] = []
    known = set(FIELDS) | set(LISTS) | set(BLOCKS) | BUILT_IN | local
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in known:
            problems.append(
                (name.lineno, _("“%(name)s” is not a merge field.") % {"name": name.name})
            )
    for found in tree.find_all(nodes.Getattr):
        if not isinstance(found.node, nodes.Name):
            continue
        base, attr = found.node.name, found.attr
        allowed: set[str] | None = None
        if base in FIELDS:
            allowed = set(FIELDS[base])
        elif loops.get(base) == "lines":
            allowed = set(LINE_FIELDS)
        elif base == "answers":
            allowed = answer_keys
        elif base in LISTS:
            allowed = set()  # a list has items, not fields
        if allowed is not None and attr not in allowed:
            problems.append(
                (
                    found.lineno,
                    _("“%(name)s” is not a merge field.") % {"name": f"{base}.{attr}"},
                )
            )
    return sorted(set(problems))


def default_body(kind: str, language: str) -> str:
    path = DEFAULTS / f"{kind}.{language}.html"
    if not path.exists():
        path = DEFAULTS / f"{kind}.en.html"
    return path.read_text(encoding="utf-8")


def template_for(kind: str, segment_id: int | None, language: str) -> tuple[str, str]:
    """The template that applies (the segment's in the language, else every segment's, else
    the built-in one): its name and body."""
    found = (
        DocumentTemplate.objects.filter(kind=kind, segment_id=segment_id, language=language).first()
        if segment_id
        else None
    ) or DocumentTemplate.objects.filter(kind=kind, segment=None, language=language).first()
    if found is not None:
        return found.name, found.body
    return _("Built-in"), default_body(kind, language)


def _money(value: Decimal) -> str:
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True)


def _number(value: Decimal) -> str:
    return formats.number_format(value.normalize(), use_l10n=True, force_grouping=True)


def _day(value: date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def _party(record: Any) -> dict[str, str]:
    return {key: str(getattr(record, key, "") or "") for key in PARTY}


def proposal_context(proposal: Proposal) -> dict[str, Any]:
    """The values a proposal's template is given, written in the proposal's language."""
    return _with_blocks(_proposal_values(proposal), proposal.language, proposal.number)


def _with_blocks(context: dict[str, Any], language: str, number: str) -> dict[str, Any]:
    """The context with its whole blocks: the lines table (in the language) and the number
    of the proposal."""
    with translation.override(language):
        heads = {
            "product": _("Product"),
            "quantity": _("Quantity"),
            "price": _("Price"),
            "discount": _("Discount"),
            "total": _("Total"),
            "sum": _("Total"),
        }
        table = environment().from_string(_lines()).render({**context, "heads": heads})
    # rendered by the autoescaping sandbox above: every value in it is escaped
    # rendered by the autoescaping sandbox above: every value in it is escaped
    return {**context, "lines_table": Markup(table), "proposal_number": number}  # noqa: S704  # noqa: S704


@cache
def _lines() -> str:
    return (DEFAULTS / "_lines.html").read_text(encoding="utf-8")


def _proposal_values(proposal: Proposal) -> dict[str, Any]:
    with translation.override(proposal.language):
        lines = list(proposal.lines.select_related("product"))
        subtotal = proposal.subtotal
        company, contact = proposal.company, proposal.contact
        client = company or contact
        card = needs_card_of(client) if client is not None else None
        seller = own_requisites()
        return {
            "document": {
                "number": proposal.number,
                "date": _day(proposal.created_at.date() if proposal.created_at else None),
                "title": proposal.title,
                "valid_until": _day(proposal.valid_until),
                "subtotal": _money(subtotal),
                "discount": _money(subtotal - proposal.total),
                "has_discount": subtotal != proposal.total,
                "total": _money(proposal.total),
                "currency": proposal.currency,
                "message": proposal.message,
            },
            "client": {
                **_party(company),
                "name": company.name if company else contact.full_name if contact else "",
                "postal_address": company.postal_address if company else "",
                "email": ((client.emails or [""])[0] if client else ""),
                "phone": ((client.phones or [""])[0] if client else ""),
            },
            "contact": {
                "name": contact.full_name if contact else "",
                "position": contact.position if contact else "",
                "email": (contact.emails or [""])[0] if contact else "",
                "phone": (contact.phones or [""])[0] if contact else "",
            },
            "seller": {
                **_party(seller),
                "name": seller.legal_name or company_name(),
                "signatory": seller.signatory,
            },
            "owner": {"name": str(proposal.owner), "email": proposal.owner.email},
            "segment": {"name": proposal.segment.name if proposal.segment else ""},
            "lines": [
                {
                    "position": index,
                    "product": line.product.name,
                    "sku": line.product.sku,
                    "unit": line.product.unit,
                    "quantity": _number(line.quantity),
                    "price": _money(line.unit_price),
                    "discount": _number(line.discount) if line.discount else "",
                    "total": _money(line.total),
                    "importance": line.importance,
                }
                for index, line in enumerate(lines, start=1)
            ],
            "skus": [line.product.sku for line in lines],
            "answers": dict(card.answers) if card else {},
        }


def render_html(body: str, context: dict[str, Any], language: str) -> str:
    """The template's HTML with the values (refused with the line if it fails at run time)."""
    try:
        with translation.override(language):
            inner = environment().from_string(body).render(context)
    except (TemplateError, TypeError, ValueError, ArithmeticError) as error:
        line = getattr(error, "lineno", None)
        raise ValidationError({"body": [_problem(line, str(error))]}) from None
    if "<html" in inner[:500].lower():
        return inner  # a whole page of the template's own
    # a template of the document's content alone: on the shared A4 page and its styles
    return _page().replace("__LANG__", language).replace("__CONTENT__", inner)


@cache
def _page() -> str:
    return (DEFAULTS / "page.html").read_text(encoding="utf-8")


def proposal_html(proposal: Proposal) -> str:
    _name, body = template_for("proposal", proposal.segment_id, proposal.language)
    return render_html(body, proposal_context(proposal), proposal.language)


def proposal_pdf(proposal: Proposal) -> bytes:
    return html_to_pdf(proposal_html(proposal))


@cache
def default_docx(language: str) -> bytes:
    """The DOCX layout of a proposal (built here, so no binary file is kept): its title, the
    client, a table with a row per line, the total and the message."""
    with translation.override(language):
        word = WordDocument()
        word.add_heading("{{ document.title }}", level=1)
        word.add_paragraph(_("№ {{ document.number }}, {{ document.date }}"))
        word.add_paragraph("{{ seller.name }} → {{ client.name }}")
        # docxtpl's row loop: a row opening it, the row repeated, a row closing it
        table = word.add_table(rows=4, cols=5)
        table.style = "Table Grid"
        heads = (_("Product"), _("Quantity"), _("Price"), _("Discount, %"), _("Total"))
        for cell, text in zip(table.rows[0].cells, heads, strict=True):
            cell.text = str(text)
        table.rows[1].cells[0].text = "{%tr for line in lines %}"
        keys = ("product", "quantity", "price", "discount", "total")
        for cell, key in zip(table.rows[2].cells, keys, strict=True):
            cell.text = "{{ line." + key + " }}"
        table.rows[3].cells[0].text = "{%tr endfor %}"
        word.add_paragraph(_("Total: {{ document.total }} {{ document.currency }}"))
        word.add_paragraph(_("Valid until {{ document.valid_until }}"))
        word.add_paragraph("{{ document.message }}")
        buffer = io.BytesIO()
        word.save(buffer)
        return buffer.getvalue()


def proposal_docx(proposal: Proposal) -> bytes:
    """The proposal in Word: the layout an administrator uploaded for its segment (else for
    every segment) in its language, else the built-in one."""
    layout = docx_layout_for(proposal.segment_id, proposal.language)
    return _docx_fill(layout or default_docx(proposal.language), proposal_context(proposal))


def _docx_fill(layout: bytes, context: dict[str, Any]) -> bytes:
    template = DocxTemplate(io.BytesIO(layout))
    # an environment of its own: docxtpl sets options on the one it is given
    sandbox = SandboxedEnvironment(autoescape=True)
    template.render(context, jinja_env=sandbox, autoescape=True)
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def docx_layout_for(segment_id: int | None, language: str) -> bytes | None:
    """The uploaded Word layout of a proposal that applies: the segment's in the language,
    else every segment's; None when there is none."""
    layouts = DocumentTemplate.objects.filter(
        kind=DocumentTemplate.Kind.PROPOSAL, language=language
    ).exclude(docx="")
    template = (
        layouts.filter(segment_id=segment_id).first() if segment_id is not None else None
    ) or layouts.filter(segment=None).first()
    if template is None:
        return None
    with template.docx.open("rb") as file:
        return file.read()


def docx_check(content: bytes, segment: Segment | None, language: str) -> None:
    """Refuse a Word layout that is not a .docx, that names a field or has a block the HTML
    template would refuse (in its text, headers and footers: Word has no lines to point to),
    or that cannot be filled with made-up values."""
    try:
        layout = DocxTemplate(io.BytesIO(content))
        layout.init_docx()
        parts = [layout.patch_xml(layout.get_xml())]
        for uri in (layout.HEADER_URI, layout.FOOTER_URI):
            parts += [
                layout.patch_xml(layout.get_part_xml(part))
                for _key, part in layout.get_headers_footers(uri)
            ]
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise ValidationError({"docx": [_("The file is not a Word document (.docx).")]}) from None
    problems = [message for part in parts for _line, message in template_problems(part, segment)]
    if problems:
        raise ValidationError(
            {
                "docx": [
                    _("In the Word file: %(problem)s") % {"problem": problem}
                    for problem in dict.fromkeys(problems)
                ]
            }
        )
    try:
        _docx_fill(content, sample_context(language))
    except (TemplateError, TypeError, ValueError, ArithmeticError) as error:
        raise ValidationError(
            {"docx": [_("The Word file cannot be filled: %(problem)s") % {"problem": error}]}
        ) from None


TEMPLATE_FIELDS = {"kind", "segment", "language", "name", "body"}


def may_edit_templates(actor: User) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner or an administrator edits document templates."))


@transaction.atomic
def document_template_save(
    *, actor: User, template: DocumentTemplate | None, data: dict[str, Any]
) -> DocumentTemplate:
    """A document's template for a segment (or every segment) in a language; refused with
    each problem named (an unknown merge field or broken syntax with its line)."""
    may_edit_templates(actor)
    unknown_fields_refuse(data, TEMPLATE_FIELDS | {"docx"})
    row = template or DocumentTemplate()
    # "docx": an uploaded Word layout (a file), False to remove the one kept, absent to keep it
    docx = data.get("docx")
    merged = {key: data.get(key, getattr(row, key, None)) for key in TEMPLATE_FIELDS}
    errors: dict[str, list[str]] = {}
    if merged["kind"] not in DocumentTemplate.Kind.values:
        errors["kind"] = [_("Choose one of the documents.")]
    if merged["language"] not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the languages.")]
    if not str(merged["name"] or "").strip():
        errors["name"] = [_("Give the template a name.")]
    if not str(merged["body"] or "").strip():
        errors["body"] = [_("Write the template.")]
    else:
        try:
            template_check(str(merged["body"]), merged["segment"])
        except ValidationError as error:
            errors.update(error.message_dict)
    if docx and not errors:
        if merged["kind"] != DocumentTemplate.Kind.PROPOSAL:
            errors["docx"] = [_("A Word layout is used for proposals only.")]
        else:
            try:
                docx_check(docx.read(), merged["segment"], str(merged["language"]))
            except ValidationError as error:
                errors.update(error.message_dict)
    if not errors:
        taken = DocumentTemplate.objects.filter(
            kind=merged["kind"], segment=merged["segment"], language=merged["language"]
        ).exclude(pk=row.pk)
        if taken.exists():
            errors["segment"] = [
                _("There is already a template of this document for this segment and language.")
            ]
    if errors:
        raise ValidationError(errors)
    for key in TEMPLATE_FIELDS:
        setattr(row, key, str(merged[key]).strip() if key == "name" else merged[key])
    row.updated_by = actor
    if docx is False and row.docx:
        row.docx.delete(save=False)
    if docx:
        docx.seek(0)
        if row.docx:
            row.docx.delete(save=False)
        row.docx.save("layout.docx", File(docx), save=False)
    row.save()
    return row


def document_template_delete(*, actor: User, template: DocumentTemplate) -> None:
    may_edit_templates(actor)
    template.delete()


# what a preview shows when the company has no proposal yet
SAMPLE_LINES = [
    ("Pallet racking, 3 m", "RACK-3", "pcs", Decimal(10), Decimal("12500"), Decimal(5)),
    ("Delivery and assembly", "SRV-DEL", "job", Decimal(1), Decimal("18000"), Decimal(0)),
]


def sample_context(language: str) -> dict[str, Any]:
    """Made-up values in every merge field, for the preview of a template before any
    proposal exists."""
    return _with_blocks(_sample_values(language), language, "P-0000-0001")


def _sample_values(language: str) -> dict[str, Any]:
    with translation.override(language):
        lines = []
        subtotal = total = Decimal(0)
        for index, (name, sku, unit, quantity, price, discount) in enumerate(SAMPLE_LINES, 1):
            gross, net = line_amounts(price, quantity, discount)
            subtotal, total = subtotal + gross, total + net
            lines.append(
                {
                    "position": index,
                    "product": name,
                    "sku": sku,
                    "unit": unit,
                    "quantity": _number(quantity),
                    "price": _money(price),
                    "discount": _number(discount) if discount else "",
                    "total": _money(net),
                    "importance": "required" if index == 1 else "recommended",
                }
            )
        seller = own_requisites()
        return {
            "document": {
                "number": "P-0000-0001",
                "date": _day(timezone.localdate()),
                "title": _("Sample proposal"),
                "valid_until": _day(timezone.localdate()),
                "subtotal": _money(subtotal),
                "discount": _money(subtotal - total),
                "has_discount": True,
                "total": _money(total),
                "currency": "RUB",
                "message": _("A message to the client."),
            },
            "client": {key: f"[client.{key}]" for key in FIELDS["client"]},
            "contact": {key: f"[contact.{key}]" for key in FIELDS["contact"]},
            "seller": {
                **_party(seller),
                "name": seller.legal_name or company_name(),
                "signatory": seller.signatory,
            },
            "owner": {"name": "[owner.name]", "email": "[owner.email]"},
            "segment": {"name": "[segment.name]"},
            "lines": lines,
            "skus": [line["sku"] for line in lines],
            "answers": {},
        }


GENERATED = (
    DocumentTemplate.Kind.CONTRACT,
    DocumentTemplate.Kind.INVOICE,
    DocumentTemplate.Kind.ACT,
    DocumentTemplate.Kind.DELIVERY_NOTE,
    DocumentTemplate.Kind.PROPOSAL,
)


@transaction.atomic
def kinds_check(kinds: list[str]) -> list[str]:
    """The documents asked for, each once, in the order asked; refused when none or one is
    not a document that is made."""
    if not kinds or any(kind not in GENERATED for kind in kinds):
        raise ValidationError({"kinds": [_("Choose the documents to make.")]})
    return list(dict.fromkeys(kinds))


def documents_make(
    *,
    actor: User,
    proposal: Proposal,
    kinds: list[str],
    each: Callable[[Document, bytes], None] | None = None,
) -> list[Document]:
    """The documents of a proposal (a contract, an invoice, an act, a delivery note, the
    proposal itself), each from its segment's template in the proposal's language, kept as
    a PDF: numbered per kind and year the first time, a new version under the same number
    after. `each(document, pdf)` is called as each one is kept."""
    kinds = kinds_check(kinds)
    # the same values, lines table and day for every kind: only the number differs
    values = _with_blocks(_proposal_values(proposal), proposal.language, proposal.number)
    with translation.override(proposal.language):
        today = _day(timezone.localdate())
    made = []
    for kind in kinds:
        previous = Document.objects.filter(proposal=proposal, kind=kind).order_by("-version")
        last = previous.first()
        if last is not None:
            number, version = last.number, last.version + 1
        elif kind == DocumentTemplate.Kind.PROPOSAL:
            number, version = proposal.number, 1
        else:
            number, version = document_number(kind), 1
        context = {**values, "document": {**values["document"], "number": number, "date": today}}
        name, body = template_for(kind, proposal.segment_id, proposal.language)
        try:
            html = render_html(body, context, proposal.language)
        except ValidationError as error:
            raise ValidationError(
                {
                    "kinds": [
                        _("The template “%(name)s” cannot be filled: %(problem)s")
                        % {"name": name, "problem": problem}
                        for problem in error.messages
                    ]
                }
            ) from None
        pdf, pages = html_to_pdf_pages(html)
        row = Document(
            pages=pages,
            kind=kind,
            number=number,
            version=version,
            proposal=proposal,
            deal=proposal.deal,
            contact=proposal.contact,
            company=proposal.company,
            language=proposal.language,
            sha256=hashlib.sha256(pdf).hexdigest(),
            created_by=actor,
        )
        row.file.save(f"{number}.pdf", ContentFile(pdf), save=False)
        row.save()
        made.append(row)
        if each is not None:
            each(row, pdf)
    return made


def documents_of(**record: Any) -> QuerySet[Document]:
    """A record's documents (`proposal=`, `deal=`, `company=` or `contact=`), newest first."""
    return Document.objects.filter(**record).select_related("created_by")
