"""Spanish clinical notes with MEDDOCAN's PHI labels."""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker

from deid_platform.core.surrogates.builder import NoteBuilder, Slots, phi

LOCALE = "es_ES"
# Fixed bounds: Faker's relative dates drift with the calendar even when seeded.
VISITS = (date(2008, 1, 1), date(2024, 12, 31))
MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
MONTHS = MONTHS.split()

HOSPITALS = [
    "Hospital Universitario {city}",
    "Hospital General de {city}",
    "Complejo Hospitalario de {city}",
    "Hospital Clínico San {saint}",
    "Hospital Virgen de la {virgin}",
]
SAINTS = ["Carlos", "Cecilio", "Juan", "Pedro", "Jorge", "Rafael"]
VIRGINS = ["Arrixaca", "Salud", "Victoria", "Concha", "Macarena", "Luz"]
UNITS = [
    "Servicio de Urología",
    "Servicio de Cardiología",
    "Servicio de Medicina Interna",
    "Servicio de Neumología",
    "Unidad de Cuidados Intensivos",
    "Servicio de Oncología Médica",
    "Servicio de Digestivo",
]
PROFESSIONS = [
    "minero jubilado",
    "agricultor",
    "profesora de secundaria",
    "camarero",
    "conductor de autobús",
    "administrativa",
    "albañil",
    "enfermera",
    "pescador",
]
RELATIVES = ["su madre", "su padre", "su hermana", "su hermano", "su hija", "su hijo", "su esposa"]
SYMPTOMS = [
    "dolor abdominal difuso de {n} días de evolución",
    "disnea de moderados esfuerzos",
    "fiebre de hasta 38,5 ºC y tos productiva",
    "hematuria macroscópica indolora",
    "astenia, anorexia y pérdida de {n} kg de peso",
    "dolor torácico opresivo irradiado a brazo izquierdo",
    "cefalea holocraneal y vómitos",
    "síndrome miccional de repetición",
]
HISTORY = [
    "hipertensión arterial en tratamiento con enalapril",
    "diabetes mellitus tipo 2 con buen control metabólico",
    "dislipemia",
    "exfumador de {n} paquetes/año",
    "cardiopatía isquémica con stent en descendente anterior",
    "EPOC moderada",
    "apendicectomía en la infancia",
    "fibrilación auricular anticoagulada con acenocumarol",
]
FINDINGS = [
    "una masa renal derecha de {n} cm",
    "un engrosamiento de la pared vesical",
    "una consolidación en el lóbulo inferior derecho",
    "múltiples adenopatías retroperitoneales",
    "una lesión hepática hipodensa de {n} mm",
    "derrame pleural izquierdo de pequeña cuantía",
]
TESTS = ["una ecografía abdominal", "un TAC toracoabdominal", "una RMN pélvica", "una cistoscopia"]
TREATMENTS = [
    "se inició antibioterapia empírica con amoxicilina-clavulánico",
    "se realizó nefrectomía radical laparoscópica sin complicaciones",
    "se pautó tratamiento con furosemida y bisoprolol",
    "se practicó resección transuretral de la lesión",
    "se decidió tratamiento conservador con analgesia",
]
OUTCOMES = [
    "La evolución posterior fue favorable",
    "El postoperatorio cursó sin incidencias",
    "Tras {n} días de ingreso el paciente fue dado de alta",
    "En la revisión a los {n} meses se encuentra asintomático",
]


def _date(d: date, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.55:
        return d.strftime("%d/%m/%Y")
    if style < 0.85:
        return f"{d.day} de {MONTHS[d.month - 1]} de {d.year}"
    return f"{d.day:02d}-{d.month:02d}-{d.year}"


def _dni(rng: random.Random) -> str:
    # Faker's es_ES nif() draws from the global random module, which the seed does not reach.
    number = rng.randint(10**7, 10**8 - 1)
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def _fill(template: str, rng: random.Random) -> str:
    return template.replace("{n}", str(rng.randint(2, 15)))


def _slots(fake: Faker, rng: random.Random) -> Slots:
    visit = fake.date_between(*VISITS)
    age = rng.randint(18, 92)
    birth = visit - timedelta(days=age * 365 + rng.randint(0, 364))
    sex = rng.choice(["H", "M"])
    first = fake.first_name_male() if sex == "H" else fake.first_name_female()
    surnames = f"{fake.last_name()} {fake.last_name()}"
    city = fake.city()
    hospital = rng.choice(HOSPITALS).format(
        city=city, saint=rng.choice(SAINTS), virgin=rng.choice(VIRGINS)
    )
    doctor = f"{fake.first_name()} {fake.last_name()} {fake.last_name()}"
    street = " ".join(fake.street_address().split())
    slots: Slots = {
        "patient": phi(f"{first} {surnames}", "NOMBRE_SUJETO_ASISTENCIA"),
        "first": phi(first, "NOMBRE_SUJETO_ASISTENCIA"),
        "surnames": phi(surnames, "NOMBRE_SUJETO_ASISTENCIA"),
        "doctor": phi(doctor, "NOMBRE_PERSONAL_SANITARIO"),
        "doctor2": phi(f"{fake.first_name()} {fake.last_name()}", "NOMBRE_PERSONAL_SANITARIO"),
        "relative": phi(f"{fake.first_name()} {fake.last_name()}", "FAMILIARES_SUJETO_ASISTENCIA"),
        "relation": [(rng.choice(RELATIVES), None)],
        "age": phi(f"{age} años", "EDAD_SUJETO_ASISTENCIA"),
        "age_n": phi(str(age), "EDAD_SUJETO_ASISTENCIA"),
        "sex": phi(sex, "SEXO_SUJETO_ASISTENCIA"),
        "birth": phi(_date(birth, rng), "FECHAS"),
        "visit": phi(_date(visit, rng), "FECHAS"),
        "discharge": phi(_date(visit + timedelta(days=rng.randint(1, 20)), rng), "FECHAS"),
        "followup": phi(_date(visit + timedelta(days=rng.randint(30, 400)), rng), "FECHAS"),
        "street": phi(street, "CALLE"),
        "city": phi(city, "TERRITORIO"),
        "province": phi(fake.state(), "TERRITORIO"),
        "postcode": phi(fake.postcode(), "TERRITORIO"),
        "country": phi(rng.choice(["España"] * 4 + ["Marruecos", "Rumanía", "Colombia"]), "PAIS"),
        "phone": phi(fake.phone_number(), "NUMERO_TELEFONO"),
        "email": phi(fake.free_email(), "CORREO_ELECTRONICO"),
        "nhc": phi(str(rng.randint(100000, 9999999)), "ID_SUJETO_ASISTENCIA"),
        "dni": phi(_dni(rng), "ID_SUJETO_ASISTENCIA"),
        "nass": phi(f"{rng.randint(10, 52)} {rng.randint(10**7, 10**8 - 1)}", "ID_ASEGURAMIENTO"),
        "colegiado": phi(
            f"{rng.randint(10, 52)} {rng.randint(10, 52)} {rng.randint(10000, 99999)}",
            "ID_TITULACION_PERSONAL_SANITARIO",
        ),
        "hospital": phi(hospital, "HOSPITAL"),
        "unit": [(rng.choice(UNITS), None)],
        "profession": phi(rng.choice(PROFESSIONS), "PROFESION"),
        "person": [("Varón" if sex == "H" else "Mujer", None)],
    }
    return slots


def _header(b: NoteBuilder, s: Slots, rng: random.Random) -> None:
    if rng.random() < 0.6:
        rows = [
            "Datos del paciente.\n",
            "Nombre: {first}.\n",
            "Apellidos: {surnames}.\n",
            "NHC: {nhc}.\n",
        ]
        rows += rng.sample(
            [
                "NASS: {nass}.\n",
                "DNI: {dni}.\n",
                "Domicilio: {street}.\n",
                "Localidad/ Provincia: {city}, {province}.\n",
                "CP: {postcode}.\n",
                "Teléfono: {phone}.\n",
            ],
            k=rng.randint(3, 6),
        )
        rows += [
            "Fecha de nacimiento: {birth}.\n",
            "País: {country}.\n",
            "Edad: {age} Sexo: {sex}.\n",
            "Fecha de Ingreso: {visit}.\n",
            "Médico: {doctor} NºCol: {colegiado}.\n",
        ]
        for row in rows:
            b.render(row, s)
    else:
        b.render(
            rng.choice(
                [
                    "{hospital}. {unit}.\nPaciente: {patient}. NHC {nhc}. Fecha: {visit}.\n",
                    "{unit} - {hospital}\nNombre: {patient} ({age_n} años). Ingreso: {visit}.\n",
                ]
            ),
            s,
        )


def _story(b: NoteBuilder, s: Slots, rng: random.Random) -> None:
    history = ", ".join(_fill(h, rng) for h in rng.sample(HISTORY, k=rng.randint(1, 3)))
    opening = rng.choice(
        [
            "Paciente de {age} de edad, {profession}, con antecedentes de ",
            "{person} de {age}, natural de {country}, {profession}, con antecedentes de ",
            "Se trata de un paciente de {age_n} años con ",
        ]
    )
    b.render(opening + history + ". ", s)
    b.add(f"Consulta por {_fill(rng.choice(SYMPTOMS), rng)}. ")
    b.add(
        f"Se solicita {rng.choice(TESTS)}, que muestra {_fill(rng.choice(FINDINGS), rng)}. "
        f"{rng.choice(TREATMENTS).capitalize()}. {_fill(rng.choice(OUTCOMES), rng)}.\n"
    )


def _signature(b: NoteBuilder, s: Slots, rng: random.Random) -> None:
    b.render(
        rng.choice(
            [
                "Correspondencia: {doctor}. {street}. {postcode} {city}. {country}. {email}\n",
                "Dr./Dra. {doctor}. {unit}. {hospital}. Correo electrónico: {email}\n",
                "Firmado: {doctor}, colegiado {colegiado}.\n",
            ]
        ),
        s,
    )


def write_note(b: NoteBuilder, fake: Faker, rng: random.Random) -> str:
    s = _slots(fake, rng)
    kind = rng.choice(["admission", "discharge", "referral", "lab"])
    _header(b, s, rng)
    if kind == "admission":
        b.add("Informe clínico del paciente: ")
        _story(b, s, rng)
        if rng.random() < 0.5:
            b.render("Acude acompañado de {relation}, {relative}, con quien convive.\n", s)
    elif kind == "discharge":
        b.render("INFORME DE ALTA\nFecha de ingreso: {visit}. Fecha de alta: {discharge}.\n", s)
        _story(b, s, rng)
        b.render("Se cita para revisión en consultas externas el {followup}.\n", s)
    elif kind == "referral":
        b.render(
            "Estimado/a compañero/a:\nRemito a {patient}, de {age}, a {unit} del {hospital} "
            "para valoración. ",
            s,
        )
        _story(b, s, rng)
        b.render("Puede contactar con la familia ({relation}, {relative}) en el {phone}.\n", s)
    else:
        b.render("Resultados de laboratorio. Muestra recibida el {visit}.\n", s)
        for _ in range(rng.randint(3, 6)):
            test, unit, low, high = rng.choice(
                [
                    ("Hemoglobina", "g/dL", 9.0, 17.0),
                    ("Creatinina", "mg/dL", 0.5, 2.5),
                    ("Glucosa", "mg/dL", 70.0, 250.0),
                    ("PCR", "mg/L", 0.5, 120.0),
                    ("Leucocitos", "x10^3/µL", 3.0, 18.0),
                    ("PSA", "ng/mL", 0.2, 40.0),
                ]
            )
            b.add(f"{test}: {rng.uniform(low, high):.1f} {unit}.\n")
        b.render("Validado por {doctor2} el {discharge}.\n", s)
    _signature(b, s, rng)
    return kind
