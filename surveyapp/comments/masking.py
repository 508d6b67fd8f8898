"""Comments made safe to read: the details that could identify a family replaced by labelled placeholders.

Each kind is found on the text as written, the spans are merged (the first kind listed wins an overlap), and
each span becomes its placeholder. Phone numbers are found by `phonenumbers` (Google's libphonenumber, with
its UK metadata, offline); first names and surnames come from the name lists `faker` ships (British, Irish,
American, Indian, New Zealand, Arabic and Polish first names); the rest are rules: e-mail addresses, NHS
numbers (ten digits passing the modulus 11 check), full postcodes, street addresses, dates (of birth when the
words around say so), and schools and settings (the admin's list, then a name ending in School, Academy,
Nursery and the like). What it misses is said in docs/analysts/comments.md, with the recall measured.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from functools import cache

import phonenumbers

PLACEHOLDERS = {"email": "[email]", "nhs": "[NHS number]", "phone": "[phone]", "postcode": "[postcode]",
                "address": "[address]", "dob": "[date of birth]", "date": "[date]", "school": "[school]",
                "name": "[name]"}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LOCALES = ("en_GB", "en_IE", "en_US", "en_IN", "en_NZ", "ar_AA", "pl_PL")
# First names that are also everyday words: a name when capitalised inside a sentence, or with a cue.
EVERYDAY = _words("""Will Hope Faith Grace Joy Mark Bill Guy Don Chase Ray Dawn Hunter Rose Iris Ivy Holly Penny
Sky Star Rich Frank Pat Sue Art Sunny Hazel Amber Ruby Jade Crystal Heather Lily Daisy Poppy Violet Jasmine Angel
Sonny Miles Dale Glen Cliff Robin Wren Drew Bob Sandy Earl Rocky Justice Mercy Patience Honor Honour Misty Storm
River Rain Sage Reed Brook Fern Faye Bo Ali Mo Ty Jo Em Di Ed Al Jan Kay Lee Rae Nick Rob""")
# First names that are months, seasons, places, parties or titles here: a name only with a cue (a title, "my
# son", "called") or a surname after it.
NOT_ALONE = _words("""May June April August Autumn Summer Spring Winter Christian Royal Young Long Grant Lincoln
Paris Jordan Kent Medway Dover Deal Sandwich Ashford Early Help Carer Labour Tory Green Wood Forest Page Prince King
Major Duke Noble Trinity Genesis Unity Marshall Mason Baker Cook Taylor Porter Carter Hall Price Case Roman Colt
Cole""")
_CUE = re.compile(r"(?:\b(?:my|our|her|his|their)\s+(?:(?:eldest|youngest|older|younger|little|foster|step|twin)\s+)?"
                  r"(?:son|daughter|child|boy|girl|grandson|granddaughter|stepson|stepdaughter|twins?|brother|"
                  r"sister|partner|husband|wife)|\bcalled|\bnamed|\bcaseworker|\bSENCO)[,:]?\s+$", re.IGNORECASE)
_CUED_LOWER = re.compile(_CUE.pattern[:-1] + r"(?P<name>[a-z]+)\b", re.IGNORECASE)
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?"
_WORD = r"[A-Z][a-z]+(?:['’-][A-Za-z]+)*"
_TITLED = re.compile(rf"\b{_TITLE}\s+{_WORD}(?:\s+{_WORD})?")
_POSSESSIVE = re.compile(r"['’]s$")
_TOKEN = re.compile(r"\b[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*\b")
EMAIL = re.compile(r"\b[\w.+'-]+@[\w-]+(?:\.[\w-]+)+\b")
NHS = re.compile(r"(?<![\d+])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
_STREET = (r"(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Cres|Gardens|Place|Court|Grove|"
           r"Terrace|Hill|Rise|Walk|Mews|Row|Square|View|Green|Parade|Park Road|Vale|Meadow|Meadows|Chase|Gate)")
ADDRESS = re.compile(rf"\b(?:(?:Flat|Apartment)\s+\d+[A-Za-z]?,?\s+)?(?:\d{{1,4}}[A-Za-z]?,?\s+)?"
                     rf"(?:{_WORD}\s+){{1,3}}{_STREET}\b\.?")
_NUMBERED_ADDRESS = re.compile(rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:{_WORD}\s+){{1,3}}{_STREET}\b")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
DATE = re.compile(rf"\b(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
                  rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{4}}"
                  rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b", re.IGNORECASE)
_BIRTH = re.compile(r"(?:\bborn\b|\bD\.?O\.?B\b|\bdate of birth\b|\bbirthday\b)[\s:,.-]*(?:on|in)?\s*$", re.IGNORECASE)
BIRTH_MONTH = re.compile(rf"(?:\bborn\b|\bD\.?O\.?B\b|\bdate of birth\b)[\s:,.-]*(?:on|in)?\s*"
                         rf"(?P<date>{_MONTH}\.?,?\s+\d{{4}})\b", re.IGNORECASE)
_SCHOOLISH = (r"(?:School|Academy|College|Primary|Infants?|Juniors?|Nursery|Pre-?[Ss]chool|Grammar|Kindergarten|"
              r"Playgroup|Pre-?[Ss]chool|Learning Centre|PRU)")
_GENERIC = _words("""The A An My Our His Her Their This That Special Primary Secondary Junior Juniors Infant Infants
High Grammar Community Church Free Nursery Independent Mainstream Academy School College Local Village Catholic
Christian CE CofE RC Foundation Day Boarding Residential Private State Sixth Form New Current Previous Old His Her
Upper Lower Middle Specialist Trust Multi Academies Alternative Provision Unit Pupil Referral Resource Base
County Kent Medway Girls Boys Church England Of""")
SCHOOL = re.compile(rf"\b(?:(?:St\.?|Saint)\s+)?(?:(?:{_WORD}|[A-Z]{{1,4}}|of|the|and|&|St\.?|C\s?of\s?E)[ ]+){{1,6}}?"
                    rf"{_SCHOOLISH}\b(?:\s+School)?")
_KINDS = ("email", "nhs", "dob", "date", "phone", "postcode", "school", "address", "name")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(\n]\s*)$")


def _core(name: str) -> str:
    """A school's name without its last generic word ("Hillview School" -> "Hillview"): families write both."""
    words = name.split()
    while len(words) > 1 and words[-1].strip(".") in {"School", "Academy", "Nursery", "College", "Primary",
                                                       "Pre-school", "Preschool", "Infants", "Juniors"}:
        words = words[:-1]
    return " ".join(words)


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check: weights 10 to 2 on the first nine digits, the tenth is the check."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@cache
def first_names() -> frozenset[str]:
    """First names from faker's person providers (the lists it ships: nothing is downloaded)."""
    names: set[str] = set()
    for locale in _LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            names.update(str(n) for n in getattr(provider, attribute, ()) if str(n).isalpha())
    return frozenset(n for n in names if len(n) > 1)


@cache
def surnames() -> frozenset[str]:
    """Surnames from faker's person providers."""
    names: set[str] = set()
    for locale in _LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        names.update(str(n) for n in getattr(provider, "last_names", ()) if str(n).replace("'", "").isalpha())
    return frozenset(names)


Span = tuple[int, int, str]


class Masker:
    """Masks comments with this list of school and setting names (the admin's) and these words that are not
    names here (the area pack's place names, say)."""

    def __init__(self, settings: Iterable[str] = (), not_names: Iterable[str] = ()) -> None:
        listed = sorted({_core(s) for s in settings if _core(s)}, key=len, reverse=True)
        self._listed = (re.compile(r"\b(?:" + "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in listed)
                                   + r")(?:\s+(?:School|Academy|Nursery|College))?\b", re.IGNORECASE)
                        if listed else None)
        self._not_alone = NOT_ALONE | frozenset(w for n in not_names for w in n.split())

    def spans(self, text: str) -> list[Span]:
        """Every detail found, (start, end, kind), merged: no two overlap, the earlier kind wins."""
        taken: list[Span] = []
        for kind in _KINDS:
            for start, end in getattr(self, f"_{kind}")(text):
                if start < end and all(end <= s or start >= e for s, e, _ in taken):
                    taken.append((start, end, kind))
        return sorted(taken)

    def mask(self, text: str) -> str:
        """The text with each detail replaced by its placeholder ("[name]", "[school]", "[phone]", ...)."""
        out, at = [], 0
        for start, end, kind in self.spans(text):
            out += [text[at:start], PLACEHOLDERS[kind]]
            at = end
        return "".join([*out, text[at:]])

    @staticmethod
    def _email(text: str) -> Iterator[tuple[int, int]]:
        return ((m.start(), m.end()) for m in EMAIL.finditer(text))

    @staticmethod
    def _nhs(text: str) -> Iterator[tuple[int, int]]:
        return ((m.start(), m.end()) for m in NHS.finditer(text) if nhs_number_valid("".join(m.groups())))

    @staticmethod
    def _phone(text: str) -> Iterator[tuple[int, int]]:
        matcher = phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE)
        # POSSIBLE keeps numbers Ofcom sets aside for drama (07700 900...) and typos; ten digits at least
        return ((m.start, m.end) for m in matcher if sum(c.isdigit() for c in m.raw_string) >= 10)

    @staticmethod
    def _postcode(text: str) -> Iterator[tuple[int, int]]:
        return ((m.start(), m.end()) for m in POSTCODE.finditer(text))

    def _address(self, text: str) -> Iterator[tuple[int, int]]:
        for m in ADDRESS.finditer(text):
            # "Chase" and "Green" end streets and are words too: without a house number, only a named street
            words = m.group().split()
            if _NUMBERED_ADDRESS.match(m.group()) or words[0] not in _GENERIC:
                yield m.start(), m.end()

    @staticmethod
    def _dob(text: str) -> Iterator[tuple[int, int]]:
        for m in DATE.finditer(text):
            if _BIRTH.search(text[max(0, m.start() - 30):m.start()]):
                yield m.start(), m.end()
        for m in BIRTH_MONTH.finditer(text):
            yield m.start("date"), m.end("date")

    @staticmethod
    def _date(text: str) -> Iterator[tuple[int, int]]:
        return ((m.start(), m.end()) for m in DATE.finditer(text))

    def _school(self, text: str) -> Iterator[tuple[int, int]]:
        if self._listed is not None:
            yield from ((m.start(), m.end()) for m in self._listed.finditer(text))
        for m in SCHOOL.finditer(text):
            start = m.start()
            words = m.group().split()
            while words and words[0] in _GENERIC | {"of", "the", "and", "&"}:  # "the Oak Tree Primary": from Oak
                start = text.index(words[1], start + len(words[0])) if len(words) > 1 else m.end()
                words = words[1:]
            proper = [w for w in words[:-1] if w not in _GENERIC and w[:1].isupper()]
            if proper:
                yield start, m.end()

    def _name(self, text: str) -> Iterator[tuple[int, int]]:
        yield from ((m.start(), m.end()) for m in _TITLED.finditer(text))
        tokens = list(_TOKEN.finditer(text))
        for i, m in enumerate(tokens):
            base = _POSSESSIVE.sub("", m.group())
            if not self._is_name(text, m.start(), base):
                continue
            end, last = m.start() + len(base), m
            for nxt in tokens[i + 1:i + 3]:  # middle names and surnames after it: "Amelia Rose Clarke"
                if (text[last.end():nxt.start()] != " " or last.group() != _POSSESSIVE.sub("", last.group())
                        or nxt.group() in _GENERIC or (_POSSESSIVE.sub("", nxt.group()) in self._not_alone
                        and nxt.group() not in surnames())):
                    break
                end, last = nxt.start() + len(_POSSESSIVE.sub("", nxt.group())), nxt
            yield m.start(), end
        for m in _CUED_LOWER.finditer(text):  # "my son jayden": a listed first name written in lower case
            word = m.group("name")
            if word.islower() and word.capitalize() in first_names() - EVERYDAY - self._not_alone:
                yield m.start("name"), m.end("name")

    def _is_name(self, text: str, start: int, word: str) -> bool:
        """A first name from the lists (one that is also a word: inside a sentence), or a word after a cue."""
        before = text[max(0, start - 40):start]
        if _CUE.search(before):
            return word not in _GENERIC
        if word not in first_names() or word in self._not_alone:
            return False
        return word not in EVERYDAY or not _SENTENCE_START.search(before)
