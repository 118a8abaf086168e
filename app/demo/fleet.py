"""The branch's customers and their vehicles, before any visit happens.

About 6 % of the customers are companies with small fleets, a few people
only drive a vehicle somebody else owns, and about one vehicle in five was
sold new by the dealer during the last year (those get a sales delivery).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass

from app.demo import vehicles as catalog
from app.demo.history import Car, Year
from app.demo.people import People, Person
from app.tables import Customer, Vehicle

# customers, vehicles per branch code; any other code gets the default.
SCALE = {"ba": (1650, 2200), "qro": (1350, 1800)}
DEFAULT_SCALE = (1500, 2000)
NEW_SALES_SHARE = 0.19


@dataclass
class Fleet:
    customers: list[Person]
    cars: list[Car]


def build(rng: random.Random, year: Year, code: str) -> Fleet:
    n_customers, n_vehicles = SCALE.get(code, DEFAULT_SCALE)
    people = People(rng, year.rules.country, year.today)
    n_companies = round(n_customers * 0.06)
    n_drivers = round(n_customers * 0.07)
    companies = [people.company(i) for i in range(n_companies)]
    owners = [people.person() for _ in range(n_customers - n_companies - n_drivers)]
    drivers = [people.person() for _ in range(n_drivers)]
    _share_out(rng, companies, owners, n_vehicles)
    customers = companies + owners + drivers
    rng.shuffle(customers)  # companies and individuals interleave in the DMS numbering
    owned = [person for person in customers if person.vehicles]
    sale_slots = set(rng.sample(range(n_vehicles), round(n_vehicles * NEW_SALES_SHARE)))
    sale_days = iter(year.sale_days(len(sale_slots)))
    cars: list[Car] = []
    plates: set[str] = set()
    serials = iter(rng.sample(range(100_000, 1_000_000), n_vehicles))
    for person in owned:
        for _ in person.vehicles:
            sold_on = next(sale_days) if len(cars) in sale_slots else _used_sale_day(rng, year.today)
            cars.append(_car(rng, year, person, sold_on, len(cars) in sale_slots, plates, next(serials)))
    _assign_drivers(rng, cars, drivers, owners)
    _add_customers(year, customers, cars)
    _typed_twice(random.Random(f"twins-{code}"), year, [p for p in owners if p.values["tax_id_valid"]])
    return Fleet(customers, cars)


TWINS_BY_PHONE, TWINS_BY_TAX_ID = 4, 2


def _typed_twice(rng: random.Random, year: Year, owners: list[Person]) -> None:
    """Customers the DMS holds twice, as real DMSs do: typed again at the counter in capitals without
    accents (same mobile), or under the tax id with the surname first. For Clientes duplicados."""
    chosen = rng.sample(owners, TWINS_BY_PHONE + TWINS_BY_TAX_ID)
    for n, person in enumerate(chosen):
        v = person.values
        if n < TWINS_BY_PHONE:
            plain = unicodedata.normalize("NFKD", v["name"]).encode("ascii", "ignore").decode().upper()
            twin = dict(first_name=v["first_name"].upper(), last_name=v["last_name"].upper(), name=plain,
                        phone_mobile=v["phone_mobile"])
        else:
            twin = dict(first_name=v["first_name"], last_name=v["last_name"],
                        name=f"{v['last_name']}, {v['first_name']}", tax_id_type=v["tax_id_type"],
                        tax_id=v["tax_id"], tax_id_valid=True, phone_mobile=v["phone_mobile"], email=v["email"])
        year.plan.add(Customer, branch=year.branch_id, **twin, created_at=year.imported_at,
                      updated_at=year.imported_at)


def _share_out(rng: random.Random, companies: list[Person], owners: list[Person], n_vehicles: int) -> None:
    """Every owner gets one vehicle, companies a fleet, and the rest go to families with two or three."""
    for company in companies:
        company.vehicles = [None] * rng.randint(2, 8)
    for owner in owners:
        owner.vehicles = [None]
    extra = n_vehicles - sum(len(p.vehicles) for p in companies + owners)
    while extra < 0:
        company = max(companies, key=lambda c: len(c.vehicles))
        company.vehicles.pop()
        extra += 1
    while extra > 0:
        owner = rng.choice(owners)
        if len(owner.vehicles) < 3:
            owner.vehicles.append(None)
            extra -= 1


def _used_sale_day(rng: random.Random, today: dt.date) -> dt.date:
    """Sold more than a year ago: mostly two to eight years, some up to sixteen."""
    return today - dt.timedelta(days=int(rng.triangular(370, 6000, 1500)))


def _car(rng: random.Random, year: Year, person: Person, sold_on: dt.date, new_sale: bool, plates: set[str],
         serial: int) -> Car:
    country = year.rules.country
    model_year = sold_on.year + (1 if sold_on.month >= 10 and rng.random() < 0.5 else 0)
    model = catalog.pick_model(rng, country, model_year)
    plate = ""
    while not plate or plate in plates:
        plate = catalog.ar_plate(rng, sold_on.year) if country == "AR" else catalog.qro_plate(rng)
    plates.add(plate)
    base_km = {"car": 1050, "suv": 1250, "pickup": 1800}[model.kind] * (1.5 if person.is_company else 1.0)
    monthly_km = int(min(max(rng.normalvariate(base_km, base_km * 0.3), 300), 5000) / 50) * 50
    vehicle = year.plan.add(
        Vehicle, branch=year.branch_id, vin=catalog.make_vin(model, model_year, catalog.plant_code(model), serial),
        plate=plate, make=model.make, model=model.name, trim=rng.choice(model.trims), model_year=model_year,
        colour=catalog.pick_colour(rng, country), monthly_km=monthly_km, sold_on=sold_on, driver=None,
    )
    car = Car(vehicle=vehicle, person=person, model=model, monthly_km=monthly_km, loyalty=_loyalty(rng, year.today,
              sold_on, new_sale), sold_on=sold_on, km_at_sale=rng.randint(5, 40), new_sale=new_sale)
    person.vehicles[person.vehicles.index(None)] = car
    return car


def _loyalty(rng: random.Random, today: dt.date, sold_on: dt.date, new_sale: bool) -> str:
    """How faithfully the customer comes back: loyal, sporadic or lapsed."""
    age_years = (today - sold_on).days / 365
    weights = ((85, 12, 3) if new_sale else (75, 20, 5) if age_years <= 3 else (55, 30, 15) if age_years <= 6
               else (35, 35, 30))
    return rng.choices(("loyal", "sporadic", "lapsed"), weights=weights)[0]


def _assign_drivers(rng: random.Random, cars: list[Car], drivers: list[Person], owners: list[Person]) -> None:
    """Company vehicles are often driven by an employee; now and then a relative drives."""
    pool = iter(drivers)
    for car in cars:
        if car.person.is_company and rng.random() < 0.6:
            car.driver = next(pool, None) or rng.choice(owners)
        elif not car.person.is_company and rng.random() < 0.04:
            car.driver = rng.choice(drivers or owners)


def _add_customers(year: Year, customers: list[Person], cars: list[Car]) -> None:
    """Customer rows, dated by when the DMS first knew them; vehicles point at them."""
    first_sale: dict[int, dt.date] = {}
    for car in cars:
        if car.new_sale:
            key = id(car.person)
            first_sale[key] = min(first_sale.get(key, car.sold_on), car.sold_on)
    for person in customers:
        sale = first_sale.get(id(person))
        if sale and all(c.new_sale for c in person.vehicles):
            created_at = year.office_time(sale - dt.timedelta(days=year.rng.randint(3, 20)))
        else:
            created_at = year.imported_at
        person.record = year.plan.add(Customer, branch=year.branch_id, **person.values,
                                      created_at=created_at, updated_at=created_at)
    for car in cars:
        car.vehicle["owner"] = car.person.record
        car.vehicle["driver"] = car.driver.record if car.driver else None
