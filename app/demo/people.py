"""Customers of the demo: Argentine and Mexican names, companies, tax ids,
phones and addresses.

Tax ids get their check digits from python-stdnum and phones are built and
checked with phonenumbers, so the demo data passes the same validation as a
real import. E-mail domains are reserved ones (RFC 2606): the outbox must
never reach a real person from demo data.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from stdnum.ar import cuit, dni
from stdnum.mx import rfc

# --- names -------------------------------------------------------------------------

AR_MEN = (
    "Juan", "Carlos", "Jorge", "Luis", "Daniel", "Roberto", "Miguel", "José", "Alejandro", "Marcelo", "Gustavo",
    "Pablo", "Diego", "Sergio", "Fernando", "Martín", "Javier", "Ricardo", "Claudio", "Hernán", "Sebastián",
    "Gabriel", "Facundo", "Matías", "Nicolás", "Federico", "Lucas", "Leandro", "Damián", "Ezequiel", "Gonzalo",
    "Mariano", "Horacio", "Rubén", "Osvaldo", "Eduardo", "Raúl", "Néstor", "Walter", "Hugo", "Fabián",
    "Cristian", "Maximiliano", "Agustín", "Tomás", "Santiago", "Ignacio", "Julián", "Emiliano", "Franco",
    "Juan Pablo", "Juan Manuel", "Juan Cruz", "Juan Ignacio", "Luis Alberto", "Carlos Alberto",
)
AR_WOMEN = (
    "María", "Ana", "Laura", "Silvia", "Graciela", "Patricia", "Mónica", "Claudia", "Susana", "Marcela",
    "Gabriela", "Andrea", "Verónica", "Carolina", "Florencia", "Valeria", "Paula", "Natalia", "Romina",
    "Soledad", "Lorena", "Mariana", "Cecilia", "Alejandra", "Sandra", "Liliana", "Norma", "Beatriz", "Daniela",
    "Vanesa", "Julieta", "Agustina", "Camila", "Lucía", "Micaela", "Sofía", "Victoria", "Belén", "Milagros",
    "Luciana", "Noelia", "Gisela", "Eugenia", "Silvina", "Adriana", "Viviana", "Alicia", "Mirta", "Cristina",
    "María José", "María Laura", "Ana Paula", "María Eugenia", "María Florencia",
)
AR_SURNAMES = (
    "González", "Rodríguez", "Gómez", "Fernández", "López", "Díaz", "Martínez", "Pérez", "García", "Sánchez",
    "Romero", "Sosa", "Álvarez", "Torres", "Ruiz", "Ramírez", "Flores", "Acosta", "Benítez", "Medina",
    "Suárez", "Herrera", "Aguirre", "Pereyra", "Gutiérrez", "Giménez", "Molina", "Silva", "Castro", "Rojas",
    "Ortiz", "Núñez", "Luna", "Juárez", "Cabrera", "Ríos", "Ferreyra", "Godoy", "Morales", "Domínguez",
    "Moreno", "Peralta", "Vega", "Carrizo", "Quiroga", "Castillo", "Ledesma", "Muñoz", "Ojeda", "Ponce",
    "Vera", "Vázquez", "Cardozo", "Navarro", "Ramos", "Arias", "Coronel", "Córdoba", "Figueroa", "Correa",
    "Cáceres", "Vargas", "Maldonado", "Mansilla", "Farías", "Rivero", "Paz", "Miranda", "Roldán", "Méndez",
    "Lucero", "Cruz", "Hernández", "Agüero", "Páez", "Blanco", "Mendoza", "Barrios", "Escobar", "Ávila",
    "Soria", "Leiva", "Acuña", "Maidana", "Moyano", "Campos", "Olivera", "Duarte", "Soto", "Bustos",
    "Chávez", "Ibáñez", "Rossi", "Ferrari", "Russo", "Romano", "Bianchi", "Colombo", "Costa", "Fontana",
    "Lombardi", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Sartori", "Pellegrini",
    "Iglesias", "Otero", "Rey", "Varela", "Fernández Vidal", "Schmidt", "Müller", "Kaplan", "Goldberg",
)
MX_MEN = (
    "José", "Juan", "Luis", "Carlos", "Jesús", "Miguel Ángel", "Francisco", "Alejandro", "Jorge", "Antonio",
    "Pedro", "Ricardo", "Eduardo", "Fernando", "Roberto", "Arturo", "Javier", "Sergio", "Raúl", "Manuel",
    "Héctor", "Óscar", "Alfredo", "Rafael", "Daniel", "Martín", "Enrique", "Gerardo", "Mario", "Víctor",
    "Diego", "Emiliano", "Santiago", "Leonardo", "Iván", "Rodrigo", "Alberto", "Ernesto", "Guillermo",
    "Salvador", "José Luis", "Juan Carlos", "Luis Fernando", "Jorge Alberto", "Juan Manuel", "José Antonio",
)
MX_WOMEN = (
    "María", "Guadalupe", "María Guadalupe", "Juana", "Margarita", "Verónica", "Patricia", "Leticia",
    "Rosa María", "Adriana", "Gabriela", "Alejandra", "Claudia", "Elizabeth", "Sandra", "Araceli", "Silvia",
    "Yolanda", "Mónica", "Laura", "Teresa", "Ana María", "Diana", "Karla", "Fernanda", "Daniela", "Andrea",
    "Mariana", "Ximena", "Valeria", "Paola", "Brenda", "Lorena", "Susana", "Martha", "Josefina", "Norma",
    "Alma", "Itzel", "Citlali", "Fátima", "Regina", "Montserrat", "Renata", "Sofía",
)
MX_SURNAMES = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Cruz",
    "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez", "Ruiz",
    "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez", "Rivera",
    "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz",
    "Rojas", "Contreras", "Salazar", "Luna", "Ortega", "Guerrero", "Estrada", "Bautista", "Cortés", "Soto",
    "Alvarado", "Ríos", "Sandoval", "Cervantes", "Vega", "Delgado", "Ibarra", "Trejo", "Olvera", "Reséndiz",
    "Ugalde", "Feregrino", "Rangel", "Camacho", "Montes", "Nieto", "Mejía", "Zúñiga", "Arteaga", "Pacheco",
    "Nava", "Rubio", "Pérez", "Hurtado", "Ledesma", "Moya", "Malagón", "Frías", "Loyola", "Zepeda",
)

# (commercial name, legal form)
AR_COMPANIES = (
    ("Transportes del Sur", "S.A."), ("Logística Pampeana", "S.R.L."), ("Constructora Río de la Plata", "S.A."),
    ("Distribuidora Norte", "S.A."), ("Agropecuaria Los Álamos", "S.A."), ("Servicios Integrales Belgrano", "S.R.L."),
    ("Frigorífico San Jorge", "S.A."), ("Estudio Contable Iturbe", "S.R.L."), ("Laboratorios Andinos", "S.A."),
    ("Fletes Rápidos Palermo", "S.R.L."), ("Mantenimiento Urbano", "S.A."), ("Clínica Santa Clara", "S.A."),
    ("Seguridad Privada Centinela", "S.A."), ("Electricidad Oeste", "S.R.L."), ("Farmacia Central", "S.C.S."),
    ("Inmobiliaria Nordelta", "S.A."), ("Gastronomía del Puerto", "S.R.L."), ("Telecomunicaciones Plata", "S.A."),
    ("Metalúrgica Avellaneda", "S.A."), ("Remises Libertador", "S.R.L."), ("Viveros del Delta", "S.R.L."),
    ("Mudanzas Costa", "S.A."), ("Instalaciones Sanitarias Rossi", "S.R.L."), ("Papelera Atlántica", "S.A."),
)
MX_COMPANIES = (
    ("Distribuidora del Bajío", "S.A. de C.V."), ("Transportes Querétaro Express", "S.A. de C.V."),
    ("Constructora Cimatario", "S.A. de C.V."), ("Logística Industrial El Marqués", "S. de R.L. de C.V."),
    ("Servicios Médicos Juriquilla", "S.C."), ("Alimentos La Cañada", "S.A. de C.V."),
    ("Autopartes Bernardo Quintana", "S.A. de C.V."), ("Grupo Inmobiliario Zibatá", "S.A.P.I. de C.V."),
    ("Ferretería Hidalgo", "S.A. de C.V."), ("Seguridad Privada Sierra Gorda", "S.A. de C.V."),
    ("Comercializadora San Juan", "S. de R.L. de C.V."), ("Agroindustrias Colón", "S.P.R. de R.L."),
    ("Paquetería Corregidora", "S.A. de C.V."), ("Laboratorio Clínico Carretas", "S.C."),
    ("Instalaciones Eléctricas Tecnológico", "S.A. de C.V."), ("Mensajería Pie de la Cuesta", "S.A. de C.V."),
    ("Aeroservicios Colón", "S.A. de C.V."), ("Farmacias del Centro", "S.A. de C.V."),
    ("Consultoría Fiscal Arteaga", "S.C."), ("Plásticos del Bajío", "S.A. de C.V."),
)

# (trades, places, legal forms) for more companies than the lists above
_COMPANY_PARTS = {
    "AR": (("Transportes", "Logística", "Distribuidora", "Constructora", "Servicios", "Comercial", "Agropecuaria",
            "Ferretería", "Materiales", "Limpieza", "Catering", "Seguridad", "Fletes", "Consultora"),
           ("Palermo", "Belgrano", "Saavedra", "Colegiales", "del Oeste", "Rioplatense", "Pampeana", "Austral",
            "del Litoral", "Norte", "Costanera", "San Telmo", "Puerto Madero", "Villa Urquiza"),
           ("S.A.", "S.R.L.", "S.A.S.")),
    "MX": (("Transportes", "Logística", "Distribuidora", "Constructora", "Servicios", "Comercializadora",
            "Agroindustrias", "Ferretería", "Materiales", "Alimentos", "Seguridad", "Mensajería", "Consultoría"),
           ("del Bajío", "Queretana", "Cimatario", "Juriquilla", "El Marqués", "Corregidora", "del Centro",
            "Sierra Gorda", "Tequisquiapan", "Jalpan", "Huimilpan", "Amealco", "Colón"),
           ("S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V.")),
}

# --- addresses ---------------------------------------------------------------------

# (city, state, postal codes, streets[, colonias in Mexico])
AR_PLACES = (
    ("Ciudad Autónoma de Buenos Aires", "CABA", ("C1414", "C1425", "C1426", "C1427", "C1428", "C1429",
     "C1430", "C1431", "C1405", "C1406", "C1419", "C1417"),
     ("Av. Santa Fe", "Av. Cabildo", "Av. Rivadavia", "Av. Corrientes", "Av. Córdoba", "Thames", "Gorriti",
      "Honduras", "Charcas", "Güemes", "Arenales", "Juncal", "Av. Scalabrini Ortiz", "Av. Álvarez Thomas",
      "Av. Triunvirato", "Virrey del Pino", "Ciudad de la Paz", "Av. Federico Lacroze", "Nicaragua",
      "El Salvador", "Paraguay", "Uriarte", "Bonpland", "Fitz Roy", "Av. Díaz Vélez", "Av. Gaona",
      "José Bonifacio", "Av. La Plata", "Av. Boedo", "Av. Independencia", "Olazábal", "Monroe", "Mendoza")),
    ("Vicente López", "Buenos Aires", ("B1638", "B1636", "B1602"),
     ("Av. Maipú", "Av. del Libertador", "Hipólito Yrigoyen", "Roma", "Laprida", "Melo", "Paraná")),
    ("San Isidro", "Buenos Aires", ("B1642", "B1640"),
     ("Av. Centenario", "Belgrano", "Alsina", "Av. Santa Fe", "Ituzaingó", "25 de Mayo")),
    ("San Martín", "Buenos Aires", ("B1650", "B1653"), ("Av. Ricardo Balbín", "Mitre", "Belgrano", "Pueyrredón")),
    ("Morón", "Buenos Aires", ("B1708", "B1704"), ("Av. Rivadavia", "Sarmiento", "Brown", "Belgrano")),
    ("Avellaneda", "Buenos Aires", ("B1870", "B1871"), ("Av. Mitre", "Av. Belgrano", "Güemes", "Alsina")),
    ("Lanús", "Buenos Aires", ("B1824",), ("Av. Hipólito Yrigoyen", "9 de Julio", "Anatole France")),
    ("Tigre", "Buenos Aires", ("B1648",), ("Av. Cazón", "Av. Liniers", "Lavalle", "Av. Italia")),
)
MX_PLACES = (
    ("Santiago de Querétaro", "Querétaro", ("76000", "76030", "76050", "76060", "76090", "76100", "76140",
     "76146", "76160", "76180", "76230"),
     ("Av. Constituyentes", "Av. Zaragoza", "Av. Universidad", "Av. 5 de Febrero", "Blvd. Bernardo Quintana",
      "Av. Tecnológico", "Av. Pie de la Cuesta", "Prol. Corregidora Norte", "Av. de la Luz", "Calle Hidalgo",
      "Calle Madero", "Calle Independencia", "Av. Ezequiel Montes", "Av. Epigmenio González",
      "Av. Paseo de la República", "Calle Río Ayutla", "Av. Cerro Blanco", "Calle Fray Luis de León"),
     ("Centro", "Carretas", "Jardines de la Hacienda", "Álamos 3a Sección", "Cimatario", "Juriquilla", "Jurica",
      "El Refugio", "Milenio III", "Villas del Sol", "Los Arcos", "Lomas de Casa Blanca", "San Pablo")),
    ("Corregidora", "Querétaro", ("76900", "76903", "76910"),
     ("Av. Candiles", "Av. Camino Real", "Calle Josefa Ortiz de Domínguez", "Av. El Pueblito"),
     ("El Pueblito", "Candiles", "Pirámides", "Colinas del Bosque")),
    ("El Marqués", "Querétaro", ("76240", "76246", "76269"),
     ("Av. Paseo Zibatá", "Av. La Pradera", "Calle Venustiano Carranza"), ("Zibatá", "La Pradera", "La Cañada")),
    ("San Juan del Río", "Querétaro", ("76800", "76803"), ("Av. Juárez", "Blvd. Hidalgo", "Av. Central"),
     ("Centro", "Valle de Oro", "Lomas de San Juan")),
)

_EMAIL_DOMAINS = (("example.com", 6), ("example.net", 2), ("example.org", 2))
_NOTES = ("Prefiere contacto por WhatsApp.", "Llamar después de las 17 h.", "Cliente de flota: coordinar con compras.",
          "No llamar los fines de semana.", "Pide presupuesto antes de cada trabajo.", "")


@dataclass
class Person:
    """One customer row's values before it is written."""

    values: dict
    is_company: bool
    gender: str = ""
    vehicles: list = field(default_factory=list)
    record: Any = None  # the customer row, once added to the plan


def _plain(text: str) -> str:
    """ASCII, lower case, no spaces: for e-mail local parts."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum())


# --- phones --------------------------------------------------------------------------


def _e164(candidate: str) -> str | None:
    number = phonenumbers.parse(candidate)
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _valid_phone(rng: random.Random, make: Callable[[random.Random], str]) -> str:
    while True:
        found = _e164(make(rng))
        if found:
            return found


def ar_mobile(rng: random.Random) -> str:
    """+54 9 11 …: a Buenos Aires mobile in international form."""
    return _valid_phone(rng, lambda r: f"+54911{r.choice('2345566')}{r.randrange(10**7):07d}")


def ar_landline(rng: random.Random) -> str:
    return _valid_phone(rng, lambda r: f"+54114{r.randrange(10**7):07d}")


def mx_phone(rng: random.Random) -> str:
    """+52 442 …: Querétaro (Mexico dials mobiles and landlines alike since 2019)."""
    return _valid_phone(rng, lambda r: f"+52442{r.randrange(1, 10)}{r.randrange(10**6):06d}")


# --- tax ids ------------------------------------------------------------------------


def ar_cuit(prefix: str, base: int) -> str:
    body = f"{prefix}{base:08d}"
    return body + cuit.calc_check_digit(body)


def ar_dni_for(rng: random.Random, born: int) -> int:
    """DNI numbers were issued roughly in order of birth."""
    return int(11_000_000 + (born - 1955) * 680_000 + rng.randrange(-400_000, 400_000))


_RFC_SKIP = {"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "MC", "MAC", "VON", "VAN"}


def _rfc_words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.upper().replace("Ñ", "X")).encode("ascii", "ignore").decode()
    return [w for w in plain.replace(".", " ").replace(",", " ").split() if w not in _RFC_SKIP]


def _rfc_homoclave(rng: random.Random, stem: str) -> str:
    first = rng.choice("123456789ABCDEFGHJKLMNPRSTUV")
    second = rng.choice("123456789ABCDEFGHJKLMNPRSTUVWXYZ")
    return first + second + rfc.calc_check_digit(stem + first + second)


def mx_rfc_person(rng: random.Random, first_name: str, surnames: str, born: dt.date) -> str:
    """Persona física: initials per the SAT rules (simplified), birth date, homoclave."""
    paternal, maternal = [*_rfc_words(surnames), "X"][:2]
    given = _rfc_words(first_name)
    if len(given) > 1 and given[0] in ("JOSE", "MARIA", "J", "MA"):
        given = given[1:]
    vowel = next((c for c in paternal[1:] if c in "AEIOU"), "X")
    stem = paternal[0] + vowel + maternal[0] + given[0][0] + born.strftime("%y%m%d")
    if not rfc.is_valid(stem):  # the initials spell an inconvenient word: the SAT puts an X last
        stem = stem[:3] + "X" + stem[4:]
    return stem + _rfc_homoclave(rng, stem)


def mx_rfc_company(rng: random.Random, name: str, founded: dt.date) -> str:
    """Persona moral: three letters from the name, founding date, homoclave."""
    words = _rfc_words(name)
    if len(words) >= 3:
        letters = "".join(w[0] for w in words[:3])
    elif len(words) == 2:
        letters = words[0][0] + words[1][:2]
    else:
        letters = words[0][:3]
    stem = letters + founded.strftime("%y%m%d")
    return stem + _rfc_homoclave(rng, stem)


def tax_id_is_valid(kind: str, number: str) -> bool | None:
    checks = {"cuit": cuit.is_valid, "cuil": cuit.is_valid, "dni": dni.is_valid,
              "rfc": lambda n: rfc.is_valid(n) and bool(rfc.validate(n, validate_check_digits=True))}
    return checks[kind](number) if kind in checks else None


# --- people -------------------------------------------------------------------------


class People:
    """Makes customers for one branch's country, deterministically from its rng."""

    def __init__(self, rng: random.Random, country: str, today: dt.date) -> None:
        self.rng = rng
        self.country = country
        self.today = today
        self._emails: set[str] = set()
        self._companies: set[str] = set()

    def person(self) -> Person:
        rng = self.rng
        gender = rng.choice("MF")
        if self.country == "AR":
            first = rng.choice(AR_MEN if gender == "M" else AR_WOMEN)
            last = rng.choice(AR_SURNAMES)
        else:
            first = rng.choice(MX_MEN if gender == "M" else MX_WOMEN)
            last = f"{rng.choice(MX_SURNAMES)} {rng.choice(MX_SURNAMES)}"
        born = dt.date(self.today.year - rng.randint(22, 76), rng.randint(1, 12), rng.randint(1, 28))
        values = dict(first_name=first, last_name=last, name=f"{first} {last}", legal_name="",
                      **self._person_tax_id(gender, first, last, born),
                      phone_mobile=self._mobile(), **self._address(),
                      email=self._personal_email(first, last) if rng.random() < 0.9 else "")
        if rng.random() < 0.3:
            values["phone_home"] = ar_landline(rng) if self.country == "AR" else mx_phone(rng)
        self._preferences(values)
        return Person(values, is_company=False, gender=gender)

    def company(self, index: int) -> Person:
        rng = self.rng
        name, form = self._company_name(index)
        legal_name = f"{name} {form}" if self.country == "AR" else f"{name}, {form}"
        founded = dt.date(rng.randint(1975, self.today.year - 2), rng.randint(1, 12), rng.randint(1, 28))
        if self.country == "AR":
            tax = dict(tax_id_type="cuit", tax_id=ar_cuit(rng.choice(("30", "30", "33")),
                                                          rng.randrange(50_000_000, 72_000_000)))
        else:
            tax = dict(tax_id_type="rfc", tax_id=mx_rfc_company(rng, name, founded))
        domain = f"{_plain(name)}.example"
        values = dict(first_name="", last_name="", name=name, legal_name=legal_name, **tax,
                      phone_mobile=self._mobile(),
                      phone_work=ar_landline(rng) if self.country == "AR" else mx_phone(rng),
                      email=f"{rng.choice(('administracion', 'flota', 'compras', 'contacto'))}@{domain}",
                      **self._address())
        values["tax_id_valid"] = tax_id_is_valid(values["tax_id_type"], values["tax_id"])
        self._preferences(values)
        return Person(values, is_company=True)

    def _company_name(self, index: int) -> tuple[str, str]:
        """The listed companies first, then trade + place combinations, never twice."""
        listed = AR_COMPANIES if self.country == "AR" else MX_COMPANIES
        if index < len(listed):
            self._companies.add(listed[index][0])
            return listed[index]
        trades, places, forms = _COMPANY_PARTS[self.country]
        while True:
            name = f"{self.rng.choice(trades)} {self.rng.choice(places)}"
            if name not in self._companies:
                self._companies.add(name)
                return name, self.rng.choice(forms)

    def _person_tax_id(self, gender: str, first: str, last: str, born: dt.date) -> dict:
        rng = self.rng
        roll = rng.random()
        if self.country == "AR":
            number = ar_dni_for(rng, born.year)
            if roll < 0.45:
                kind, value = "cuit", ar_cuit("20" if gender == "M" else "27", number)
            elif roll < 0.65:
                kind, value = "cuil", ar_cuit("20" if gender == "M" else "27", number)
            elif roll < 0.9:
                kind, value = "dni", f"{number:08d}"
            else:
                kind, value = "", ""
        elif roll < 0.8:
            kind, value = "rfc", mx_rfc_person(rng, first, last, born)
        else:
            kind, value = "", ""
        return dict(tax_id_type=kind, tax_id=value, tax_id_valid=tax_id_is_valid(kind, value) if kind else None)

    def _mobile(self) -> str:
        return ar_mobile(self.rng) if self.country == "AR" else mx_phone(self.rng)

    def _personal_email(self, first: str, last: str) -> str:
        rng = self.rng
        given, family = _plain(first.split()[0]), _plain(last.split()[0])
        local = rng.choice((f"{given}.{family}", f"{given[0]}{family}", f"{given}{family}",
                            f"{family}.{given}", f"{given}_{family}"))
        if rng.random() < 0.35:
            local += str(rng.randint(1, 99))
        names, weights = zip(*_EMAIL_DOMAINS, strict=True)
        email = f"{local}@{rng.choices(names, weights=weights)[0]}"
        while email in self._emails:
            email = f"{local}{rng.randint(100, 999)}@{email.split('@')[1]}"
        self._emails.add(email)
        return email

    def _address(self) -> dict:
        rng = self.rng
        places = AR_PLACES if self.country == "AR" else MX_PLACES
        city, state, postal_codes, streets, *colonias = rng.choices(places, weights=[8] + [1] * (len(places) - 1))[0]
        street = f"{rng.choice(streets)} {rng.randint(100, 5999) if self.country == 'AR' else rng.randint(1, 999)}"
        if self.country == "AR" and rng.random() < 0.3:
            street += f", {rng.randint(1, 12)}° {rng.choice('ABCDEF')}"
        if self.country == "MX":
            if rng.random() < 0.25:
                street += f" Int. {rng.randint(1, 40)}"
            street += f", Col. {rng.choice(colonias[0])}"
        return dict(street=street, city=city, state=state, postal_code=rng.choice(postal_codes))

    def _preferences(self, values: dict) -> None:
        rng = self.rng
        values["email_opt_out"] = rng.random() < 0.03
        values["whatsapp_opt_out"] = rng.random() < 0.02
        values["notes"] = rng.choice(_NOTES) if rng.random() < 0.08 else ""
