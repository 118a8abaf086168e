"""What the demo workshop sells: its concept catalog, prices in the branch's
currency and the lines of a repair order.

Prices are kept in a reference unit (roughly US dollars) and converted with
the branch's currency; Argentine prices also carry the year's inflation, so
an order of eleven months ago costs visibly less than today's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

# Per reference unit today, and how much lower prices were a year ago.
_CURRENCY = {"ARS": (1450, 0.25, 100), "MXN": (18.5, 0.04, 10)}  # rate, yearly inflation, rounding


@dataclass(frozen=True)
class ConceptSpec:
    code: str
    ar: str
    mx: str
    kind: str  # labour | part | other
    price: float  # reference units, for one unit of quantity


_BASE_CONCEPTS = (
    ConceptSpec("ACE-5W30", "Aceite sintético 5W-30 (litro)", "Aceite sintético 5W-30 (litro)", "part", 11),
    ConceptSpec("FIL-ACE", "Filtro de aceite", "Filtro de aceite", "part", 12),
    ConceptSpec("FIL-AIRE", "Filtro de aire de motor", "Filtro de aire de motor", "part", 18),
    ConceptSpec("FIL-HAB", "Filtro de habitáculo", "Filtro de cabina", "part", 20),
    ConceptSpec("BUJ", "Bujías (juego)", "Bujías (juego)", "part", 38),
    ConceptSpec("LIQ-FRE", "Líquido de frenos DOT 4", "Líquido de frenos DOT 4", "part", 15),
    ConceptSpec("MO-LIQ", "Cambio de líquido de frenos", "Cambio de líquido de frenos", "labour", 25),
    ConceptSpec("MO-ALB", "Alineación y balanceo", "Alineación y balanceo", "labour", 35),
    ConceptSpec("MO-ROT", "Rotación de neumáticos", "Rotación de llantas", "labour", 15),
    ConceptSpec("PAST-DEL", "Pastillas de freno delanteras", "Balatas delanteras", "part", 55),
    ConceptSpec("MO-FRE", "Cambio de pastillas de freno", "Cambio de balatas", "labour", 30),
    ConceptSpec("DISC-DEL", "Discos de freno delanteros (par)", "Discos de freno delanteros (par)", "part", 110),
    ConceptSpec("MO-DISC", "Cambio de discos de freno", "Cambio de discos de freno", "labour", 35),
    ConceptSpec("BAT", "Batería 12 V 65 Ah", "Acumulador 12 V 65 Ah", "part", 120),
    ConceptSpec("MO-AA", "Carga de gas de aire acondicionado", "Carga de gas de aire acondicionado", "labour", 55),
    ConceptSpec("ESC", "Escobillas limpiaparabrisas (par)", "Plumas limpiaparabrisas (par)", "part", 25),
    ConceptSpec("MO-INY", "Limpieza de inyectores", "Limpieza de inyectores", "labour", 45),
    ConceptSpec("DIAG", "Diagnóstico con escáner", "Diagnóstico con escáner", "labour", 30),
    ConceptSpec("AMORT", "Amortiguadores delanteros (par)", "Amortiguadores delanteros (par)", "part", 220),
    ConceptSpec("MO-AMORT", "Cambio de amortiguadores", "Cambio de amortiguadores", "labour", 60),
    ConceptSpec("DIST", "Kit de distribución", "Kit de distribución", "part", 180),
    ConceptSpec("MO-DIST", "Cambio de correa de distribución", "Cambio de banda de distribución", "labour", 120),
    ConceptSpec("EMB", "Kit de embrague", "Kit de clutch", "part", 280),
    ConceptSpec("MO-EMB", "Cambio de embrague", "Cambio de clutch", "labour", 150),
    ConceptSpec("NEU", "Neumático 205/55 R16", "Llanta 205/55 R16", "part", 110),
    ConceptSpec("BUJES", "Bujes de parrilla (par)", "Bujes de horquilla (par)", "part", 60),
    ConceptSpec("MO-TREN", "Reparación de tren delantero", "Reparación de suspensión delantera", "labour", 50),
    ConceptSpec("SONDA", "Sonda lambda", "Sensor de oxígeno", "part", 90),
    ConceptSpec("CHAPA", "Chapa y pintura: paragolpes", "Hojalatería y pintura: defensa", "labour", 260),
    ConceptSpec("GARANTIA", "Reparación en garantía", "Reparación en garantía", "labour", 0),
    ConceptSpec("CAMPANA", "Campaña de seguridad (sin cargo)", "Llamado a revisión (sin costo)", "labour", 0),
    ConceptSpec("LAVADO", "Lavado de cortesía", "Lavado de cortesía", "other", 0),
)


def _service_spec(thousands: int) -> ConceptSpec:
    """The maker's service every 10,000 km; the bigger ones (every 40,000 km) cost more."""
    cost = 70 + min(thousands, 120) * 0.5 + (40 if thousands % 40 == 0 else 0)
    return ConceptSpec(f"SRV{thousands:03d}", f"Service de {km_text('AR', thousands * 1000)}",
                       f"Servicio de {km_text('MX', thousands * 1000)}", "labour", cost)


def km_text(country: str, km: int) -> str:
    """10.000 km in Argentina, 10,000 km in Mexico."""
    digits = f"{km:,}"
    return f"{digits.replace(',', '.') if country == 'AR' else digits} km"


MAX_SERVICE = 300  # thousands of km
CONCEPTS = {c.code: c for c in (*_BASE_CONCEPTS, *(_service_spec(k) for k in range(10, MAX_SERVICE + 1, 10)))}


@dataclass(frozen=True)
class Job:
    """Work a customer authorises or declines as a whole (its lines go together)."""

    key: str
    ar: str
    mx: str
    lines: tuple[tuple[str, int], ...]  # (concept code, quantity)
    finding_ar: str = ""
    finding_mx: str = ""


EXTRA_JOBS = (
    Job("brakes", "Cambio de pastillas de freno delanteras", "Cambio de balatas delanteras",
        (("PAST-DEL", 1), ("MO-FRE", 1)), "Pastillas delanteras al 20 %: se recomienda el cambio.",
        "Balatas delanteras al 20 %: se recomienda el cambio."),
    Job("shocks", "Cambio de amortiguadores delanteros", "Cambio de amortiguadores delanteros",
        (("AMORT", 1), ("MO-AMORT", 1)), "Amortiguadores delanteros con pérdida de aceite.",
        "Amortiguadores delanteros con fuga de aceite."),
    Job("tyres", "Cambio de neumáticos delanteros", "Cambio de llantas delanteras", (("NEU", 2), ("MO-ALB", 1)),
        "Neumáticos delanteros con desgaste irregular (2,5 mm).", "Llantas delanteras con desgaste irregular."),
    Job("battery", "Cambio de batería", "Cambio de acumulador", (("BAT", 1),),
        "Batería con baja capacidad de arranque.", "Acumulador con baja capacidad de arranque."),
    Job("discs", "Cambio de discos de freno", "Cambio de discos de freno", (("DISC-DEL", 1), ("MO-DISC", 1)),
        "Discos delanteros por debajo de la medida mínima.", "Discos delanteros por debajo de la medida mínima."),
    Job("timing", "Cambio de correa de distribución", "Cambio de banda de distribución",
        (("DIST", 1), ("MO-DIST", 1)), "Correa de distribución próxima al cambio por kilometraje.",
        "Banda de distribución próxima al cambio por kilometraje."),
    Job("aircon", "Carga de aire acondicionado", "Carga de aire acondicionado", (("MO-AA", 1),),
        "Aire acondicionado con baja presión de gas.", "Aire acondicionado con baja presión de gas."),
    Job("wipers", "Cambio de escobillas", "Cambio de plumas", (("ESC", 1),),
        "Escobillas resecas.", "Plumas limpiaparabrisas resecas."),
    Job("injectors", "Limpieza de inyectores", "Limpieza de inyectores", (("MO-INY", 1),),
        "Marcha irregular en ralentí.", "Marcha irregular en ralentí."),
)

# (what the customer reports, lines)
REPAIRS = (
    Job("noise", "Ruido en tren delantero", "Ruido en suspensión delantera",
        (("DIAG", 1), ("BUJES", 1), ("MO-TREN", 1)), "Bujes de parrilla gastados.", "Bujes de horquilla gastados."),
    Job("ac", "No enfría el aire acondicionado", "No enfría el aire acondicionado", (("DIAG", 1), ("MO-AA", 1)),
        "Pérdida leve en el circuito de A/A.", "Fuga leve en el circuito de A/C."),
    Job("vibration", "Vibración al frenar", "Vibración al frenar",
        (("DISC-DEL", 1), ("MO-DISC", 1), ("PAST-DEL", 1), ("MO-FRE", 1)), "Discos alabeados.", "Discos alabeados."),
    Job("engine_light", "Testigo de motor encendido", "Luz de check engine encendida",
        (("DIAG", 1), ("SONDA", 1)), "Sonda lambda con lectura errática.", "Sensor de oxígeno con lectura errática."),
    Job("clutch", "Patina el embrague", "Patina el clutch", (("EMB", 1), ("MO-EMB", 1)),
        "Disco de embrague gastado.", "Disco de clutch gastado."),
    Job("warranty", "Garantía: pérdida de refrigerante", "Garantía: fuga de anticongelante", (("GARANTIA", 1),),
        "Bomba de agua con pérdida; se cambia en garantía.", "Bomba de agua con fuga; se cambia en garantía."),
    Job("bodywork", "Golpe en paragolpes trasero", "Golpe en defensa trasera", (("CHAPA", 1),),
        "Paragolpes trasero con fisura.", "Defensa trasera con fisura."),
    Job("battery_flat", "No arranca: batería descargada", "No arranca: acumulador descargado",
        (("DIAG", 1), ("BAT", 1)), "Batería agotada.", "Acumulador agotado."),
)


def pick(rng: random.Random, jobs: tuple[Job, ...]) -> Job:
    return rng.choice(jobs)


def service_milestone(odometer_km: int) -> int:
    """The service (in thousands of km) due at this odometer: 10, 20, … 300."""
    return min(max(round(odometer_km / 10_000), 1), MAX_SERVICE // 10) * 10


def service_name(country: str, thousands: int) -> str:
    spec = CONCEPTS[f"SRV{thousands:03d}"]
    return spec.ar if country == "AR" else spec.mx


def price(currency: str, reference: float, days_ago: int) -> Decimal:
    rate, inflation, rounding = _CURRENCY[currency]
    value = reference * rate * (1 - inflation * days_ago / 365)
    return Decimal(round(value / rounding) * rounding).quantize(Decimal("0.01"))


@dataclass
class Line:
    code: str
    description: str
    kind: str
    quantity: int
    amount: Decimal
    job: str = "service"  # which job it belongs to: the service, an extra, a repair
    incident: str = ""


class Pricer:
    """Builds lines in one branch's language and currency."""

    def __init__(self, country: str, currency: str) -> None:
        self.country = country
        self.currency = currency

    def text(self, job: Job) -> str:
        return job.ar if self.country == "AR" else job.mx

    def finding(self, job: Job) -> str:
        return job.finding_ar if self.country == "AR" else job.finding_mx

    def line(self, code: str, quantity: int, days_ago: int, factor: float, job: str = "service") -> Line:
        spec = CONCEPTS[code]
        amount = price(self.currency, spec.price * quantity * factor, days_ago)
        return Line(code, spec.ar if self.country == "AR" else spec.mx, spec.kind, quantity, amount, job)

    def service_lines(self, rng: random.Random, thousands: int, kind: str, days_ago: int) -> list[Line]:
        factor = 1.25 if kind in ("suv", "pickup") else 1.0
        oil = 7 if kind == "pickup" else 4
        codes = [(f"SRV{thousands:03d}", 1), ("ACE-5W30", oil), ("FIL-ACE", 1)]
        if thousands % 20 == 0:
            codes += [("FIL-AIRE", 1), ("FIL-HAB", 1)]
        if thousands % 40 == 0:
            codes += [("BUJ", 1), ("LIQ-FRE", 1), ("MO-LIQ", 1)]
        if rng.random() < 0.4:
            codes.append(("MO-ALB", 1))
        if rng.random() < 0.2:
            codes.append(("MO-ROT", 1))
        lines = [self.line(code, qty, days_ago, factor) for code, qty in codes]
        if rng.random() < 0.7:
            lines.append(self.line("LAVADO", 1, days_ago, 1.0))
        return lines

    def job_lines(self, job: Job, days_ago: int, kind: str) -> list[Line]:
        factor = 1.2 if kind in ("suv", "pickup") else 1.0
        lines = [self.line(code, qty, days_ago, factor, job.key) for code, qty in job.lines]
        lines[0].incident = self.finding(job)
        return lines
