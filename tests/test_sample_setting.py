"""Sample breakdowns shown or hidden (setting ``sample``, issue #23): the default follows the
mode, a wrong value is refused naming the variable, and hidden samples are never read."""

from __future__ import annotations

import pytest

from regionmap import db, settings


@pytest.mark.parametrize(
    ("mode", "sample", "shown"),
    [
        ("personal", "", True),  # a newcomer sees every overlay at work
        ("shared", "", False),  # many readers: nothing invented unless asked for
        ("shared", "show", True),
        ("personal", "hide", False),
        ("personal", " HIDE ", False),
    ],
)
def test_samples_are_shown_by_mode_unless_chosen(monkeypatch, mode, sample, shown):
    monkeypatch.setenv("REGIONMAP_MODE", mode)
    monkeypatch.setenv("REGIONMAP_SAMPLE", sample)
    assert settings.samples_shown() is shown


def test_a_wrong_sample_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("REGIONMAP_SAMPLE", "maybe")
    with pytest.raises(ValueError, match="REGIONMAP_SAMPLE.*show, hide"):
        settings.samples_shown()


def test_the_setting_is_listed_with_its_help():
    row = next(r for r in settings.describe() if r["name"] == "sample")
    assert row["env"] == "REGIONMAP_SAMPLE" and "shared" in row["help"]


def test_serve_hides_samples_unless_asked(monkeypatch, tmp_path):
    from regionmap import serve

    monkeypatch.delenv("REGIONMAP_SAMPLE", raising=False)
    sv = serve.Server(replicas=1, runtime_dir=tmp_path)
    assert sv._env()["REGIONMAP_SAMPLE"] == "hide"
    monkeypatch.setenv("REGIONMAP_SAMPLE", "show")
    assert sv._env()["REGIONMAP_SAMPLE"] == "show"


def test_hidden_samples_are_never_read(db_path, monkeypatch):
    """The session's database holds only sample breakdowns: shown, they are read with their
    flag; hidden, no list, figure, year, headline or exported table has a row of them."""
    monkeypatch.setenv("REGIONMAP_SAMPLE", "show")
    assert db.dispatches()["is_sample"].all() and len(db.dispatches()) > 0
    assert db.headline("dispatch", 2015)["value"] == 88
    assert db.metric_by_area("sites", "bureau", 2015)["value"].sum() > 0
    monkeypatch.setenv("REGIONMAP_SAMPLE", "hide")
    for metric in ("dispatch", "sites", "evacuees"):
        assert db.fiscal_years(metric) == []
        assert db.real_years(metric) == []
        by_area = db.metric_by_area(metric, "municipality", 2015)
        assert by_area["value"].sum() == 0 and not by_area["is_sample"].any()
        h = db.headline(metric, 2015)
        assert h["value"] == 0 and not h["is_sample"] and h["source_ja"] == ""
    assert db.dispatches().empty and db.sites().empty and db.evacuees().empty
    for table in ("dispatch", "sites", "evacuees"):
        assert db.read_table(table).empty
    summary = db.municipality_summary("01100", 2015)
    assert not summary["is_sample"].any()
