"""Spanish queries, read through English. New York has millions of Spanish speakers, and a query such as
"clases de natación para mi hija de 6 años en el Bronx los sábados" says the same things the English
parser already reads (a service, an age, a borough, a recurring day). So a query that is clearly Spanish
is put into English word by word, phrases first, and parsed as English; `query` keeps what was typed.

A glossary, not a translation model: the words lesson searches use (services, days, periods, family,
levels, places, prices, the little words around them) are few, and anything not in it is kept as
typed (names of places and most instruments are the same in both languages). Input is already
normalised (lower case, accents folded: "natacion", "anos", "sabados")."""

from __future__ import annotations

import re

# Words that only a Spanish query has; two of them, one a content word, make a query Spanish.
_STRONG = frozenset(
    "clases clase quiero quisiera busco buscamos necesito necesitamos hijo hija hijos ninos nino nina "
    "anos profesor profesora maestro maestra hable hablen cerca principiante principiantes "
    "sabados domingos semana manana tarde noche barato barata precio novio novia esposo esposa amigos amigas".split()
)
_WEAK = frozenset("de para mi mis con por los las el la en y que una un del al".split())

# Phrases first (longest wins), then single words. Values are English the parser reads.
_PHRASES: dict[str, str] = {
    "por la manana": "in the morning",
    "en la manana": "in the morning",
    "por las mananas": "mornings",
    "por la tarde": "in the afternoon",
    "en la tarde": "in the afternoon",
    "por las tardes": "afternoons",
    "por la noche": "in the evening",
    "en la noche": "in the evening",
    "por las noches": "evenings",
    "este fin de semana": "this weekend",
    "los fines de semana": "weekends",
    "fines de semana": "weekends",
    "fin de semana": "weekend",
    "entre semana": "weekdays",
    "esta semana": "this week",
    "la proxima semana": "next week",
    "la semana que viene": "next week",
    "pasado manana": "the day after tomorrow",
    "que hable espanol": "who speaks spanish",
    "que hablen espanol": "who speaks spanish",
    "que hable ingles": "who speaks english",
    "en espanol": "in spanish",
    "en linea": "online",
    "por internet": "online",
    "a domicilio": "at my home",
    "en casa": "at home",
    "cerca de": "near",
    "menos de": "under",
    "no mas de": "no more than",
    "mas de": "over",
    "por hora": "per hour",
    "artes marciales": "martial arts",
    "defensa personal": "self defense",
    "ingles como segundo idioma": "esl",
    "clases de ingles": "esl lessons",
    "aprender ingles": "learn esl",
    "tareas escolares": "homework help",
    "el bronx": "the bronx",
}
_WORDS: dict[str, str] = {
    # days and times
    "lunes": "monday",
    "martes": "tuesday",
    "miercoles": "wednesday",
    "jueves": "thursday",
    "viernes": "friday",
    "sabado": "saturday",
    "sabados": "saturdays",
    "domingo": "sunday",
    "domingos": "sundays",
    "hoy": "today",
    "manana": "tomorrow",
    "tardes": "afternoons",
    "noches": "evenings",
    "semana": "week",
    # people
    "hijo": "son",
    "hija": "daughter",
    "hijos": "kids",
    "hijas": "daughters",
    "nino": "kid",
    "nina": "girl",
    "ninos": "kids",
    "ninas": "girls",
    "bebe": "baby",
    "adolescente": "teen",
    "adolescentes": "teens",
    "adulto": "adult",
    "adultos": "adults",
    "adultas": "adults",
    "mayores": "seniors",
    "novio": "boyfriend",
    "novia": "girlfriend",
    "amigos": "friends",
    "amigas": "friends",
    "esposo": "husband",
    "esposa": "wife",
    "mama": "mom",
    "madre": "mother",
    "papa": "dad",
    "padre": "father",
    "anos": "year old",
    "ano": "year old",
    # lessons and levels
    "clases": "lessons",
    "clase": "lesson",
    "lecciones": "lessons",
    "profesor": "teacher",
    "profesora": "teacher",
    "maestro": "teacher",
    "maestra": "teacher",
    "entrenador": "coach",
    "entrenadora": "coach",
    "principiante": "beginner",
    "principiantes": "beginners",
    "intermedio": "intermediate",
    "avanzado": "advanced",
    "privadas": "private",
    "privada": "private",
    "particulares": "private",
    "presencial": "in person",
    "virtual": "online",
    "barato": "cheap",
    "barata": "cheap",
    "baratas": "cheap",
    "economico": "cheap",
    "economicas": "cheap",
    "dolares": "dollars",
    "maximo": "max",
    # services
    "natacion": "swimming",
    "nadar": "swim",
    "guitarra": "guitar",
    "bateria": "drums",
    "canto": "singing",
    "cantar": "sing",
    "baile": "dance",
    "bailar": "dance",
    "danza": "dance",
    "ingles": "esl",
    "espanol": "spanish",
    "frances": "french",
    "italiano": "italian",
    "aleman": "german",
    "chino": "mandarin",
    "matematicas": "math",
    "mate": "math",
    "lectura": "reading",
    "leer": "reading",
    "escritura": "writing",
    "ciencias": "science",
    "quimica": "chemistry",
    "fisica": "physics",
    "biologia": "biology",
    "historia": "history",
    "ajedrez": "chess",
    "dibujo": "drawing",
    "dibujar": "drawing",
    "pintura": "painting",
    "pintar": "painting",
    "cocina": "cooking",
    "cocinar": "cooking",
    "reposteria": "baking",
    "fotografia": "photography",
    "costura": "sewing",
    "coser": "sewing",
    "tejer": "knitting",
    "futbol": "soccer",
    "baloncesto": "basketball",
    "tenis": "tennis",
    "boxeo": "boxing",
    "patinaje": "skating",
    "gimnasia": "gymnastics",
    "manejar": "driving",
    "conducir": "driving",
    "programacion": "coding",
    "computacion": "computer skills",
    "musica": "music",
    "tarea": "homework",
    "tareas": "homework",
    "examen": "exam",
    # the little words
    "de": "",
    "del": "of the",
    "para": "for",
    "mi": "my",
    "mis": "my",
    "con": "with",
    "y": "and",
    "o": "or",
    "el": "the",
    "la": "the",
    "los": "the",
    "las": "the",
    "un": "a",
    "una": "a",
    "en": "in",
    "al": "to the",
    "que": "who",
    "quiero": "i want",
    "quisiera": "i would like",
    "busco": "looking for",
    "buscamos": "looking for",
    "necesito": "i need",
    "necesitamos": "we need",
    "soy": "i am",
    "tengo": "i have",
    "tiene": "has",
    "aprender": "learn",
    "hable": "speaks",
    "hablen": "speak",
    "cerca": "near",
    "precio": "price",
}
_PHRASE_RE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _PHRASES), key=len, reverse=True)) + r")\b")
_WORD_RE = re.compile(r"[a-z]+")
_AGE_RE = re.compile(r"\bde (\d{1,2}) anos?\b")  # "mi hija de 6 anos" -> "my daughter 6 year old"


def is_spanish(normalized: str) -> bool:
    words = _WORD_RE.findall(normalized)
    strong = sum(w in _STRONG for w in words)
    weak = sum(w in _WEAK for w in words)
    return strong >= 1 and strong + weak >= 3


def to_english(normalized: str) -> str | None:
    """The English reading of a normalised Spanish query, or None when the query is not Spanish."""
    if not is_spanish(normalized):
        return None
    s = _AGE_RE.sub(r"\1 year old", normalized)
    s = _PHRASE_RE.sub(lambda m: _PHRASES[m.group()], s)
    s = _WORD_RE.sub(lambda m: _WORDS.get(m.group(), m.group()), s)
    return re.sub(r"\s+", " ", s).strip()
