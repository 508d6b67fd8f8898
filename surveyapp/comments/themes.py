"""The starting codebook: the themes the 2019 report found in what families wrote (version 1 of every
questionnaire's codebook until an analyst edits it)."""

from __future__ import annotations

DEFAULT_NOTE = "the 2019 report's themes"
# (id, label, what counts): ids are kept across versions, and name the exports' theme_<id> columns.
DEFAULT_THEMES: tuple[tuple[str, str, str], ...] = (
    ("communication", "Communication",
     "Being kept informed: calls and emails not answered or returned, not knowing what is happening, "
     "services not talking to each other or to the school."),
    ("blamed", "Being blamed or not listened to",
     "Parents judged, blamed or treated as the problem; their knowledge of their child dismissed; an "
     "adversarial or threatening tone."),
    ("waiting", "Waiting for assessments",
     "Waiting lists and delays for assessment or diagnosis (autism, ADHD, CAMHS, educational psychology), "
     "or paying privately because of them."),
    ("coproduction", "Co-production",
     "Whether families take part in decisions and planning as equal partners, before decisions are made."),
    ("provision", "Provision and school places",
     "Whether a suitable school place or setting exists locally, specialist places, support in school, "
     "exclusions and travel to school."),
    ("ehc_process", "The EHC process",
     "Requests, assessments, plans and annual reviews: timescales, the quality of plans, caseworkers, "
     "tribunals."),
    ("therapies", "Therapies",
     "Speech and language therapy, occupational therapy, physiotherapy and other therapies: access, "
     "waiting and what a plan says."),
    ("social_care", "Social care",
     "Social workers, short breaks, respite, direct payments and support for the family at home."),
    ("mental_health", "Mental health",
     "Children's and young people's mental health and CAMHS, and the strain on parents."),
    ("praise", "Praise",
     "Something or someone that worked well: a school, a worker, a service."),
)
