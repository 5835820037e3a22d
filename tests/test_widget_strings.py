"""Streamlit's own widget strings in the interface language, where Streamlit lets us set
them: the theme list's placeholder and "Select all", the uploader's label, help and types."""

from __future__ import annotations

import pytest
from apptest_helpers import run_app

from regionmap.db import importer
from regionmap.i18n import t


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and database exist before the app runs."""


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_theme_list_placeholder_and_select_all(lang):
    at = run_app({"lang": lang})
    themes = at.multiselect(key="rm.w.theme_ids")
    assert themes.proto.placeholder == t("filter.themes.help", lang)
    assert themes.proto.label == t("filter.themes", lang)
    # Streamlit's "Select all" is English only (no text parameter in 1.67): shown in English
    assert bool(themes.proto.select_all) is (lang == "en")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_uploader_label_help_and_exactly_the_importers_types(lang):
    at = run_app({"lang": lang}, page="pages/data.py")
    uploaders = at.get("file_uploader")
    assert len(uploaders) == 1
    proto = uploaders[0].proto
    assert proto.label == t("data.upload", lang)
    assert proto.help.startswith(t("data.upload.help", lang, mb=20)[:10])
    assert sorted(proto.type) == sorted(f".{ext}" for ext in importer.UPLOAD_TYPES)
    assert sorted(importer.UPLOAD_TYPES) == ["csv", "txt", "xlsx"]  # no .xls: refused
