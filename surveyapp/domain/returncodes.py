"""Return codes: short memorable codes (MAPLE-OTTER-4217) that link a family's answers across waves.

Only a keyed hash of a code is ever stored. The key is generated on first start and kept outside the
database, readable by the owner only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from pathlib import Path

WORDS = (
    "acorn", "amber", "anchor", "apple", "apron", "arrow", "aspen", "autumn", "badger", "bakery", "bamboo",
    "banjo", "barley", "basket", "beach", "beacon", "beetle", "berry", "birch", "biscuit", "blanket", "blossom",
    "bluebell", "bonnet", "border", "bramble", "bread", "breeze", "brick", "bridge", "brook", "bubble",
    "bucket", "buckle", "bunny", "butter", "button", "cabin", "cactus", "camel", "candle", "canoe", "canvas",
    "carrot", "castle", "cedar", "cello", "cherry", "chestnut", "cider", "circle", "clover", "cobble",
    "coconut", "comet", "copper", "coral", "cotton", "cradle", "crane", "crayon", "cricket", "crown", "cupcake",
    "daisy", "dawn", "delta", "dolphin", "donkey", "dove", "dragon", "drum", "eagle", "echo", "elder", "ember",
    "falcon", "feather", "fennel", "fern", "ferry", "fiddle", "finch", "flint", "flower", "forest", "fossil",
    "fox", "garden", "garnet", "ginger", "glade", "glove", "goose", "granite", "grape", "harbour", "harvest",
    "hazel", "heather", "hedge", "heron", "hill", "holly", "honey", "hopper", "iris", "island", "ivy", "jacket",
    "jelly", "jigsaw", "jungle", "kettle", "kite", "kitten", "koala", "ladder", "lagoon", "lantern", "lark",
    "laurel", "lemon", "lily", "lime", "linen", "lobster", "locket", "lotus", "magpie", "mango", "maple",
    "marble", "meadow", "melon", "mermaid", "mint", "mitten", "moon", "moss", "muffin", "nectar", "needle",
    "nutmeg", "oak", "oasis", "ocean", "olive", "orange", "orchard", "otter", "owl", "paddle", "pansy",
    "panther", "parrot", "peach", "pebble", "pelican", "pepper", "pickle", "pigeon", "pillow", "pine", "planet",
    "plum", "pocket", "pony", "poppy", "puffin", "pumpkin", "quail", "quartz", "quill", "rabbit", "radish",
    "rainbow", "raven", "reed", "ribbon", "river", "robin", "rocket", "rose", "saddle", "sail", "salmon",
    "sandal", "scarf", "seal", "shell", "sherbet", "shore", "silver", "sky", "sledge", "snail", "sparrow",
    "spruce", "squirrel", "star", "stone", "straw", "stream", "sugar", "summer", "sunset", "swallow", "swan",
    "teapot", "thistle", "thunder", "tiger", "timber", "toffee", "tomato", "tortoise", "tulip", "tunnel",
    "turnip", "valley", "velvet", "violet", "walnut", "walrus", "water", "wheat", "whistle", "willow", "window",
    "winter", "wolf", "wren", "yacht", "yarrow", "zebra", "almond", "beaver", "bison", "blackbird", "bobbin",
    "bonfire", "cabbage", "canyon", "cashew", "cinnamon", "clay", "cloud", "cocoa", "cornflower", "cosmos",
    "crocus", "current", "dune", "elm", "emerald",
)
_WORD_INDEX = {word: i for i, word in enumerate(WORDS)}
_SHAPE = re.compile(r"([A-Z]+)-([A-Z]+)-([0-9]{4})", re.ASCII)
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015\u2212]+")  # spaces, hyphens, dashes and minus signs
# Codes shown as examples (the docs, the form's hint and errors, the API schema): never issued, and refused
# when typed, so a family copying the example is told so rather than linked with every other who did.
RESERVED = frozenset({"MAPLE-OTTER-4217"})
# Which of the family's children a response is about, asked beside the code: their place among all the family's
# children, oldest first (a place that stays the same from wave to wave as long as no older child appears, and that
# names nobody): 1 the oldest or only child, 2 the second oldest, 3 the third oldest, 4 the fourth oldest or younger.
CHILDREN = ("1", "2", "3", "4")


class ReturnCodeError(ValueError):
    """A typed return code that is not of the form WORD-WORD-1234 with words from the list."""


def _fold(code: str) -> str:
    """Full-width letters, digits and hyphens to ASCII (NFKC), then any other script's decimal digits
    (Arabic-Indic, Devanagari, ...) to 0-9: a phone's keyboard may type either, and both mean the same code."""
    folded = unicodedata.normalize("NFKC", code)
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in folded)


def normalise(code: str) -> str:
    """Normalise case, separators and digits ("maple otter ٤٢١٨" -> "MAPLE-OTTER-4218"); raise when malformed
    or when it is the example code."""
    parts = _SEPARATORS.split(_fold(code).strip().upper())
    candidate = "-".join(p for p in parts if p)
    match = _SHAPE.fullmatch(candidate)
    if not match or match.group(1).lower() not in _WORD_INDEX or match.group(2).lower() not in _WORD_INDEX:
        raise ReturnCodeError("enter the code exactly as you were given it, like MAPLE-OTTER-4217")
    if candidate in RESERVED:
        raise ReturnCodeError(f"{candidate} is the example code in the instructions, not anyone's code; enter "
                              "the code you were given, or leave it out to answer without linking")
    return candidate


def _from_bytes(data: bytes) -> str:
    first, second = WORDS[data[0] % len(WORDS)], WORDS[data[1] % len(WORDS)]
    digits = int.from_bytes(data[2:6], "big") % 10_000
    code = f"{first.upper()}-{second.upper()}-{digits:04d}"
    if code in RESERVED:  # one chance in 655 million: the next number instead, still a function of the data
        code = f"{first.upper()}-{second.upper()}-{(digits + 1) % 10_000:04d}"
    return code


class ReturnCodes:
    """Issues codes and hashes them with a secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the return-code key must be at least 32 bytes")
        self._key = key

    def new_code(self) -> str:
        """A fresh random code."""
        return _from_bytes(secrets.token_bytes(6))

    def code_for_submission(self, wave_id: str, submission_id: str) -> str:
        """The code for a client's submission id: a retried submission gets the same code back."""
        return _from_bytes(self._mac(f"code|{wave_id}|{submission_id}"))

    def cohort_key(self, code: str) -> str:
        """The keyed hash stored in place of a (normalised) code."""
        return self._mac(f"cohort|{code}").hex()[:40]

    def child_key(self, code: str, child: str) -> str:
        """The keyed hash of a (normalised) code and a child marker (`CHILDREN`): the marker is kept only in it."""
        return self._mac(f"child|{code}|{child}").hex()[:40]

    def fingerprint(self, canonical: bytes) -> str:
        """A keyed hash of a submission's content, to tell a true retry from a reused submission id."""
        return hmac.new(self._key, b"fingerprint|" + canonical, hashlib.sha256).hexdigest()[:40]

    def _mac(self, message: str) -> bytes:
        return hmac.new(self._key, message.encode(), hashlib.sha256).digest()


def load_or_create_key(path: Path) -> bytes:
    """Read the key, or create it (owner-only permissions) on first start."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermissionError(f"{path} must be readable by its owner only (chmod 600), not {oct(mode)}")
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key


def load_or_share_key(path: Path) -> bytes:
    """`load_or_create_key` for keys that may be made by two processes at once (the form's, the sessions'): the
    one that loses the race to create it reads the winner's."""
    try:
        return load_or_create_key(path)
    except FileExistsError:
        return load_or_create_key(path)
