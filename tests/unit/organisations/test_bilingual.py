"""Which texts are bilingual, which lack their Welsh, and what a reader in each language is shown."""

from hypothesis import given
from hypothesis import strategies as st

from tracker.evidence.models import Evidence
from tracker.organisations.bilingual import bilingual_fields, localised, missing_welsh
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.practice.models import Practice


def test_a_field_is_bilingual_exactly_when_its_table_has_a_welsh_twin() -> None:
    assert bilingual_fields(Response) == ("summary", "lead_role", "blocked_reason", "not_applicable_reason")
    assert bilingual_fields(Action) == ("description", "owner_role")
    assert bilingual_fields(ProgressUpdate) == ("text",)
    assert bilingual_fields(Evidence) == ("title", "description")
    assert bilingual_fields(Practice) == ("title", "summary", "what_was_done", "outcomes", "evaluation")


def test_a_text_lacks_its_welsh_only_when_its_english_is_written() -> None:
    fields = ("summary", "blocked_reason")
    assert missing_welsh({"summary": "Training", "summary_cy": " "}, fields) == ["summary"]
    assert missing_welsh({"summary": "Training", "summary_cy": "Hyfforddiant"}, fields) == []
    assert missing_welsh({"summary": "", "blocked_reason": None}, fields) == []


def test_a_welsh_reader_gets_the_welsh_and_an_english_reader_the_english() -> None:
    record = {"summary": "Training", "summary_cy": "Hyfforddiant"}
    assert localised(record, "summary", "cy").text == "Hyfforddiant"
    assert localised(record, "summary", "en").text == "Training"
    assert not localised(record, "summary", "cy").fallback


def test_a_missing_language_falls_back_to_the_other_and_says_so() -> None:
    english_only = localised({"summary": "Training", "summary_cy": None}, "summary", "cy")
    assert (english_only.text, english_only.language, english_only.fallback) == ("Training", "en", True)
    welsh_only = localised({"summary": "", "summary_cy": "Hyfforddiant"}, "summary", "en")
    assert (welsh_only.text, welsh_only.language, welsh_only.fallback) == ("Hyfforddiant", "cy", True)


texts = st.one_of(st.none(), st.just(""), st.just("  "), st.text(min_size=1, max_size=5))


@given(english=texts, welsh=texts, locale=st.sampled_from(["en", "cy"]))
def test_the_shown_text_is_in_the_language_it_claims_and_falls_back_only_when_the_readers_is_empty(
    english: str | None, welsh: str | None, locale: str
) -> None:
    shown = localised({"summary": english, "summary_cy": welsh}, "summary", locale)
    own = welsh if locale == "cy" else english
    if own is not None and own.strip():
        assert (shown.text, shown.language, shown.fallback) == (own, locale, False)
    elif shown.fallback:
        assert shown.language != locale
        assert shown.text == (english if shown.language == "en" else welsh)
