"""Vehicles of the demo: what each market sells, VINs and plates.

VINs follow ISO 3779 with the North-American check digit in position 9
(app.rules.vin). The world manufacturer
identifiers (WMI) are the real ones of the plant that builds each model for
that market.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.rules import vin

# Model-year letters repeat every 30 years; 2010 is "A".
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"

# Plates never use these letters either (I, O, Q look like digits; Ñ is not used).
PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(frozen=True)
class Model:
    make: str
    name: str
    trims: tuple[str, ...]
    wmi: str
    vds: str  # positions 4–8, the model's descriptor
    years: tuple[int, int]  # first and last model year sold (2099: still sold)
    share: int  # relative weight in the dealer's park
    kind: str = "car"  # car | suv | pickup (pickups do more km and cost more to service)


AR_MODELS = (
    Model("Volkswagen", "Gol Trend", ("Trendline", "Comfortline", "Highline"), "9BW", "AB45U", (2009, 2023), 6),
    Model("Volkswagen", "Polo", ("Track", "Trendline", "Comfortline", "Highline", "GTS"), "9BW", "AL2BZ",
          (2018, 2099), 7),
    Model("Volkswagen", "Virtus", ("Trendline", "Highline", "Exclusive"), "9BW", "DL2BZ", (2018, 2099), 3),
    Model("Volkswagen", "T-Cross", ("Trendline", "Comfortline", "Highline"), "9BW", "BC2BZ", (2020, 2099), 5,
          "suv"),
    Model("Volkswagen", "Nivus", ("Comfortline", "Highline", "Hero"), "9BW", "CH2BZ", (2021, 2099), 3, "suv"),
    Model("Volkswagen", "Taos", ("Comfortline", "Highline", "Hero"), "8AW", "BT5CJ", (2021, 2099), 3, "suv"),
    Model("Volkswagen", "Amarok", ("Trendline", "Comfortline", "Highline", "V6 Extreme"), "8AW", "DD22H",
          (2010, 2099), 5, "pickup"),
    Model("Toyota", "Hilux", ("DX 4x2", "SR 4x4", "SRV 4x4", "SRX 4x4 AT", "GR-Sport"), "8AJ", "BA3CD",
          (2006, 2099), 9, "pickup"),
    Model("Toyota", "SW4", ("SRV", "SRX", "Diamond", "GR-Sport"), "8AJ", "YA3FS", (2016, 2099), 2, "suv"),
    Model("Toyota", "Corolla", ("XLI", "XEI", "SEG", "Hybrid SEG"), "9BR", "BZ3BE", (2009, 2099), 4),
    Model("Toyota", "Corolla Cross", ("XLI", "XEI", "SEG Hybrid"), "9BR", "KZ3AG", (2021, 2099), 4, "suv"),
    Model("Toyota", "Yaris", ("XS", "XLS", "S"), "9BR", "K3F30", (2018, 2099), 4),
    Model("Toyota", "Etios", ("X", "XLS", "Cross"), "9BR", "B3GK1", (2013, 2022), 3),
    Model("Fiat", "Cronos", ("Like 1.3", "Drive 1.3", "Precision 1.3 CVT"), "8AP", "359A1", (2018, 2099), 7),
    Model("Fiat", "Argo", ("Drive 1.3", "Trekking 1.3", "Precision 1.8"), "9BD", "358A1", (2018, 2099), 3),
    Model("Fiat", "Strada", ("Endurance", "Freedom", "Volcano", "Ranch"), "9BD", "281A1", (2006, 2099), 4,
          "pickup"),
    Model("Fiat", "Toro", ("Freedom", "Volcano", "Ranch"), "9BD", "226A1", (2017, 2099), 3, "pickup"),
    Model("Fiat", "Pulse", ("Drive", "Audace", "Impetus"), "9BD", "363A1", (2022, 2099), 2, "suv"),
    Model("Chevrolet", "Onix", ("LT", "LTZ", "Premier", "RS"), "9BG", "KS48E", (2013, 2099), 7),
    Model("Chevrolet", "Tracker", ("LT", "LTZ", "Premier", "RS"), "8AG", "J7YE4", (2021, 2099), 5, "suv"),
    Model("Chevrolet", "Cruze", ("LT", "LTZ", "Premier", "RS"), "8AG", "BF69S", (2017, 2025), 3),
    Model("Chevrolet", "S10", ("LS", "LT", "High Country", "Z71"), "9BG", "148DK", (2010, 2099), 3, "pickup"),
    Model("Renault", "Sandero", ("Life", "Zen", "Intens", "Stepway"), "93Y", "5SR4E", (2008, 2025), 5),
    Model("Renault", "Logan", ("Life", "Zen", "Intens"), "8A1", "4SR2E", (2008, 2025), 3),
    Model("Renault", "Kangoo", ("Confort", "Stepway", "Express"), "8A1", "FW0A5", (2008, 2099), 3),
    Model("Renault", "Duster", ("Zen", "Intens", "Iconic"), "93Y", "HSR2E", (2011, 2025), 3, "suv"),
    Model("Renault", "Alaskan", ("Confort", "Emotion", "Iconic"), "8A1", "GS1C2", (2020, 2099), 2, "pickup"),
    Model("Ford", "Ranger", ("XL", "XLS", "XLT", "Limited", "Raptor"), "8AF", "AR5GE", (2006, 2099), 7,
          "pickup"),
    Model("Ford", "EcoSport", ("S", "SE", "Titanium", "Freestyle"), "9BF", "ZB55P", (2004, 2022), 4, "suv"),
    Model("Ford", "Ka", ("S", "SE", "SEL", "Freestyle"), "9BF", "ZH55L", (2008, 2021), 3),
    Model("Peugeot", "208", ("Like", "Active", "Allure", "Feline", "GT"), "8AD", "P1HNZ", (2013, 2099), 7),
    Model("Peugeot", "2008", ("Active", "Allure", "GT"), "8AD", "U2HNZ", (2016, 2099), 4, "suv"),
    Model("Peugeot", "308", ("Active", "Allure", "Feline"), "8AD", "4A5FX", (2011, 2021), 2),
    Model("Peugeot", "Partner", ("Confort", "Patagónica"), "8AE", "GKNFU", (2008, 2099), 2),
)

MX_MODELS = (
    Model("Nissan", "Versa", ("Sense", "Advance", "Exclusive"), "3N1", "CN8AP", (2012, 2099), 10),
    Model("Nissan", "Sentra", ("Sense", "Advance", "Exclusive", "SR"), "3N1", "AB8CV", (2007, 2099), 6),
    Model("Nissan", "Tsuru", ("GS I", "GS II"), "3N1", "EB31A", (2005, 2017), 4),
    Model("Nissan", "Tiida", ("Sense", "Advance"), "3N1", "BC1CP", (2007, 2018), 3),
    Model("Nissan", "March", ("Sense", "Advance"), "3N1", "CK3CD", (2012, 2025), 6),
    Model("Nissan", "Kicks", ("Sense", "Advance", "Exclusive"), "3N1", "CP5CV", (2017, 2099), 7, "suv"),
    Model("Nissan", "NP300", ("Chasis", "Estacas", "Doble Cabina SE"), "3N6", "AD33A", (2016, 2099), 5, "pickup"),
    Model("Nissan", "X-Trail", ("Sense", "Advance", "Exclusive"), "JN8", "AT32A", (2015, 2099), 3, "suv"),
    Model("Volkswagen", "Jetta", ("Trendline", "Comfortline", "Highline", "GLI"), "3VW", "C57BU", (2006, 2099), 7),
    Model("Volkswagen", "Vento", ("Starline", "Comfortline", "Highline"), "MEX", "B1604", (2014, 2022), 4),
    Model("Volkswagen", "Virtus", ("Trendline", "Comfortline", "Highline"), "9BW", "DL2BZ", (2023, 2099), 2),
    Model("Volkswagen", "Tiguan", ("Trendline Plus", "Comfortline", "Highline", "R-Line"), "3VV", "A7AX5",
          (2018, 2099), 4, "suv"),
    Model("Volkswagen", "Taos", ("Trendline", "Comfortline", "Highline"), "3VV", "X2B25", (2021, 2099), 3, "suv"),
    Model("Chevrolet", "Aveo", ("LS", "LT"), "3G1", "TA5AF", (2008, 2018), 4),
    Model("Chevrolet", "Onix", ("LT", "Premier", "RS"), "9BG", "KS48E", (2021, 2099), 5),
    Model("Chevrolet", "Tracker", ("LS", "LT", "Premier"), "9BG", "EP76S", (2021, 2099), 3, "suv"),
    Model("Chevrolet", "Equinox", ("LS", "LT", "Premier"), "3GN", "AX2EV", (2018, 2099), 2, "suv"),
    Model("Chevrolet", "Silverado", ("WT", "LT", "LTZ"), "3GC", "UY9EL", (2014, 2099), 2, "pickup"),
    Model("Kia", "Rio", ("L", "LX", "EX"), "3KP", "A24AD", (2018, 2099), 6),
    Model("Kia", "K3", ("LX", "EX", "GT-Line"), "3KP", "F24AD", (2019, 2099), 4),
    Model("Kia", "Seltos", ("LX", "EX", "SX"), "KND", "EU2AA", (2020, 2099), 4, "suv"),
    Model("Kia", "Sportage", ("LX", "EX", "SXL"), "KND", "PC3A4", (2017, 2099), 3, "suv"),
    Model("Toyota", "Yaris", ("Core", "S"), "MR2", "B9F3H", (2016, 2025), 4),
    Model("Toyota", "Corolla", ("Base", "LE", "SE", "Hybrid"), "JTD", "B4MEE", (2009, 2099), 4),
    Model("Toyota", "Hilux", ("Chasis Cabina", "Cabina Doble", "SR"), "MR0", "EX8CD", (2006, 2099), 4, "pickup"),
    Model("Toyota", "Tacoma", ("SR", "TRD Sport", "TRD Off-Road"), "3TM", "CZ5AN", (2017, 2099), 2, "pickup"),
    Model("Toyota", "RAV4", ("XLE", "Adventure", "Limited", "Hybrid"), "2T3", "W1RFV", (2016, 2099), 3, "suv"),
    Model("Mazda", "Mazda 2", ("i", "i Sport", "i Grand Touring"), "3MD", "DM2S5", (2016, 2099), 4),
    Model("Mazda", "Mazda 3", ("i Sport", "i Grand Touring", "Signature"), "3MZ", "BPBM7", (2010, 2099), 4),
    Model("Mazda", "CX-30", ("i Sport", "i Grand Touring", "Signature"), "3MV", "DMBL2", (2020, 2099), 3, "suv"),
    Model("Mazda", "CX-5", ("i Sport", "i Grand Touring", "Signature"), "JM3", "KFBDM", (2017, 2099), 3, "suv"),
)

COLOURS = {
    "AR": (("Blanco", 24), ("Gris Plata", 20), ("Negro", 12), ("Gris Oscuro", 14), ("Rojo", 8), ("Azul", 7),
           ("Blanco Perlado", 5), ("Bordó", 3), ("Beige", 2), ("Verde", 1)),
    "MX": (("Blanco", 28), ("Plata", 18), ("Gris", 14), ("Negro", 12), ("Rojo", 10), ("Azul", 8),
           ("Blanco Perla", 4), ("Arena", 3), ("Naranja", 2), ("Vino", 1)),
}


def models_for(country: str) -> tuple[Model, ...]:
    return AR_MODELS if country == "AR" else MX_MODELS


def pick_model(rng: random.Random, country: str, model_year: int) -> Model:
    sold = [m for m in models_for(country) if m.years[0] <= model_year <= m.years[1]] or list(models_for(country))
    return rng.choices(sold, weights=[m.share for m in sold])[0]


def pick_colour(rng: random.Random, country: str) -> str:
    names, weights = zip(*COLOURS[country], strict=True)
    return rng.choices(names, weights=weights)[0]


# --- VIN -------------------------------------------------------------------------


def year_code(model_year: int) -> str:
    return _YEAR_CODES[(model_year - 2010) % 30]


def make_vin(model: Model, model_year: int, plant: str, serial: int) -> str:
    """WMI + descriptor + check digit + year + plant + six-digit serial."""
    draft = f"{model.wmi}{model.vds}0{year_code(model_year)}{plant}{serial:06d}"
    return vin.with_check_digit(draft)


def plant_code(model: Model) -> str:
    """One assembly-plant letter per model, stable across runs."""
    return vin.ALPHABET[sum(map(ord, model.wmi + model.name)) % 23]


# --- plates ----------------------------------------------------------------------


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PLATE_LETTERS) for _ in range(n))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def ar_plate(rng: random.Random, registered_year: int) -> str:
    """Argentina: ABC123 until April 2016, Mercosur AB123CD since; the letters
    advance with the year of first registration, as the real series did."""
    if registered_year < 2016:
        first = PLATE_LETTERS[min(max(int(7 + (registered_year - 2008) * 0.85), 0), 13)]  # 2008 "H" … 2015 "P"
        return first + _letters(rng, 2) + _digits(rng, 3)
    second = PLATE_LETTERS[min(int((registered_year - 2016) * 0.85), 9)]  # 2016 "A", 2020 "D", 2025 "H"
    return "A" + second + _digits(rng, 3) + _letters(rng, 2)


def qro_plate(rng: random.Random) -> str:
    """Querétaro issues U-series plates (UAB123C); cars from other states keep theirs (ABC123A)."""
    first = "U" if rng.random() < 0.85 else rng.choice(PLATE_LETTERS)
    return first + _letters(rng, 2) + _digits(rng, 3) + _letters(rng, 1)
