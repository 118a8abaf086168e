"""What the proactive-contact procedure asks during the call that books a turno:
doubts about the vehicle's technology (a session with the specialist), a
test drive for vehicles over 30,000 km (a lead for sales), and the billing
data (tax id validated, legal name, address, e-mail) written on the customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.audit import Actor, record
from app.auth.access import Access
from app.board.forms import BookForm
from app.rules import normalise
from app.rules.contact import INVALID_EMAIL, valid_email
from app.tables import Customer, Lead, LeadKind

TEST_DRIVE_KM = 30_000
TAX_NAMES = {"AR": "CUIT", "MX": "RFC"}


@dataclass(frozen=True)
class Extras:
    tech_session: bool
    test_drive: bool
    model_of_interest: str
    billing: dict[str, Any]  # customer column → value; empty when no billing data was given


def offers_test_drive(odometer_km: int | None) -> bool:
    return (odometer_km or 0) > TEST_DRIVE_KM


def read(form: BookForm, country: str, odometer_km: int | None, errors: dict[str, str]) -> Extras:
    """The extras as typed; problems go to `errors` (checked with the rest of the form, before any write)."""
    test_drive = form.test_drive == "1" and offers_test_drive(odometer_km)
    model = form.model_of_interest.strip()[:120]
    if test_drive and not model:
        errors["model_of_interest"] = "¿Qué modelo le interesa probar?"
    billing: dict[str, Any] = {}
    typed = [form.billing_tax_id, form.billing_legal_name, form.billing_address, form.billing_email]
    if any(v.strip() for v in typed):
        billing = _billing(form, country, errors)
    return Extras(form.tech_session == "1", test_drive, model, billing)


def _billing(form: BookForm, country: str, errors: dict[str, str]) -> dict[str, Any]:
    name = TAX_NAMES.get(country, "identificación fiscal")
    values: dict[str, Any] = {}
    try:
        tax = normalise.tax_id(form.billing_tax_id, country)
    except normalise.Invalid as invalid:
        errors["billing_tax_id"] = str(invalid)
        tax = None
    if tax is None and "billing_tax_id" not in errors:
        errors["billing_tax_id"] = f"Falta el {name} para facturar."
    elif tax is not None and not (tax.valid and tax.kind in ("cuit", "rfc")):
        errors["billing_tax_id"] = f"El {name} «{form.billing_tax_id.strip()}» no es válido: revise los dígitos."
    elif tax is not None:
        values |= {"tax_id_type": tax.kind, "tax_id": tax.value, "tax_id_valid": True}
    legal_name = form.billing_legal_name.strip()
    if not legal_name:
        errors["billing_legal_name"] = "Falta el nombre o la razón social."
    elif len(legal_name) > 200:
        errors["billing_legal_name"] = "Es demasiado largo: hasta 200 caracteres."
    values["legal_name"] = legal_name[:200]
    if form.billing_address.strip():
        values["street"] = form.billing_address.strip()[:200]
    email = form.billing_email.strip().lower()
    if email and not valid_email(email):
        errors["billing_email"] = INVALID_EMAIL
    elif email:
        values["email"] = email
    return values


async def apply(access: Access, extras: Extras, row: dict[str, Any], appointment_id: int) -> list[str]:
    """Writes the leads and the billing data (inside the booking's transaction); what to tell the user."""
    said = []
    leads = []
    if extras.tech_session:
        leads.append(Lead(branch=row["branch"], kind=LeadKind.tech_session, customer=row["customer"],
                          vehicle=row["vehicle"], opportunity=row["id"], appointment=appointment_id,
                          created_by=access.user_id))
        said.append("Anotado para una sesión de tecnología con el especialista.")
    if extras.test_drive:
        leads.append(Lead(branch=row["branch"], kind=LeadKind.test_drive, customer=row["customer"],
                          vehicle=row["vehicle"], opportunity=row["id"], appointment=appointment_id,
                          model_of_interest=extras.model_of_interest, created_by=access.user_id))
        said.append(f"Prueba de manejo del {extras.model_of_interest}: va hoy en la lista para ventas.")
    if leads:
        await Lead.insert(*leads)
    if extras.billing:
        before = await Customer.select(*(getattr(Customer, k) for k in extras.billing)).where(
            Customer.id == row["customer"]).first()
        await Customer.update({**{getattr(Customer, k): v for k, v in extras.billing.items()},
                               Customer.version: Customer.version + 1}).where(Customer.id == row["customer"])
        await record(Actor.of(access), "customer.billing", entity="customer", entity_id=row["customer"],
                     branch_id=row["branch"], before={k: str(v) for k, v in (before or {}).items()},
                     after={k: str(v) for k, v in extras.billing.items()})
        said.append("Datos de facturación guardados.")
    return said
