"""Word lists and bio templates for the demo data generator."""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Sofia Liam Maya Noah Aisha Mateo Chloe Ethan Priya Jamal Elena Lucas Mei Daniel Fatima Gabriel "
    "Hannah Omar Isabella Kenji Zoe Diego Amara Samuel Leah Andre Nadia Julian Grace Tariq Camila Ben "
    "Yuki Marcus Olivia Ravi Ana Jonah Simone Arjun Lena Malik Ivy Carlos Rosa Theo Nia David Sara "
    "Felipe Ingrid Kwame Alina Hugo Jasmine Rafael Esther Wei Talia Victor Bianca Emeka Clara Yusuf "
    "Dmitri Naomi Luis Harper Jae Adele Santiago Rina Paolo Keisha Ari Valentina Tomas Imani Noor"
).split()
LAST_NAMES = (
    "Garcia Chen Okafor Rossi Cohen Kim Patel Nguyen Williams Rodriguez Ivanova Haddad Murphy Santos "
    "Schwartz Johnson Park Alvarez Singh Dubois Tanaka Mensah Kowalski Russo Lopez Friedman Ahmed Brown "
    "Levy Morales Sato Hernandez Goldberg Nakamura Davis Moreau Ortiz Wang Baptiste Novak Reyes Rahman "
    "Fischer Diaz Costa Yilmaz Thompson Lee Jackson Romero Sullivan Hoffman Castillo Greene Petrov Suzuki "
    "Abebe Clarke Ferreira Bianchi Adeyemi Walsh Gupta Torres Rivera Katz Mendoza Ali Zhang Cruz Flores"
).split()

EXTRA_LANGUAGES = (
    "spanish",
    "mandarin",
    "cantonese",
    "russian",
    "french",
    "korean",
    "portuguese",
    "italian",
    "german",
    "japanese",
    "hebrew",
    "arabic",
    "haitian creole",
    "bengali",
    "polish",
    "hindi",
    "greek",
)
# Language services whose teachers speak that language.
SERVICE_LANGUAGE = {
    "spanish": "spanish",
    "mandarin": "mandarin",
    "cantonese": "cantonese",
    "russian": "russian",
    "arabic": "arabic",
    "french": "french",
    "korean": "korean",
    "italian": "italian",
    "japanese": "japanese",
    "hebrew": "hebrew",
    "german": "german",
    "portuguese": "portuguese",
    "bengali": "bengali",
    "haitian-creole": "haitian creole",
    "hindi-urdu": "hindi",
    "polish": "polish",
    "greek": "greek",
}

# Hourly in-person price ranges by category (USD).
PRICE_RANGES = {
    "music": (50, 130),
    "dance": (40, 100),
    "arts": (40, 95),
    "sports": (50, 140),
    "tutoring": (45, 150),
    "languages": (35, 95),
    "hobbies": (35, 110),
}
PREMIUM_SUBCATEGORIES = {"test-prep": (80, 220), "personal-training": (70, 160), "life-career-coaching": (70, 200)}

POPULAR = {
    "piano",
    "guitar",
    "voice-singing",
    "violin",
    "drums-percussion",
    "swimming",
    "tennis",
    "yoga",
    "math",
    "sat",
    "spanish",
    "english-esl-efl",
    "chess",
    "kids-coding-scratch",
    "ballet",
    "hip-hop",
    "drawing",
    "personal-training",
    "jiu-jitsu",
    "boxing",
    "algebra",
    "reading",
    "french",
    "mandarin",
    "photography",
    "salsa",
    "pilates",
    "soccer",
    "basketball",
    "python",
    "act",
    "shsat",
    "baking",
}

ADJECTIVES = (
    "patient",
    "energetic",
    "warm",
    "detail-oriented",
    "encouraging",
    "playful",
    "structured",
    "calm",
    "enthusiastic",
    "experienced",
)
STYLES = (
    "Lessons are hands-on and paced to each student.",
    "I build every lesson around goals we set together.",
    "My students laugh a lot and practice more because of it.",
    "I break hard skills into small, confidence-building steps.",
    "Expect clear structure, honest feedback and homework that fits your week.",
    "I adapt to how you learn best, visual, verbal or by doing.",
    "Beginners are my favorite: no question is too basic.",
    "I prepare students for recitals, exams, auditions and competitions.",
)
AUDIENCE_LINES = {
    "toddler": "I run gentle, play-based sessions for toddlers with a parent or caregiver.",
    "kids": "Kids love my games and short, focused activities.",
    "teens": "I help teens build real skills and portfolios for school applications.",
    "adults": "Adult learners get flexible, practical lessons around busy schedules.",
}
LEVEL_LINES = {
    "beginner": "Complete beginners welcome.",
    "intermediate": "Intermediate students polish technique and repertoire.",
    "advanced": "Advanced students work on performance-level detail.",
}

# Review sentences: an opening by stars, then what went well (or did not), then a closing line.
REVIEW_OPENINGS = {
    5: (
        "{first} is wonderful.",
        "Best {service} teacher we have had.",
        "Could not have asked for a better teacher.",
        "Every lesson with {first} is worth it.",
        "{first} is patient, prepared and fun.",
    ),
    4: (
        "Very good {service} lessons.",
        "{first} knows the material and explains it well.",
        "Solid lessons, we will keep going.",
        "A really good teacher overall.",
    ),
    3: (
        "Decent {service} lessons.",
        "Good teacher, but not the best fit for us.",
        "Some lessons were great, others felt rushed.",
    ),
    2: ("Not what we hoped for.", "The lessons felt unplanned."),
    1: ("Would not book again.", "A disappointing lesson."),
}
REVIEW_DETAILS = {
    "good": (
        "Clear explanations and a practice plan for the week.",
        "My daughter went from nervous to confident in a few weeks.",
        "My son actually asks for the next lesson now.",
        "Lessons start on time and are well prepared.",
        "I finally understand what I was doing wrong.",
        "Great at adapting when I was tired after work.",
        "Honest feedback without ever being discouraging.",
        "Rescheduling once was easy.",
    ),
    "mixed": (
        "Started ten minutes late twice.",
        "Homework was a bit much for our schedule.",
        "Would like more structure from lesson to lesson.",
        "Knowledgeable, though the pace was slow for me.",
    ),
    "bad": (
        "Arrived late and left early.",
        "Spent most of the time on the phone.",
        "Did not seem to remember what we covered last time.",
    ),
}
REVIEW_CLOSINGS = {
    5: ("Highly recommend!", "Thank you, {first}!", "", ""),
    4: ("Recommended.", "", ""),
    3: ("", "Might try again."),
    2: ("",),
    1: ("",),
}


def review_text(rng: random.Random, stars: int, service: str, first: str) -> str:
    """A short review of one lesson of `service` with `first`, worth `stars` (1–5)."""
    tone = "good" if stars >= 4 else "mixed" if stars == 3 else "bad"
    parts = [rng.choice(REVIEW_OPENINGS[stars])]
    parts += rng.sample(REVIEW_DETAILS[tone], 1 if stars != 5 else rng.choice((1, 2)))
    if stars == 4 and rng.random() < 0.3:
        parts.append(rng.choice(REVIEW_DETAILS["mixed"]))
    parts.append(rng.choice(REVIEW_CLOSINGS[stars]))
    words = {"first": first or "Our teacher", "service": service}
    return " ".join(p.format(**words) for p in parts if p)
