"""The PII guard on a realistic table of fake people, and on ordinary columns it must leave alone."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from forgeml.data import Schema, infer_schema
from forgeml.data._pii import detect_pii, is_card_number, is_national_id, is_phone
from forgeml.errors import ConfigError

N = 400
FIRST = [
    "Olivia",
    "Liam",
    "Mateo",
    "Aisha",
    "Wei",
    "Priya",
    "Sven",
    "Chloé",
    "Giulia",
    "Kwame",
    "Yuki",
    "Fatima",
    "Noah",
    "Emma",
    "Lukas",
    "Sofia",
    "Diego",
    "Hannah",
    "Omar",
    "Ingrid",
]
LAST = [
    "Okafor",
    "Müller",
    "García",
    "Nguyen",
    "Smith",
    "O'Brien",
    "Kowalski",
    "Rossi",
    "Tanaka",
    "Haddad",
    "Johansson",
    "Dubois",
    "Patel",
    "Chen",
    "Ivanova",
    "McAllister",
    "Silva",
    "Novak",
    "Fischer",
    "Andersen",
]


def _luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _iban(rng: np.random.Generator, country: str, length: int) -> str:
    bban = "".join(str(d) for d in rng.integers(0, 10, size=length - 4))
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(ch, 36)) for ch in moved)) % 97
    raw = f"{country}{check:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _phone(rng: np.random.Generator, i: int) -> str:
    d = rng.integers(0, 10, size=12)
    s = "".join(map(str, d))
    formats = [
        f"+1 ({2 + d[0] % 8}{s[1:3]}) {s[3:6]}-{s[6:10]}",  # US, international
        f"({2 + d[0] % 8}{s[1:3]}) {s[3:6]}-{s[6:10]}",  # US, national
        f"+44 20 {s[0:4]} {s[4:8]}",  # UK London
        f"07{s[0:3]} {s[3:9]}",  # UK mobile
        f"+49 30 {s[0:8]}",  # Germany
        f"+33 6 {s[0:2]} {s[2:4]} {s[4:6]} {s[6:8]}",  # France mobile
        f"01 {s[0:2]} {s[2:4]} {s[4:6]} {s[6:8]}",  # France national
        f"+91 {9}{s[0:4]} {s[4:9]}",  # India
        f"+81 3-{s[0:4]}-{s[4:8]}",  # Japan
        f"+55 11 9{s[0:4]}-{s[4:8]}",  # Brazil
    ]
    return formats[i % len(formats)]


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    first = rng.choice(FIRST, size=N)
    last = rng.choice(LAST, size=N)
    prefixes = ["4", "51", "37", "6011"]  # Visa, Mastercard, Amex, Discover
    cards = []
    for i in range(N):
        p = prefixes[i % 4]
        length = 15 if p == "37" else 16
        body = p + "".join(str(x) for x in rng.integers(0, 10, size=length - len(p) - 1))
        num = _luhn_complete(body)
        cards.append(" ".join(num[j : j + 4] for j in range(0, len(num), 4)) if i % 2 else num)
    ssn = [f"{rng.integers(1, 665):03d}-{rng.integers(1, 99):02d}-{rng.integers(1, 9999):04d}" for _ in range(N)]
    ips = [
        f"{rng.integers(1, 223)}.{rng.integers(0, 255)}.{rng.integers(0, 255)}.{rng.integers(1, 254)}"
        if i % 3
        else f"2001:db8:{rng.integers(0, 65535):x}::{rng.integers(1, 65535):x}"
        for i in range(N)
    ]
    domains = ["gmail.com", "example.org", "mail.co.uk", "web.de", "uni-koeln.de"]
    emails = [
        f"{f.lower()}.{la.lower()}{i}@{domains[i % 5]}".replace("'", "").replace("é", "e").replace("ü", "u")
        for i, (f, la) in enumerate(zip(first, last, strict=True))
    ]
    ni = [
        f"{('AB', 'CE', 'JK', 'ZX')[i % 4]} {rng.integers(10, 99)} {rng.integers(10, 99)} "
        f"{rng.integers(10, 99)} {'ABCD'[i % 4]}"
        for i in range(N)
    ]
    ibans = [_iban(rng, c, n) for c, n in [("DE", 22), ("GB", 22), ("FR", 27), ("NL", 18)] * (N // 4)]
    ibans = [iban if i % 4 != 2 else iban.replace(" ", "") for i, iban in enumerate(ibans)]
    return pd.DataFrame(
        {
            "first_name": first,
            "surname": last,
            "customer": [f"{f} {la}" for f, la in zip(first, last, strict=True)],  # no name hint in the header
            "email": emails,
            "phone": [_phone(rng, i) for i in range(N)],
            "card": cards,
            "card_as_number": [int(_luhn_complete("4" + "".join(map(str, rng.integers(0, 10, 14))))) for _ in range(N)],
            "ssn": ssn,
            "ni_number": ni,
            "iban": ibans,
            "last_ip": ips,
        }
    )


@pytest.fixture(scope="module")
def ordinary() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    words = ["great", "fast", "broken", "refund", "arrived", "late", "love", "quality", "cheap", "box", "fits"]
    return pd.DataFrame(
        {
            "product_code": [f"SKU-{rng.integers(10000, 99999)}-{'ABC'[i % 3]}" for i in range(N)],
            "review": [" ".join(rng.choice(words, size=rng.integers(4, 12))).capitalize() + "." for _ in range(N)],
            "zip_text": [f"{rng.integers(1000, 99999):05d}" for _ in range(N)],
            "zip_int": rng.integers(1000, 99999, size=N),
            "order_number": rng.integers(10**15, 10**16 - 1, size=N, dtype=np.int64),  # 16 digits, mostly not Luhn
            "category": rng.choice(["Home & Garden", "Electronics", "Toys", "Books", "Sports Outdoors"], size=N),
            "city": rng.choice(["New York", "San Francisco", "Berlin", "Paris", "Sao Paulo", "Tokyo"], size=N),
            "company": rng.choice(["Acme Corp", "Globex", "Initech Ltd", "Umbrella Group", "Stark Industries"], size=N),
            "order_date": pd.date_range("2024-01-01", periods=N, freq="D").strftime("%Y-%m-%d"),
            "us_date": pd.date_range("2024-01-01", periods=N, freq="D").strftime("%m/%d/%Y"),
            "time_of_day": [
                f"{h:02d}:{m:02d}:00" for h, m in zip(rng.integers(0, 24, N), rng.integers(0, 60, N), strict=True)
            ],
            "amount": np.round(rng.gamma(2.0, 40.0, size=N), 2),
            "amount_text": [f"{x:.2f}" for x in rng.gamma(2.0, 40.0, size=N)],
            "app_version": [f"{rng.integers(1, 5)}.{rng.integers(0, 20)}.{rng.integers(0, 9)}" for _ in range(N)],
            "session": [str(uuid.UUID(int=int(rng.integers(0, 2**63)))) for _ in range(N)],
            "member": rng.choice(["yes", "no"], size=N),
            "rating": rng.integers(1, 6, size=N),
            "plan": rng.choice(["Basic", "Premium Plus", "Family"], size=N),
            "product_name": rng.choice(["Ergonomic Chair", "Standing Desk", "Desk Lamp", "Monitor Arm"], size=N),
        }
    )


EXPECTED = {
    "first_name": "person_name",
    "surname": "person_name",
    "customer": "person_name",
    "email": "email",
    "phone": "phone",
    "card": "card_number",
    "card_as_number": "card_number",
    "ssn": "national_id",
    "ni_number": "national_id",
    "iban": "national_id",
    "last_ip": "ip_address",
}


def test_every_kind_of_personal_data_is_caught(people: pd.DataFrame) -> None:
    found = detect_pii(people)
    assert {c: f.kind for c, f in found.items()} == EXPECTED
    for f in found.values():
        assert f.share >= 0.8 and f.n_sampled == N
        assert f"{f.share:.0%}" in f.reason


def test_ordinary_columns_are_not_flagged(ordinary: pd.DataFrame) -> None:
    assert detect_pii(ordinary) == {}


def test_mixed_table_flags_only_the_personal_columns(people: pd.DataFrame, ordinary: pd.DataFrame) -> None:
    mixed = pd.concat([ordinary, people], axis=1)
    assert set(detect_pii(mixed)) == set(EXPECTED)
    assert set(detect_pii(mixed, columns=["email", "amount"])) == {"email"}


def test_detection_is_deterministic_and_sampled(people: pd.DataFrame) -> None:
    big = pd.concat([people] * 10, ignore_index=True)
    a = detect_pii(big, sample=200, seed=3)
    b = detect_pii(big, sample=200, seed=3)
    assert a == b
    assert all(f.n_sampled == 200 for f in a.values())


def test_a_few_bad_values_do_not_hide_a_column(people: pd.DataFrame) -> None:
    emails = people["email"].copy()
    emails.iloc[:40] = "unknown"  # 10% junk
    emails.iloc[40:80] = None  # missing values are not counted
    found = detect_pii(pd.DataFrame({"email": emails}))
    assert found["email"].kind == "email"
    assert found["email"].n_sampled == N - 40
    assert found["email"].share == pytest.approx((N - 80) / (N - 40))


def test_checksums_separate_real_numbers_from_lookalikes() -> None:
    assert is_card_number("4111 1111 1111 1111")
    assert not is_card_number("4111 1111 1111 1112")  # Luhn fails
    assert not is_card_number("0000000000000000")
    assert is_national_id("GB82 WEST 1234 5698 7654 32")  # the IBAN standard's example
    assert not is_national_id("GB83 WEST 1234 5698 7654 32")
    assert is_national_id("078-05-1120") and not is_national_id("000-12-3456")
    assert is_phone("+1 (555) 010-0199") and is_phone("020 7946 0958")
    assert not is_phone("2024-01-15") and not is_phone("12345")


def test_names_need_a_hint_or_people_like_values() -> None:
    names = pd.Series(["Ana Silva", "Tom Becker", "Mei Chen", "Omar Haddad"] * 5)
    towns = pd.Series(["Bad Homburg", "Neu Isenburg", "Ober Ramstadt", "Bad Vilbel"] * 5)
    frame = pd.DataFrame({"Name": ["Ana", "Tom", "Mei", "Omar"] * 5, "holder": names, "town": towns})
    found = detect_pii(frame)
    assert found["Name"].kind == "person_name"  # name-like header
    assert "holder" not in found  # low cardinality and no hint: could be anything
    assert "town" not in found
    distinct = pd.DataFrame({"holder": [f"{f} {la}" for f in FIRST for la in LAST[:3]]})
    assert detect_pii(distinct)["holder"].kind == "person_name"


def _table(people: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    df = people[["email", "phone", "first_name"]].copy()
    df["customer_id"] = [f"C-{i:05d}" for i in range(N)]
    df["amount"] = rng.gamma(2.0, 40.0, size=N)
    df["plan"] = rng.choice(["basic", "plus"], size=N)
    df["churn"] = rng.choice(["no", "yes"], size=N)
    return df


def test_schema_keeps_pii_and_the_subject_out_of_the_features(people: pd.DataFrame) -> None:
    schema = infer_schema(_table(people), "churn", subject_column="customer_id")
    assert schema.feature_names == ["amount", "plan"]
    assert schema.subject_column == "customer_id"
    assert schema.column("customer_id").role == "subject"
    assert schema.column("customer_id").reason == "subject id: never a feature"
    assert {c: schema.column(c).role for c in ("email", "phone", "first_name")} == dict.fromkeys(
        ("email", "phone", "first_name"), "pii"
    )
    assert "e-mail addresses in 100%" in schema.column("email").reason
    assert any("--allow-pii email" in n for n in schema.notes)
    assert Schema.from_json(schema.to_json()) == schema


def test_allowed_pii_becomes_a_feature(people: pd.DataFrame) -> None:
    schema = infer_schema(_table(people), "churn", allow_pii=["first_name"])
    assert "first_name" in schema.feature_names and "email" not in schema.feature_names
    assert any("'first_name' looks like personal data" in n for n in schema.notes)
    with pytest.raises(ConfigError, match="'allow_pii' names column 'nope'"):
        infer_schema(_table(people), "churn", allow_pii=["nope"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"subject_column": "nobody"}, "'subject_column' must name a column of the data, got 'nobody'"),
        ({"subject_column": "churn"}, "'subject_column' must not be the target column"),
        ({"subject_column": "amount", "time_column": "amount"}, "'subject_column' and 'time_column'"),
        ({"subject_column": "plan", "column_types": {"plan": "categorical"}}, "subject id column 'plan'"),
    ],
)
def test_subject_column_mistakes_are_named(people: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        infer_schema(_table(people), "churn", **kwargs)


def test_subject_may_also_be_the_group_column(people: pd.DataFrame) -> None:
    schema = infer_schema(_table(people), "churn", subject_column="customer_id", group_column="customer_id")
    assert schema.column("customer_id").role == "subject" and schema.group_column == "customer_id"
