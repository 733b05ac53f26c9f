"""Swedish clinical notes with the PHI labels of the Stockholm EPR PHI corpus (names as separate
First_Name and Last_Name spans), plus personnummer, e-mail and profession."""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker

from deid_platform.core.surrogates.builder import NoteBuilder, Piece, Slots, phi

LOCALE = "sv_SE"
VISITS = (date(2008, 1, 1), date(2024, 12, 31))
MONTHS = "januari februari mars april maj juni juli augusti september oktober november december"
MONTHS = MONTHS.split()

UNITS = [
    "Akutmottagningen",
    "Kardiologkliniken",
    "Medicinavdelning {n}",
    "Vårdcentralen {place}",
    "Ortopedavdelning {n}",
    "Infektionskliniken",
    "Geriatriska kliniken",
]
HOSPITALS = ["{place} sjukhus", "Universitetssjukhuset i {place}", "Länssjukhuset {place}"]
PROFESSIONS = [
    "snickare",
    "undersköterska",
    "lärare",
    "busschaufför",
    "pensionerad lantbrukare",
    "ekonom",
    "sjuksköterska",
    "elektriker",
]
RELATIONS = ["dottern", "sonen", "maken", "makan", "systern", "brodern", "sambon"]
SYMPTOMS = [
    "bröstsmärta sedan {n} timmar",
    "tilltagande andfåddhet",
    "feber och hosta sedan {n} dagar",
    "yrsel och ostadighet",
    "buksmärta i höger fossa",
    "svullnad och smärta i vänster underben",
    "förvirring och nedsatt allmäntillstånd",
]
HISTORY = [
    "hypertoni",
    "typ 2-diabetes",
    "förmaksflimmer med Waran",
    "KOL",
    "tidigare hjärtinfarkt",
    "hypotyreos",
    "astma sedan barndomen",
]
FINDINGS = [
    "EKG visar sinusrytm utan ischemitecken",
    "CRP {n}0, i övrigt normala prover",
    "lungröntgen visar infiltrat i höger underlob",
    "DT hjärna utan blödning",
    "ultraljud visar djup ventrombos",
    "Hb 9{n} g/L",
]
PLANS = [
    "Insätts på antibiotika och följs upp med nytt CRP",
    "Påbörjar behandling med Eliquis",
    "Läggs in för observation över natten",
    "Remiss skickas till röntgen för vidare utredning",
    "Går hem med receptbelagd smärtlindring",
]


def _date(d: date, rng: random.Random) -> list[Piece]:
    style = rng.random()
    if style < 0.6:
        return phi(d.isoformat(), "Full_Date")
    if style < 0.85:
        return phi(f"{d.day} {MONTHS[d.month - 1]} {d.year}", "Full_Date")
    return phi(f"{d.day}/{d.month}", "Date_Part")


def _personnummer(birth: date, rng: random.Random) -> str:
    """YYMMDD-NNNC with the Luhn check digit (Faker's ssn() is not reached by the seed)."""
    digits = f"{birth:%y%m%d}{rng.randint(0, 999):03d}"
    total = 0
    for i, ch in enumerate(digits):
        value = int(ch) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{digits[:6]}-{digits[6:]}{(10 - total % 10) % 10}"


def _name(fake: Faker, female: bool | None = None) -> list[Piece]:
    if female is None:
        first = fake.first_name()
    else:
        first = fake.first_name_female() if female else fake.first_name_male()
    return [(first, "First_Name"), (" ", None), (fake.last_name(), "Last_Name")]


def _fill(template: str, rng: random.Random) -> str:
    return template.replace("{n}", str(rng.randint(2, 9)))


def _slots(fake: Faker, rng: random.Random) -> Slots:
    visit = fake.date_between(*VISITS)
    age = rng.randint(18, 95)
    female = rng.random() < 0.5
    place = fake.city()
    patient = _name(fake, female)
    return {
        "patient": patient,
        "patient_first": patient[:1],
        "doctor": _name(fake),
        "nurse": _name(fake),
        "relative": _name(fake),
        "relation": [(rng.choice(RELATIONS), None)],
        "pronoun": [("Hon" if female else "Han", None)],
        "age": phi(str(age), "Age"),
        "visit": _date(visit, rng),
        "discharge": _date(visit + timedelta(days=rng.randint(1, 14)), rng),
        "followup": _date(visit + timedelta(days=rng.randint(14, 200)), rng),
        "pnr": phi(
            _personnummer(visit - timedelta(days=age * 365 + rng.randint(0, 364)), rng),
            "Personal_ID",
        ),
        "phone": phi(fake.phone_number(), "Phone_Number"),
        "email": phi(fake.free_email(), "Email"),
        "street": phi(" ".join(fake.street_address().split()), "Location"),
        "city": phi(place, "Location"),
        "postcode": phi(fake.postcode(), "Location"),
        "unit": phi(
            _fill(rng.choice(UNITS), rng).replace("{place}", fake.city()), "Health_Care_Unit"
        ),
        "hospital": phi(rng.choice(HOSPITALS).format(place=fake.city()), "Health_Care_Unit"),
        "employer": phi(
            f"{fake.last_name()} {rng.choice(['AB', 'Bygg AB', 'kommun'])}", "Organization"
        ),
        "profession": phi(rng.choice(PROFESSIONS), "Profession"),
    }


def _header(b: NoteBuilder, s: Slots, rng: random.Random) -> None:
    b.render(
        rng.choice(
            [
                "{hospital}, {unit}\nPatient: {patient}, {pnr}\nDatum: {visit}\n",
                "Journalanteckning {visit}\n{unit}\nNamn: {patient} Personnummer: {pnr}\n",
                "{unit}\n{patient} ({age} år), {street}, {postcode} {city}\n",
            ]
        ),
        s,
    )


def _story(b: NoteBuilder, s: Slots, rng: random.Random) -> None:
    history = ", ".join(rng.sample(HISTORY, k=rng.randint(1, 3)))
    b.render(
        rng.choice(
            [
                "{age}-årig {profession} med {history} som söker för {symptom}. ",
                "Pat är en {age} år gammal {profession}, tidigare känd för {history}. "
                "Söker nu för {symptom}. ",
                "{pronoun} arbetar som {profession} på {employer}. Anamnes: {history}. "
                "Aktuellt: {symptom}. ",
            ]
        )
        .replace("{history}", history)
        .replace("{symptom}", _fill(rng.choice(SYMPTOMS), rng)),
        s,
    )
    b.add(f"Status: {_fill(rng.choice(FINDINGS), rng)}. {rng.choice(PLANS)}.\n")


def write_note(b: NoteBuilder, fake: Faker, rng: random.Random) -> str:
    s = _slots(fake, rng)
    kind = rng.choice(["admission", "discharge", "referral", "lab"])
    _header(b, s, rng)
    if kind == "admission":
        b.add("Inskrivningsanteckning\n")
        _story(b, s, rng)
        if rng.random() < 0.6:
            b.render("Anhörig: {relation} {relative}, tel {phone}.\n", s)
    elif kind == "discharge":
        b.render("Epikris\nInlagd {visit}, utskriven {discharge}.\n", s)
        _story(b, s, rng)
        b.render("Återbesök hos {doctor} på {unit} {followup}.\n", s)
    elif kind == "referral":
        b.render("Remiss till {hospital}\nFrågeställning: ", s)
        _story(b, s, rng)
        b.render("Patienten nås på {phone} eller {email}.\n", s)
    else:
        b.render("Provsvar, provtagning {visit}\n", s)
        for _ in range(rng.randint(3, 6)):
            test, unit, low, high = rng.choice(
                [
                    ("Hb", "g/L", 85, 170),
                    ("Kreatinin", "µmol/L", 50, 250),
                    ("CRP", "mg/L", 1, 200),
                    ("P-Glukos", "mmol/L", 4, 20),
                    ("Natrium", "mmol/L", 125, 148),
                ]
            )
            b.add(f"{test} {rng.randint(low, high)} {unit}\n")
        b.render("Bedömning: {patient_first} informeras per telefon av {nurse}.\n", s)
    b.render(
        rng.choice(["Signerad av {doctor}\n", "/{doctor}, läkare\n", "Dikterad av {doctor}\n"]), s
    )
    return kind
