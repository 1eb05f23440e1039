"""The TISS lot receiver: one file in, a protocol or a list of errors out.

Checks run in a real payer's order and stop at the first failing step:

1. size limit (before parsing), well-formed, no DTD/entities, valid against the
   XSD of its ``Padrao`` ............................................. 5002
2. sender is a registered (1206 code / 5005 CNPJ-CPF) and active (1207) provider,
   and the one the uploader acts for
3. destination ``registroANS`` (and each guide's) is ours ............... 5006
4. epilogue hash, UTF-8 or ISO-8859-1 reading ......................... 5014
5. one guide type, at most ``max_guides_per_lot`` (≤ 100) guides ....... 5015
6. same provider's ``numeroLote`` not already received (not cancelled),
   nor in the lot builder's number space (services.lots) ............. 1308
7. per-guide occurrences, the lot builder's rules (models.rules.guide_checks)
8. the adjudication rules acting at intake (``services.adjudication``): glosas, not refusals

Step 1 and the reading of the file (its guides, its hash) need no database
(``read_file``); steps 2–7 and the writes do (``record``): the CLI reads files in
parallel processes and records them in one.

A file that passes is stored in one transaction (the lot through ``services.lots.open_lot``
with a protocol from the database sequence, then its guides and items); values above the
price table (1705) and whatever the adjudication rules glose at intake are accepted and answered as
per-guide glosas. A file that fails
leaves no lot, guide or item row — only its TissSubmission history row.
"""
from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import selectinload

from models import (
    Beneficiary,
    Glosa,
    Guide,
    GuideItem,
    Lot,
    PayerSettings,
    PriceTable,
    PriceTableItem,
    Professional,
    Provider,
    ServiceLocation,
    TissSubmission,
)
from models.audit import record_event
from models.base import db, to_money, utcnow
from models.chunk_memo import once
from models.enums import GuideStatus, LotSource, LotStatus, ProviderStatus, TaxIdKind, TissChannel
from models.rules.guide_checks import GuideFacts, guide_occurrences
from models.values import Competence
from services import bulk_sql, storage
from services.adjudication.codes import glosa_code_row
from services.adjudication.intake import IntakeFacts, adjudicate_lot, lot_received
from services.lots import (
    ZERO,
    LotError,
    attach_guides,
    is_builder_lot_number,
    max_guides_per_lot,
    open_lot,
)
from services.pricing import prices_for_competence
from services.tiss import hashing, schemas, xmlsafe
from services.tiss import message as reader
from services.tiss.codes import GUIDE_ELEMENTS
from services.tiss.errors import TissError, TissRefused

STORAGE_KIND = "tiss"
SUPPORTED_TRANSACTION = "ENVIO_LOTE_GUIAS"
# Occurrences the adjudication engine answers as glosas (the contracted-price rule) instead of refusing.
GLOSA_ONLY = {"1705"}


@dataclass
class Intake:
    """What happened to one received file."""

    filename: str
    size: int
    accepted: bool = False
    errors: list[TissError] = field(default_factory=list)
    glosas: list[dict] = field(default_factory=list)
    hash_encoding: str | None = None
    version: str | None = None
    lot_number: str | None = None
    provider: Provider | None = None
    lot: Lot | None = None
    submission: TissSubmission | None = None
    # Plain copies taken before the commit (reading them from the rows afterwards would reload them)
    protocol: int | None = None
    total: Decimal | None = None
    submission_id: int | None = None

    def as_json(self) -> dict:
        out = {"file": self.filename, "accepted": self.accepted}
        if self.accepted:
            out["protocol"] = self.protocol
            out["lot"] = self.lot_number
            out["total"] = str(self.total)
            out["hash_encoding"] = self.hash_encoding
            if self.glosas:
                out["glosas"] = self.glosas
        else:
            out["errors"] = [e.as_dict() for e in self.errors]
        if self.submission_id is not None:
            out["submission"] = self.submission_id
        return out


class _Failed(Exception):
    def __init__(self, errors: list[TissError]):
        self.errors = errors


# Reading (no database) ---------------------------------------------------------------
@dataclass
class GuideRef:
    """A guiasTISS child as the checks before the guides are read need it."""

    tag: str
    number: str | None
    registro_ans: str | None
    element: str


@dataclass
class ReadFile:
    """A received file as read without the database: stored, parsed, validated, hashed, its guides read.

    Plain data only (picklable): the CLI reads files in worker processes and
    leaves the database checks and writes, in file order, to one process.
    ``errors`` set means the file is refused whole (5002) before any database check.
    """

    filename: str
    size: int
    sha256: str
    stored_name: str
    version: str | None = None
    header: reader.LotMessage | None = None
    refs: list[GuideRef] = field(default_factory=list)
    hash_encoding: str | None = None
    hash_error: TissError | None = None
    guides: list[reader.GuideData] = field(default_factory=list)
    errors: list[TissError] = field(default_factory=list)


def read_file(data: bytes, filename: str, max_bytes: int | None = None,
              stored: storage.StoredFile | None = None) -> ReadFile:
    """Step 1 (size, well-formedness, DTD, schema) and the reading the later steps need; a bad file
    comes back with ``errors``, it does not raise. ``stored``: the file is kept already (a bulk
    intake stores what it receives before queueing it)."""
    limit = max_bytes or current_app.config.get("TISS_MAX_XML_BYTES", xmlsafe.DEFAULT_MAX_BYTES)
    filename = (filename or "lote.xml").replace("\\", "/").rsplit("/", 1)[-1][:255] or "lote.xml"
    if stored is not None:
        file = ReadFile(filename, len(data), stored.sha256, stored.stored_name)
    elif len(data) > limit:
        digest = hashlib.sha256(data).hexdigest()
        file = ReadFile(filename, len(data), digest, f"discarded-{digest[:16]}-{secrets.token_hex(8)}")
    else:
        stored = storage.save(data, STORAGE_KIND, ".xml")
        file = ReadFile(filename, len(data), stored.sha256, stored.stored_name)
    try:
        _read(file, data, limit)
    except TissRefused as refused:
        file.errors = [refused.error]
    except _Failed as failed:
        file.errors = failed.errors
    return file


def read_tree(root, filename: str, size: int) -> ReadFile:
    """``read_file`` for a message another channel parsed already (the web service's lot, as a
    mensagemTISS tree); nothing is stored yet: ``keep`` stores the file once its sender is known."""
    file = ReadFile(filename, size, "", "")
    try:
        _read_root(file, root)
    except TissRefused as refused:
        file.errors = [refused.error]
    except _Failed as failed:
        file.errors = failed.errors
    return file


def keep(file: ReadFile, data: bytes) -> None:
    """Store ``data`` as the received file of ``file`` (read by ``read_tree``)."""
    stored = storage.save(data, STORAGE_KIND, ".xml")
    file.sha256, file.stored_name = stored.sha256, stored.stored_name


def _read(file: ReadFile, data: bytes, limit: int) -> None:
    compact = hashing.plain_leaves(data)
    _read_root(file, xmlsafe.parse(data, limit, compact=compact), compact=compact)


def _read_root(file: ReadFile, root, *, compact: bool = False) -> None:
    file.version = reader.version_of(root)
    schema = schemas.load_schema(file.version or "")
    problems = schemas.validate(root, schema, max_guides=100)
    header = file.header = reader.read_header(root)
    file.refs = _guide_refs(header)
    if problems:
        raise _Failed([
            TissError("5002", _("Not valid against the TISS %(version)s schema: %(error)s",
                                version=file.version, error=message),
                      guide=file.refs[position - 1].number if position and position <= len(file.refs) else None,
                      element=path)
            for message, path, position in problems
        ])
    if header.transaction != SUPPORTED_TRANSACTION or root.find(
            f"{reader.Q}prestadorParaOperadora/{reader.Q}loteGuias") is None:
        raise _Failed([TissError("5002", _("Only %(kind)s messages (lots of guides) are received here.",
                                           kind=SUPPORTED_TRANSACTION),
                                 element="/mensagemTISS/cabecalho/identificacaoTransacao/tipoTransacao")])
    try:
        file.hash_encoding = hashing.matching_reading(root, compact=compact)
    except hashing.HashError:
        file.hash_error = TissError("5014", _("The message has more than one hash element."),
                                    element="/mensagemTISS/epilogo/hash")
    else:
        if file.hash_encoding is None:
            file.hash_error = TissError(
                "5014", _("The hash does not match the content (read as UTF-8 or ISO-8859-1)."),
                element="/mensagemTISS/epilogo/hash")
    tags = {ref.tag for ref in file.refs}
    if len(tags) == 1 and tags <= GUIDE_ELEMENTS.keys() and len(file.refs) <= 100:
        file.guides = reader.read_guides(header)
    header.root, header.guide_elements = None, []  # lxml objects stay in this process


def _guide_refs(header: reader.LotMessage) -> list[GuideRef]:
    tags = [etree.QName(node).localname for node in header.guide_elements]
    counts, seen = Counter(tags), Counter()
    refs = []
    for tag, node in zip(tags, header.guide_elements):
        seen[tag] += 1
        refs.append(GuideRef(
            tag=tag, number=_number_of(node),
            registro_ans=(reader.text(node, "cabecalhoConsulta/registroANS")
                          or reader.text(node, "cabecalhoGuia/registroANS")),
            element=reader.indexed(f"{reader.GUIDES_PATH}/{tag}", seen[tag], counts[tag])))
    return refs


# Checking and storing (database) ------------------------------------------------------
def receive(data: bytes, filename: str, *, actor=None, provider_id: int | None = None,
            today: date | None = None, max_bytes: int | None = None) -> Intake:
    """Check and store one file; always commits exactly one TissSubmission row.

    ``provider_id`` is the provider the sender acts for (a provider user's
    active provider, or the CLI's ``--provider``): the file must be that
    provider's. Staff uploads pass None and any registered provider is accepted.
    """
    return record(read_file(data, filename, max_bytes), actor=actor, provider_id=provider_id, today=today)


def record(file: ReadFile, *, actor=None, provider_id: int | None = None, today: date | None = None,
           channel: TissChannel = TissChannel.UPLOAD, service: str | None = None,
           element_path: Callable[[str], str] | None = None) -> Intake:
    """Steps 2–7 for a file ``read_file`` read, then the history row; one commit.

    ``channel`` (and the web ``service``) are written on the history row; ``element_path``
    rewrites the elements the errors name (the web service names them in its own message).
    """
    intake = record_uncommitted(file, actor=actor, provider_id=provider_id, today=today, channel=channel,
                                service=service, element_path=element_path)
    db.session.commit()
    return intake


def record_uncommitted(file: ReadFile, *, actor=None, provider_id: int | None = None, today: date | None = None,
                       channel: TissChannel = TissChannel.UPLOAD, service: str | None = None,
                       element_path: Callable[[str], str] | None = None, job_id: int | None = None) -> Intake:
    """``record`` without the commit: a bulk intake (``job_id``) commits several files at once.

    The checks and the lot's rows run in a savepoint: a refused file leaves nothing but its
    history row, and files recorded before it in the same transaction stay.
    """
    intake = Intake(filename=file.filename, size=file.size, version=file.version,
                    lot_number=file.header.lot_number if file.header else None,
                    hash_encoding=file.hash_encoding)
    savepoint = db.session.begin_nested()
    try:
        if file.errors:
            raise _Failed(file.errors)
        _check_and_store(intake, file, actor=actor, provider_id=provider_id, today=today or date.today())
        intake.accepted = True
    except _Failed as failed:
        intake.errors = failed.errors
    if not intake.accepted:
        savepoint.rollback()
        intake.lot = intake.protocol = intake.total = intake.hash_encoding = None
        intake.glosas = []
    owner = provider_id or (intake.provider.id if intake.provider is not None else None)
    submission = TissSubmission(
        provider_id=owner,
        uploaded_by_id=getattr(actor, "id", None),
        filename=file.filename,
        size=file.size,
        sha256=file.sha256,
        stored_name=file.stored_name[:64],
        tiss_version=(intake.version or None) and intake.version[:10],
        lot_number=(intake.lot_number or None) and intake.lot_number[:12],
        accepted=intake.accepted,
        protocol_number=intake.protocol,
        lot_id=intake.lot.id if intake.lot is not None else None,
        hash_encoding=intake.hash_encoding,
        errors=_entries(intake, element_path),
        channel=channel,
        service=service,
        job_id=job_id,
    )
    db.session.add(submission)
    if intake.accepted:  # the history row joins the lot's last rows: one flush, one audit insert
        savepoint.commit()
    db.session.flush()
    intake.submission, intake.submission_id = submission, submission.id
    return intake


def _entries(intake: Intake, element_path: Callable[[str], str] | None) -> list[dict] | None:
    """The errors (refused) or glosas (accepted) the history row keeps."""
    entries = [e.as_dict() for e in intake.errors] if not intake.accepted else (intake.glosas or None)
    if element_path is not None:
        for entry in entries or ():
            if entry.get("element"):
                entry["element"] = element_path(entry["element"])
    return entries


def _check_and_store(intake: Intake, file: ReadFile, *, actor, provider_id, today: date) -> None:
    header = file.header
    # 2. 1206/1207/5005: a registered, active provider (the one the sender acts for)
    provider = _sender(header, provider_id)
    intake.provider = provider

    # 3. 5006: our registroANS
    payer = PayerSettings.current()
    ours = (payer.ans_registry or "").strip() if payer else ""
    if not ours or header.registro_ans != ours:
        raise _Failed([TissError("5006", _("The destination registroANS %(value)s is not this payer's.",
                                           value=header.registro_ans or "-"),
                                 element="/mensagemTISS/cabecalho/destino/registroANS")])
    errors = [TissError("5006", _("The guide's registroANS %(value)s is not this payer's.", value=ref.registro_ans),
                        guide=ref.number, element=ref.element)
              for ref in file.refs if ref.registro_ans is not None and ref.registro_ans != ours]
    if errors:
        raise _Failed(errors)

    # 4. 5014: the epilogue hash (computed while reading)
    if file.hash_error is not None:
        raise _Failed([file.hash_error])

    # 5. 5015: one guide type, not too many guides
    tags = [ref.tag for ref in file.refs]
    kinds = sorted(set(tags))
    maximum = min(100, max_guides_per_lot(payer))
    if len(kinds) > 1:
        raise _Failed([TissError("5015", _("A lot must hold guides of one type; this one mixes %(types)s.",
                                           types=", ".join(kinds)),
                                 element="/mensagemTISS/prestadorParaOperadora/loteGuias/guiasTISS")])
    if len(tags) > maximum:
        raise _Failed([TissError("5015", _("The lot has %(count)s guides; at most %(max)s are accepted.",
                                           count=len(tags), max=maximum),
                                 element="/mensagemTISS/prestadorParaOperadora/loteGuias/guiasTISS")])
    if kinds and kinds[0] not in GUIDE_ELEMENTS:
        raise _Failed([TissError("5015", _("Lots of %(type)s are not received here (Consulta, SP/SADT and "
                                           "Honorários only).", type=kinds[0]),
                                 element="/mensagemTISS/prestadorParaOperadora/loteGuias/guiasTISS")])

    # 6. 1308: the same provider's lot number already received, or one of the lot builder's numbers
    if is_builder_lot_number(header.lot_number):
        raise _Failed([TissError("1308", str(LotError.MESSAGES["reserved_number"]),
                                 element="/mensagemTISS/prestadorParaOperadora/loteGuias/numeroLote")])
    clash = db.session.scalar(sa.select(Lot.protocol_number).where(
        Lot.provider_id == provider.id, Lot.number == header.lot_number, Lot.status != LotStatus.CANCELLED).limit(1))
    if clash is not None:
        raise _Failed([TissError("1308", _("Lot %(number)s was already received (protocol %(protocol)s).",
                                           number=header.lot_number, protocol=clash),
                                 element="/mensagemTISS/prestadorParaOperadora/loteGuias/numeroLote")])

    # 7. per-guide occurrences, then store
    plan = _guide_checks(provider, file.guides, today)
    if plan.errors:
        raise _Failed(plan.errors)
    try:
        intake.lot = _store(provider, header, plan, actor)
    except LotError as exc:
        raise _Failed([TissError("1308", exc.message,
                                 element="/mensagemTISS/prestadorParaOperadora/loteGuias")]) from exc
    except sa_exc.IntegrityError as exc:  # the savepoint of record_uncommitted is rolled back
        raise _Failed([TissError("1308", _("The lot or one of its guides was received at the same time by "
                                           "another upload."),
                                 element="/mensagemTISS/prestadorParaOperadora/loteGuias")]) from exc
    intake.protocol, intake.total = intake.lot.protocol_number, intake.lot.total_amount
    intake.glosas = plan.glosa_dicts()


# Sender -----------------------------------------------------------------------------
def provider_named(kind: str | None, value: str | None) -> Provider | None:
    """The registered provider a message's ``origem/identificacaoPrestador`` names (CNPJ, CPF or
    codigoPrestadorNaOperadora), whatever its status."""
    value = (value or "").strip()
    return once(("provider_named", kind, value), lambda: _provider_named(kind, value))


def _provider_named(kind: str | None, value: str) -> Provider | None:
    query = sa.select(Provider)
    if kind == "CNPJ":
        query = query.where(Provider.tax_id_kind == TaxIdKind.CNPJ, Provider.tax_id == value)
    elif kind == "CPF":
        query = query.where(Provider.tax_id_kind == TaxIdKind.CPF, Provider.tax_id == value)
    else:
        query = query.where(Provider.provider_number == value)
    return db.session.scalar(query.limit(1))


def _sender(header: reader.LotMessage, provider_id: int | None) -> Provider:
    kind, value = header.sender_kind, (header.sender_value or "").strip()
    element = f"/mensagemTISS/cabecalho/origem/identificacaoPrestador/{kind or 'codigoPrestadorNaOperadora'}"
    provider = provider_named(kind, value)
    if provider is None:
        if kind in ("CNPJ", "CPF"):
            raise _Failed([TissError("5005", _("No registered provider has %(kind)s %(value)s.",
                                               kind=kind, value=value), element=element)])
        raise _Failed([TissError("1206", _("No registered provider has the code %(value)s.", value=value),
                                 element=element)])
    if provider_id is not None and provider.id != provider_id:
        raise _Failed([TissError("1206", _("The file identifies another provider than the one you send for."),
                                 element=element)])
    if provider.status != ProviderStatus.ACTIVE:
        raise _Failed([TissError("1207", _("The provider %(value)s is not active (%(status)s).",
                                           value=value, status=provider.status.label), element=element)])
    return provider


def _number_of(node) -> str | None:
    return (reader.text(node, "cabecalhoConsulta/numeroGuiaPrestador")
            or reader.text(node, "cabecalhoGuia/numeroGuiaPrestador"))


# Per-guide checks ---------------------------------------------------------------------
_GUIDE_FIELDS = {
    "number": {"guiaConsulta": "cabecalhoConsulta/numeroGuiaPrestador", None: "cabecalhoGuia/numeroGuiaPrestador"},
    "beneficiary": {"guiaHonorarios": "beneficiario/numeroCarteira", None: "dadosBeneficiario/numeroCarteira"},
    "authorization_valid_to": {"guiaSP-SADT": "dadosAutorizacao/dataValidadeSenha", None: ""},
    "execution_date": {"guiaConsulta": "dadosAtendimento/dataAtendimento",
                       "guiaHonorarios": "dadosInternacao/dataInicioFaturamento", None: ""},
}
_ITEM_FIELDS = {"code": "codigoProcedimento", "quantity": "quantidadeExecutada", "unit_price": "valorUnitario",
                "total": "valorTotal"}


def _element_for(guide: reader.GuideData, occurrence) -> str:
    tag = guide.element.rsplit("/", 1)[-1].split("[", 1)[0]
    if occurrence.item is not None and occurrence.item < len(guide.items):
        item = guide.items[occurrence.item]
        child = _ITEM_FIELDS.get(occurrence.field or "", "")
        flat = item.element.endswith(("/procedimento", "/servicosExecutados"))
        if child == "codigoProcedimento" and not flat:
            child = "procedimento/codigoProcedimento"
        if tag == "guiaConsulta" and child in ("valorUnitario", "valorTotal"):
            child = "valorProcedimento"
        if tag == "guiaConsulta" and child == "quantidadeExecutada":
            child = ""
        return f"{item.element}/{child}" if child else item.element
    paths = _GUIDE_FIELDS.get(occurrence.field or "")
    if paths:
        child = paths.get(tag, paths[None])
        return f"{guide.element}/{child}" if child else guide.element
    return guide.element


@dataclass
class _Plan:
    guides: list[reader.GuideData]
    beneficiaries: dict[str, tuple[int, bool]]   # card number → (id, active)
    existing: dict[str, Guide]
    catalogue: dict[str, tuple[int, str]]
    competence: str
    errors: list[TissError] = field(default_factory=list)
    glosas: list[tuple[reader.GuideData, int, Decimal, TissError, object]] = field(default_factory=list)

    def glosa_dicts(self) -> list[dict]:
        return [{**error.as_dict(), "amount": str(amount), "rule": finding.rule}
                for _g, _i, amount, error, finding in self.glosas]


def _competence(day: date | None, today: date) -> str:
    return str(Competence.of(day or today))


def _guide_checks(provider: Provider, guides: list[reader.GuideData], today: date) -> _Plan:
    cards = {g.card_number for g in guides}
    numbers = [g.number for g in guides]
    beneficiaries = {card: (row_id, bool(active)) for card, row_id, active in db.session.execute(
        sa.select(Beneficiary.card_number, Beneficiary.id, Beneficiary.active)
        .where(bulk_sql.any_of(Beneficiary.card_number, cards)))} if cards else {}
    existing = {g.number: g for g in db.session.scalars(
        sa.select(Guide).where(Guide.provider_id == provider.id, bulk_sql.any_of(Guide.number, numbers))
        .options(selectinload(Guide.items)))} if numbers else {}
    catalogue = once(("catalogue", provider.id), lambda: _catalogue(provider.id))
    dates = [g.execution_date or g.emission_date for g in guides if (g.execution_date or g.emission_date)]
    plan = _Plan(guides=guides, beneficiaries=beneficiaries, existing=existing, catalogue=catalogue,
                 competence=_competence(max(dates) if dates else None, today))
    prices: dict[str, dict] = {}
    tables: dict[int, dict] = {}
    seen: Counter = Counter()
    for guide in guides:
        seen[guide.number] += 1
        competence = _competence(guide.execution_date or guide.emission_date, today)
        table = prices.get(competence)
        if table is None:
            table = prices[competence] = prices_for_competence(provider.id, competence)
        tables[guide.index] = table
        beneficiary = beneficiaries.get(guide.card_number)
        current = existing.get(guide.number)
        facts = GuideFacts(
            number=guide.number,
            guide_type=guide.guide_type.value,
            status=current.status.value if current is not None else GuideStatus.AUTHORIZED.value,
            beneficiary_known=beneficiary is not None and beneficiary[1],
            authorization_valid_to=guide.authorization_valid_to,
            execution_date=guide.execution_date,
            items=tuple(guide.items),  # ItemData has ItemFacts' fields (its kind a str enum): no copy per item
        )
        occurrences = guide_occurrences(
            facts, competence=competence, today=today, prices=table,
            in_active_lot=current is not None and current.lot_id is not None, duplicate=seen[guide.number] > 1,
        )
        plan.errors.extend(
            TissError(occurrence.code, str(occurrence.message), guide=guide.number,
                      element=_element_for(guide, occurrence))
            for occurrence in occurrences if occurrence.code not in GLOSA_ONLY)
    if not plan.errors:
        by_number = {guide.number: guide for guide in guides}
        for finding in adjudicate_lot(IntakeFacts(provider.id, guides, {c: b[0] for c, b in beneficiaries.items()},
                                                  tables)):
            guide = by_number[finding.guide]
            error = TissError(finding.code, finding.message, guide=guide.number,
                              element=_element_for(guide, _ItemField(finding.item)))
            plan.glosas.append((guide, finding.item, finding.amount, error, finding))
    return plan


@dataclass(frozen=True)
class _ItemField:
    """Where a finding points: its item's procedure code."""

    item: int
    field: str = "code"


def _catalogue(provider_id: int) -> dict[str, tuple[int, str]]:
    """Code → (price table item, description) of the general tables and the provider's (which win)."""
    catalogue = {}
    for code, item_id, description, _owner in db.session.execute(
        sa.select(PriceTableItem.code, PriceTableItem.id, PriceTableItem.description, PriceTable.provider_id)
        .join(PriceTable, PriceTable.id == PriceTableItem.price_table_id)
        .where(sa.or_(PriceTable.provider_id == provider_id, PriceTable.provider_id.is_(None)))
        .order_by(PriceTable.provider_id.is_(None).desc(), PriceTable.valid_from)
    ):
        catalogue[code] = (item_id, description)
    return catalogue


# Storing ---------------------------------------------------------------------------
def _professionals(provider: Provider, guides: list[reader.GuideData]) -> dict[tuple, Professional]:
    """(council, number, state) → the professional, registered now when new. Those read from the database
    are kept for the chunk (rows created here are not: a refused file's savepoint takes them back)."""
    wanted = {(p.council, p.council_number, p.state): p for g in guides if (p := g.professional) and p.council_number}
    if not wanted:
        return {}
    known: dict[tuple, Professional] = once(("professionals",), dict)
    missing = {key[1] for key in wanted if key not in known}
    if missing:
        known.update({(p.council, p.council_number, p.council_state): p for p in db.session.scalars(
            sa.select(Professional).where(bulk_sql.any_of(Professional.council_number, missing)))})
    found = {key: known[key] for key in wanted if key in known}
    for key, data in wanted.items():
        if key not in found:
            found[key] = Professional(provider_id=provider.id, name=(data.name or f"{key[0]} {key[1]}")[:120],
                                      council=key[0][:10], council_number=key[1][:15], council_state=key[2][:2],
                                      cbo=(data.cbo or None) and data.cbo[:6])
            db.session.add(found[key])
    return found


def _audit_received(lot: Lot, guide_ids: dict[int, int], plan: _Plan, item_count: int) -> None:
    """One audit event for the guides and items a file brought in (not one row per created row).

    The received file itself is kept (history, downloadable): it is the full
    record of every value; the event names the lot's guides (number → id) so
    each guide's origin is found from the audit log.
    """
    record_event("lot", lot.id, "guides_received", number=lot.number, protocol=lot.protocol_number,
                 guides={guide.number: guide_ids[guide.index] for guide in plan.guides}, items=item_count,
                 total=lot.total_amount)


def _insert_guides(lot: Lot, rows: list[dict]) -> dict[str, int]:
    """Insert new guides of ``lot`` (one COPY on PostgreSQL, else one executemany); their ids by guide number."""
    if rows and bulk_sql.is_postgresql():
        bulk_sql.copy_rows(Guide.__table__, rows)
    elif rows:
        db.session.execute(sa.insert(Guide.__table__), rows)
    return dict(db.session.execute(sa.select(Guide.number, Guide.id).where(Guide.lot_id == lot.id)).all())


def _insert_items(rows: list[dict], *, want_ids: bool) -> list[int]:
    """Insert items of guides that hold no other item (one COPY on PostgreSQL, else one executemany);
    with ``want_ids``, their ids in the order of ``rows`` (only glosas need them: the common case skips
    the query on SQLite).

    COPY and executemany insert the rows one after the other, so within a guide
    the new ids ascend in the order of ``rows``. (Plain executemany is the fastest
    bulk path on both drivers; ``INSERT … RETURNING`` over many rows costs one
    statement per row on SQLite when asked to keep the order, and twice the
    time of executemany with psycopg.)
    """
    if not rows:
        return []
    if bulk_sql.is_postgresql():
        bulk_sql.copy_rows(GuideItem.__table__, rows)
    else:
        db.session.execute(sa.insert(GuideItem.__table__), rows)
    if not want_ids:
        return []
    new_ids: dict[int, list[int]] = {}
    for item_id, guide_id in db.session.execute(
            sa.select(GuideItem.id, GuideItem.guide_id)
            .where(bulk_sql.any_of(GuideItem.guide_id, {row["guide_id"] for row in rows})).order_by(GuideItem.id)):
        new_ids.setdefault(guide_id, []).append(item_id)
    if sum(map(len, new_ids.values())) != len(rows):
        raise RuntimeError("guide items: the guides hold other items than the ones just inserted")
    queues = {guide_id: iter(ids) for guide_id, ids in new_ids.items()}
    return [next(queues[row["guide_id"]]) for row in rows]


def _item_values(item: reader.ItemData, catalogue: dict[str, tuple[int, str]]) -> dict:
    known = catalogue.get(item.code)
    return {
        "kind": item.kind, "code": item.code[:10],
        "description": (item.description or (known[1] if known else item.code))[:200],
        "execution_date": item.execution_date, "quantity": item.quantity,
        "unit_price": to_money(item.unit_price), "total_amount": to_money(item.total),
        "price_table_item_id": known[0] if known else None,
    }


def _store(provider: Provider, header: reader.LotMessage, plan: _Plan, actor) -> Lot:
    """The lot, then its guides and items with bulk inserts (a 100-guide lot is ~600 rows).

    The lot row comes first (protocol, numeroLote check), so new guides are
    inserted already in it: their rows are new in this transaction, no other
    lot can hold them, and a concurrent upload of the same guide number fails
    on the (provider, number) unique key. Guides the provider registered before
    (never in an active lot) are refreshed and attached by ``attach_guides``,
    where the database decides. One audit event names the guides the file brought in.
    """
    professionals = _professionals(provider, plan.guides)
    locations = once(("locations", provider.id), lambda: {cnes: row_id for cnes, row_id in db.session.execute(
        sa.select(ServiceLocation.cnes, ServiceLocation.id).where(ServiceLocation.provider_id == provider.id)) if cnes})
    items_of = {guide.index: [_item_values(item, plan.catalogue) for item in guide.items] for guide in plan.guides}
    totals = {index: sum((row["total_amount"] for row in rows), ZERO) for index, rows in items_of.items()}
    lot = open_lot(provider, guide_type=plan.guides[0].guide_type if plan.guides else None,
                   guide_count=len(plan.guides), competence=plan.competence, actor=actor, source=LotSource.XML,
                   number=header.lot_number, total=sum(totals.values(), ZERO), number_checked=True)
    now = utcnow()
    guide_ids: dict[int, int] = {}
    new_guides: list[tuple[int, dict]] = []
    for guide in plan.guides:
        professional = (professionals.get((guide.professional.council, guide.professional.council_number,
                                           guide.professional.state)) if guide.professional else None)
        values = {
            "guide_type": guide.guide_type, "operator_number": guide.operator_number,
            "authorization_number": guide.authorization_number, "authorization_date": guide.authorization_date,
            "authorization_valid_to": guide.authorization_valid_to,
            "beneficiary_id": plan.beneficiaries[guide.card_number][0], "emission_date": guide.emission_date,
            "execution_date": guide.execution_date, "execution_time": guide.execution_time,
            "professional_id": professional.id if professional else None,
            "location_id": locations.get(guide.cnes), "total_amount": totals[guide.index],
        }
        row = plan.existing.get(guide.number)
        if row is not None:  # a guide the provider registered before (never in an active lot): refresh it
            row.items.clear()
            for key, value in values.items():
                setattr(row, key, value)
            guide_ids[guide.index] = row.id
        else:
            new_guides.append((guide.index, {
                "provider_id": provider.id, "number": guide.number, "status": GuideStatus.AUTHORIZED,
                "lot_id": lot.id, "version_id": 1, "created_at": now, "updated_at": now, **values}))
    if guide_ids:
        db.session.flush()
        attach_guides(lot, list(guide_ids.values()))
    rows = [values for _index, values in new_guides]
    id_of_number = _insert_guides(lot, rows)
    guide_ids.update({index: id_of_number[values["number"]] for index, values in new_guides})

    item_rows, item_keys = [], []
    for guide in plan.guides:
        for position, values in enumerate(items_of[guide.index]):
            values["guide_id"] = guide_ids[guide.index]
            item_rows.append(values)
            item_keys.append((guide.index, position))
    item_id_of = dict(zip(item_keys, _insert_items(item_rows, want_ids=bool(plan.glosas))))
    _audit_received(lot, guide_ids, plan, len(item_rows))

    applied = []
    for guide, index, amount, error, finding in plan.glosas:
        glosa = Glosa(provider_id=provider.id, lot_id=lot.id, guide_id=guide_ids[guide.index],
                      guide_item_id=item_id_of[(guide.index, index)],
                      code_id=glosa_code_row(finding.payer_code or error.code).id, amount=amount, reason=error.message)
        db.session.add(glosa)
        applied.append((finding, glosa))
    db.session.flush()
    lot_received(lot, [(finding, glosa.guide_id, glosa.guide_item_id, glosa.id) for finding, glosa in applied])
    return lot
