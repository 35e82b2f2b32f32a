"""Model card rendering from plain facts: sections, tables, generated limitations, HTML."""

from __future__ import annotations

import re

from forgeml.evaluation import CardFacts, generated_limitations, render_html, render_markdown

SEGMENTS = [
    {"segment": "all", "rows": 400, "score": 0.80, "ci_low": 0.76, "ci_high": 0.84, "small": False},
    {"segment": "north", "rows": 250, "score": 0.86, "ci_low": 0.85, "ci_high": 0.90, "small": False},
    {"segment": "south", "rows": 130, "score": 0.62, "ci_low": 0.55, "ci_high": 0.70, "small": False},
    {"segment": "east", "rows": 20, "score": 0.79, "ci_low": 0.60, "ci_high": 0.95, "small": True},
]


def facts(**kw) -> CardFacts:
    base = dict(
        name="churn@3",
        task="binary",
        target="churned",
        metric="roc_auc",
        classes=["no", "yes"],
        intended_use="Rank customers for a retention call.",
        training_rows=800,
        cv_score=0.81,
        cv_interval=(0.78, 0.84),
        n_folds=5,
        cv_scores=[{"model": "ensemble", "score": 0.81, "ci_low": 0.78, "ci_high": 0.84, "weight": 1.0}],
        datasets=[{"name": "customers", "version": 2, "fingerprint": "ab" * 32, "rows": 800, "columns": 9}],
        features_used=[{"name": "tenure", "role": "numeric"}],
        features_excluded=[{"name": "email", "role": "pii", "reason": "looks like e-mail addresses"}],
        segment_column="region",
        segments=SEGMENTS,
        held_out={"rows": 400, "source": "holdout.csv", "metrics": {"roc_auc": 0.8}},
        approvals=[
            {
                "alias": "champion",
                "version": 3,
                "previous_version": 2,
                "moved_at": "2025-01-02T10:00:00",
                "moved_by": "ana",
            }
        ],
        time_span=("signup", "2021-01-04", "2023-12-30"),
        user_limitations="Not validated outside the EU.",
    )
    return CardFacts(**{**base, **kw})


def test_markdown_has_every_section_with_its_facts() -> None:
    md = render_markdown(facts())
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings == ["Intended use", "Data lineage", "Features", "Metrics", "Performance per segment",
                        "Limitations", "Approvals"]  # fmt: skip
    assert "Rank customers for a retention call." in md
    assert "ab" * 32 in md and "| customers | 2 |" in md
    assert "| email | pii | looks like e-mail addresses |" in md
    assert "**0.81** (95% interval 0.78 – 0.84)" in md
    assert "| 2025-01-02T10:00:00 | ana | champion | 3 | 2 |" in md
    assert "| east | 20 | 0.79 | 0.6 | 0.95 | yes |" in md
    assert "- Not validated outside the EU." in md


def test_generated_limitations_follow_the_facts() -> None:
    items = generated_limitations(facts())
    text = " ".join(items)
    assert "Trained on 800 rows only" in text
    assert "spans 2021-01-04 to 2023-12-30 (column 'signup')" in text
    assert "'east' (20 rows)" in text  # small segment
    assert "Segment 'south' of 'region' scores 0.62 roc_auc, worse than overall" in text
    assert "Segment 'north' of 'region' scores 0.86 roc_auc, better than overall" in text
    plain = generated_limitations(facts(training_rows=50_000, time_span=None, segments=[], held_out=None))
    assert plain == ["No held-out evaluation was given: the scores are cross-validated on the training data only."]


def test_missing_facts_say_how_to_get_them() -> None:
    md = render_markdown(facts(intended_use="", segment_column=None, segments=[], approvals=[]))
    assert "pass --intended-use or --intended-use-file" in md
    assert "pass --data holdout.csv --segment COLUMN" in md
    assert "## Approvals\n\n_none_" in md


def test_html_card_is_one_page_with_tables_and_a_segment_chart() -> None:
    html = render_html(facts())
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert html.count("<table>") == 7  # lineage, used, excluded, CV, held-out, segments, approvals
    assert "<h2>Intended use</h2>" in html and "<strong>churned</strong>" in html
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "roc_auc per region" in chart and chart.count("<path") > 4
    assert html.index("<svg") < html.index("<h2>Limitations</h2>")
