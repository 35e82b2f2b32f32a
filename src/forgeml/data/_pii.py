"""The PII guard: find columns that hold personal data (e-mail addresses, phone numbers, card numbers,
national ids, IP addresses, people's names) so training can keep them out of the features.

A column is flagged when at least ``threshold`` (default 0.8) of a deterministic sample of its
non-missing values match one kind. Card numbers must pass the Luhn check and IBANs the mod-97 check,
so ordinary digit strings (order numbers, ZIP codes) are not flagged. Names need a name-like column
name (``name``, ``first_name``, ``surname`` ...) or, without one, two- or three-word capitalised values
that mostly start with a common first name and are mostly distinct.

Example:
    >>> df = pd.DataFrame({"contact": ["ana@example.org", "bo.li@mail.co.uk"], "amount": [9.5, 12.0]})
    >>> found = detect_pii(df)
    >>> sorted(found), found["contact"].kind
    (['contact'], 'email')
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PII_KINDS", "PiiFinding", "detect_pii"]

PII_KINDS = ("email", "card_number", "national_id", "ip_address", "phone", "person_name")
DEFAULT_THRESHOLD = 0.8
NAME_DISTINCT_SHARE = 0.5  # a name column without a name-like header must be mostly distinct values
FIRST_NAME_SHARE = 0.5  # ... and mostly start with a common first name

_LABELS = {
    "email": "e-mail addresses",
    "card_number": "payment card numbers (Luhn-valid)",
    "national_id": "national ids (US SSN, UK NI number or IBAN)",
    "ip_address": "IP addresses",
    "phone": "phone numbers",
    "person_name": "people's names",
}

_EMAIL = re.compile(r"^[\w.%+'\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,24}$")  # internationalised too
_CARD = re.compile(r"^\d(?:[ \-]?\d){12,18}$")
_SSN = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")
_UK_NI = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}$")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_PHONE_SHAPES = (
    re.compile(r"^\+\d{1,3}(?:[ .\-]?\(?\d{1,5}\)?){2,6}$"),  # international: +44 20 7946 0958, +1 (555) 010-0199
    re.compile(r"^\(?\d{3}\)?[ .\-]\d{3}[ .\-]\d{4}$"),  # North American: (555) 010-0199, 555.010.0199
    re.compile(r"^0\d{1,4}[ .\-/]\d{3,4}[ .\-]?\d{3,4}$"),  # trunk prefix: 020 7946 0958, 030/1234567
    re.compile(r"^0\d(?:[ .\-]\d{2}){4}$"),  # French style: 01 23 45 67 89
    re.compile(r"^0\d{9,10}$"),  # national digits only: 07700900123
)
_NAME_HEADER = re.compile(
    r"^(?:(?:first|last|full|given|family|middle|maiden|sur|fore|customer|client|patient|employee|contact|"
    r"person|card_?holder|account_?holder|holder|owner|applicant|member|student|guardian|spouse|"
    r"passenger|traveller|traveler|recipient|sender|beneficiary)_?)?names?$|^(?:surname|forename|lastname|"
    r"firstname|fullname|givenname|familyname)s?$"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PARTICLES = _words("van von der den de del della di da dos du le la al el bin ibn ben mac st y e")
_NAME_TOKEN = re.compile(r"^[^\W\d_][^\W\d_'’.\-]*(?:['’.\-][^\W\d_]*)*\.?$")
# Common given names of many origins; used only to recognise name columns whose header gives no hint.
_FIRST_NAMES = _words(
    """
    james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark
    donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary
    nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick
    raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter
    christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce
    gabriel joe logan albert willie alan eugene russell vincent philip bobby johnny bradley roy ralph randy wayne
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra margaret ashley
    kimberly emily donna michelle carol amanda melissa deborah stephanie dorothy rebecca sharon laura cynthia amy
    kathleen angela shirley brenda emma anna pamela nicole samantha katherine christine helen debra rachel carolyn
    janet maria catherine heather diane olivia julie joyce victoria ruth virginia lauren kelly christina joan evelyn
    judith andrea hannah megan cheryl jacqueline martha madison teresa gloria sara janice ann kathryn abigail sophia
    frances jean alice judy isabella julia grace amber denise danielle marilyn beverly charlotte natalie theresa
    diana brittany doris kayla alexis lori marie ava mia chloe ella lily zoe leah ellie lucy amelia harry oliver
    charlie freddie alfie archie leo oscar theo finn luca lukas elias felix jonas leon paul maximilian ben luis
    moritz niklas tim jan hans klaus jurgen juergen stefan andreas wolfgang uwe dieter heinz karl fritz gunter
    sabine petra monika ursula renate heike claudia susanne birgit katrin anja nicole julia lea lena laura hannah
    jean pierre michel philippe alain nicolas christophe francois jacques louis hugo lucas jules gabriel arthur
    marie nathalie isabelle sylvie catherine francoise camille manon chloe ines jade louise alice lea elise
    antonio manuel francisco juan javier carlos jesus alejandro miguel rafael pedro pablo angel sergio fernando
    jorge luis alberto alvaro diego adrian mario ricardo eduardo carmen dolores isabel lucia paula marta elena
    cristina rosa pilar mercedes teresa sofia valentina camila martina giuseppe giovanni francesco marco
    alessandro matteo lorenzo andrea stefano roberto luca davide simone federico giulia chiara francesca sara
    alessia elisa silvia valeria federica aarav vivaan aditya arjun rohan rahul amit raj vikram sanjay anil sunil
    ravi suresh ramesh rajesh priya ananya aisha pooja neha anjali divya kavya sneha lakshmi sunita deepa wei li
    ming jun hui ying yan jing xiao lei hao yu chen hiroshi takashi yuki haruto sota yuto hana yui aoi sakura min
    ji seo hyun jin young ahmed mohammed muhammad mohamed ali omar hassan hussein ibrahim yusuf khalid fatima
    aisha zainab mariam layla noor amina olga irina natalia svetlana elena tatiana anastasia ivan sergei dmitri
    alexei andrei nikolai vladimir yuri mikhail piotr jakub tomasz krzysztof agnieszka katarzyna malgorzata
    anders lars erik nils johan magnus karin ingrid astrid sven emil oskar freya
    """
)


@dataclass(frozen=True)
class PiiFinding:
    """One flagged column: the ``kind`` of personal data, the ``share`` of sampled values that match it
    and how many values were sampled."""

    column: str
    kind: str
    share: float
    n_sampled: int

    @property
    def reason(self) -> str:
        """A short human reason, e.g. ``"personal data: e-mail addresses in 100% of 200 sampled values"``."""
        return f"personal data: {_LABELS[self.kind]} in {self.share:.0%} of {self.n_sampled} sampled values"


def detect_pii(
    frame: pd.DataFrame,
    columns: Iterable[str] | None = None,
    *,
    sample: int = 1000,
    seed: int = 0,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, PiiFinding]:
    """The columns of ``frame`` (only ``columns``, if given) that hold personal data, by column name.

    Each column is judged on up to ``sample`` of its non-missing values, drawn with ``seed`` (the same
    data and seed always give the same answer); it is flagged with the kind that matches the largest
    share of them, if that share is at least ``threshold``.

    Example:
        >>> df = pd.DataFrame({"ip": ["10.0.0.1", "2001:db8::1"], "city": ["Lyon", "Porto"]})
        >>> {c: f.kind for c, f in detect_pii(df).items()}
        {'ip': 'ip_address'}
    """
    found: dict[str, PiiFinding] = {}
    for name in frame.columns if columns is None else columns:
        s = frame[name]
        numbers = pd.api.types.is_integer_dtype(s)
        if numbers and not s.abs().max() >= 10**12:  # too short for a card number: the only kind held as numbers
            continue
        values = _sample(s, sample, seed)
        if not values:
            continue
        finding = _judge(str(name), values, threshold, numbers)
        if finding is not None:
            found[str(name)] = finding
    return found


def _sample(s: pd.Series, size: int, seed: int) -> list[str]:
    """Up to ``size`` non-missing values as stripped text; floats, booleans and dates cannot hold the
    personal data this guard looks for."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_float_dtype(s):
        return []
    nn = s.dropna()
    if len(nn) > size:
        nn = nn.sample(n=size, random_state=np.random.RandomState(seed))
    if pd.api.types.is_integer_dtype(nn):
        return [str(int(v)) for v in nn]
    out = [v.strip() for v in nn if isinstance(v, str)]
    return [v for v in out if v]


def _judge(name: str, values: list[str], threshold: float, numbers: bool) -> PiiFinding | None:
    n = len(values)
    counts = Counter(values)  # each distinct value is tested once
    best: tuple[str, float] | None = None
    for kind, test in _TESTS.items():
        if numbers and kind != "card_number":
            continue
        share = sum(c for v, c in counts.items() if test(v)) / n
        if share >= threshold and (best is None or share > best[1]):
            best = (kind, share)
    name_share = 0.0 if numbers else _name_share(name, counts, n)
    if name_share >= threshold and (best is None or name_share > best[1]):
        best = ("person_name", name_share)
    return None if best is None else PiiFinding(name, best[0], best[1], n)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_card_number(value: str) -> bool:
    """13 to 19 digits (spaces or dashes allowed between them) that pass the Luhn check."""
    if not _CARD.match(value):
        return False
    digits = re.sub(r"[ \-]", "", value)
    return len(set(digits)) > 1 and _luhn(digits)


def _iban(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not _IBAN.match(value.upper()) or not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def is_national_id(value: str) -> bool:
    """A US social security number, a UK national insurance number or an IBAN (mod-97 checked)."""
    return bool(_SSN.match(value) or _UK_NI.match(value.upper())) or _iban(value)


def is_ip_address(value: str) -> bool:
    """An IPv4 address in dotted form, or an IPv6 address."""
    if not (_IPV4.match(value) or (":" in value and len(value) >= 3)):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_phone(value: str) -> bool:
    """A phone number written the way people write them: international ``+CC ...``, North American
    ``(555) 010-0199``, or national with a trunk ``0``; 7 to 15 digits."""
    digits = sum(ch.isdigit() for ch in value)
    return 7 <= digits <= 15 and any(p.match(value) for p in _PHONE_SHAPES)


_TESTS: dict[str, Callable[[str], bool]] = {
    "email": lambda v: bool(_EMAIL.match(v)),
    "card_number": is_card_number,
    "national_id": is_national_id,
    "ip_address": is_ip_address,
    "phone": is_phone,
}


def _name_tokens(value: str) -> list[str] | None:
    """The words of a value shaped like a person's name (1-4 words, capitalised but for particles such as
    "van" or "de"; "Smith, John" allowed), else None."""
    text = value.replace(",", " ")
    tokens = text.split()
    if not 1 <= len(tokens) <= 4:
        return None
    capitalised = 0
    for tok in tokens:
        if not _NAME_TOKEN.match(tok):
            return None
        if tok[0].isupper():
            if tok.isupper() and len(tok) > 3:  # ACRONYMS are not names
                return None
            capitalised += 1
        elif tok.lower() not in _PARTICLES:
            return None
    return tokens if capitalised else None


def _name_share(name: str, counts: Counter[str], n: int) -> float:
    header = re.sub(r"[\s\-.]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name.strip())).lower()
    shaped = {v: t for v in counts if (t := _name_tokens(v)) is not None}
    share = sum(counts[v] for v in shaped) / n
    if _NAME_HEADER.match(header):
        return share
    multi = {v: t for v, t in shaped.items() if len(t) >= 2}
    if sum(counts[v] for v in multi) < 0.8 * n or len(counts) < NAME_DISTINCT_SHARE * n:
        return 0.0
    first = sum(
        counts[v] for v, t in multi.items() if t[0].lower().strip(".") in _FIRST_NAMES or t[-1].lower() in _FIRST_NAMES
    )
    return share if first >= FIRST_NAME_SHARE * n else 0.0
