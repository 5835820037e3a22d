"""The interface text in Japanese and English.

Every string the user sees comes from :data:`CATALOG` through :func:`t`, so
the two languages stay complete (``tests/test_i18n.py`` checks that every key
has both). Japanese is the first language; English is a switch away.

Names of areas (regions, bureaus, municipalities) are not in the catalog: they
come from the reference tables, see :func:`area_name`.

Examples
--------
>>> t("page.overview", "ja")
'全道概要'
>>> t("notice.bad_param", "en", name="fy", value="abc")
"The URL parameter fy='abc' is not valid; the default is used."
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS: tuple[str, ...] = ("ja", "en")

#: key -> {"ja": ..., "en": ...}; ``{name}`` placeholders are filled by :func:`t`.
CATALOG: dict[str, dict[str, str]] = {
    # app and pages ---------------------------------------------------------
    "app.title": {"ja": "北海道 地域政策マップ", "en": "Hokkaido regional policy map"},
    "app.caption": {
        "ja": "14の（総合）振興局と6つの連携地域の地域政策",
        "en": "Regional policy of the 14 bureaus and 6 cooperation regions",
    },
    "page.overview": {"ja": "全道概要", "en": "Overview"},
    "page.bureau": {"ja": "振興局", "en": "Bureau view"},
    "nav.pages": {"ja": "ページ", "en": "Pages"},
    # filter bar --------------------------------------------------------------
    "filter.header": {"ja": "絞り込み", "en": "Filters"},
    "filter.lang": {"ja": "言語 / Language", "en": "Language / 言語"},
    "filter.themes": {"ja": "政策テーマ", "en": "Policy themes"},
    "filter.themes.help": {
        "ja": "選ばないときはすべてのテーマ",
        "en": "None selected means all themes",
    },
    "filter.fy": {"ja": "年度", "en": "Fiscal year"},
    "filter.fy.latest": {"ja": "最新年度", "en": "Latest year"},
    "filter.area": {"ja": "地域・振興局", "en": "Region / bureau"},
    "filter.area.all": {"ja": "全道", "en": "All Hokkaido"},
    "filter.area.region": {"ja": "{name}（連携地域）", "en": "{name} (region)"},
    "filter.layers": {"ja": "地図の表示", "en": "Map layers"},
    "layer.labels": {"ja": "名称ラベル", "en": "Name labels"},
    "layer.municipalities": {"ja": "市町村界", "en": "Municipal boundaries"},
    "layer.tiles": {
        "ja": "背景地図（地理院タイル・要ネット接続）",
        "en": "Background map (GSI tiles, needs network)",
    },
    "filter.reset": {"ja": "絞り込みを解除", "en": "Clear filters"},
    "filter.metric": {"ja": "指標", "en": "Figure"},
    "filter.level": {"ja": "色分けの単位", "en": "Colour by"},
    "level.bureau": {"ja": "振興局", "en": "Bureau"},
    "level.region": {"ja": "連携地域", "en": "Region"},
    "level.municipality": {"ja": "市町村", "en": "Municipality"},
    # metrics -----------------------------------------------------------------
    "metric.priority_projects": {"ja": "重点プロジェクト", "en": "Priority projects"},
    "metric.dispatch": {"ja": "派遣職員", "en": "Dispatched staff"},
    "metric.sites": {"ja": "集落対策箇所", "en": "Settlement support sites"},
    "metric.evacuees": {"ja": "避難者", "en": "Evacuees"},
    "metric.proposals": {"ja": "政策提案", "en": "Policy proposals"},
    # notices -----------------------------------------------------------------
    "notice.bad_param": {
        "ja": "URLの指定 {name}={value!r} は使えないため、既定値を使います。",
        "en": "The URL parameter {name}={value!r} is not valid; the default is used.",
    },
    "notice.unknown_param": {
        "ja": "URLの指定 {name} は使われていないため、無視しました。",
        "en": "The URL parameter {name} is not used and was ignored.",
    },
    "notice.region_mismatch": {
        "ja": "{bureau}は{region}に属さないため、連携地域の指定を{bureau}の地域に合わせました。",
        "en": "{bureau} is not in {region}; the region was set to the bureau's own.",
    },
    "notice.sample": {
        "ja": "サンプルデータ：この表示には実際の数値ではないサンプルの数値が含まれます"
        "（資料の合計に合わせた仮の値です）。",
        "en": "Sample data: this view includes sample figures, not actual ones "
        "(placeholders that agree with the document's totals).",
    },
    "notice.sample.short": {
        "ja": "※ サンプルの数値を含みます",
        "en": "* Includes sample figures",
    },
    "notice.no_database": {
        "ja": "数値のデータベースがまだ使えないため、地図だけを表示しています。",
        "en": "The figures database is not available yet; only the map is shown.",
    },
    # first-run preparation ---------------------------------------------------
    "prep.layers": {"ja": "境界データを準備しています…", "en": "Preparing the boundary layers…"},
    "prep.layers.done": {"ja": "境界データの準備ができました", "en": "Boundary layers ready"},
    "prep.database": {"ja": "データベースを準備しています…", "en": "Preparing the database…"},
    "prep.database.done": {"ja": "データベースの準備ができました", "en": "Database ready"},
    "prep.failed": {"ja": "準備に失敗しました", "en": "Preparation failed"},
    "prep.layers.help": {
        "ja": "境界データ（国土数値情報 行政区域 N03・北海道）を作れませんでした：{error}\n\n"
        "ネットワークに接続できない場合は、N03 のファイル（GeoJSON・TopoJSON・Shapefile・zip）を"
        "用意して、環境変数 REGIONMAP_BOUNDARY_SOURCE にそのパスを設定するか、"
        "`python -m regionmap geo build --source パス` を実行してから、アプリを再読み込みしてください。",
        "en": "The boundary layers (MLIT N03 administrative areas, Hokkaido) could not be built: "
        "{error}\n\nWithout a network connection, get an N03 file (GeoJSON, TopoJSON, Shapefile "
        "or MLIT's zip), set the environment variable REGIONMAP_BOUNDARY_SOURCE to its path or "
        "run `python -m regionmap geo build --source PATH`, then reload the app.",
    },
    "prep.database.help": {
        "ja": "データベースを作れませんでした：{error}\n\n`python -m regionmap db init` を実行して"
        "からアプリを再読み込みしてください。地図は数値なしで表示します。",
        "en": "The database could not be created: {error}\n\nRun `python -m regionmap db init` and "
        "reload the app. The map is shown without figures.",
    },
    # map ---------------------------------------------------------------------
    "map.credit": {
        "ja": "出典：「国土数値情報（行政区域データ）」（国土交通省）を加工して作成",
        "en": "Source: processed from MLIT National Land Numerical Information (Administrative "
        "Areas) — 「国土数値情報（行政区域データ）」（国土交通省）を加工して作成",
    },
    "map.tiles_credit": {
        "ja": "背景地図：出典：国土地理院",
        "en": "Background map: 出典：国土地理院 (GSI)",
    },
    "map.legend": {"ja": "凡例", "en": "Legend"},
    "map.legend.outlines": {
        "ja": "太線：連携地域界　細線：振興局界",
        "en": "Thick lines: regions; thin lines: bureaus",
    },
    "map.no_figure": {"ja": "数値なし", "en": "no figure"},
    "map.alt": {
        "ja": "北海道の14振興局と6連携地域の地図",
        "en": "Map of Hokkaido's 14 bureaus and 6 cooperation regions",
    },
    "map.click_hint": {
        "ja": "地図の振興局・地域をクリックすると選べます。",
        "en": "Click a bureau or region on the map to select it.",
    },
    "tooltip.fy": {"ja": "{fy}年度", "en": "FY{fy}"},
    "tooltip.source": {"ja": "出典：{source}", "en": "Source: {source}"},
    "tooltip.sample": {"ja": "（サンプル）", "en": " (sample)"},
    # figures -----------------------------------------------------------------
    "fig.fy": {"ja": "{fy}年度", "en": "FY{fy}"},
    "fig.fy_range": {"ja": "{fy_from}〜{fy_to}年度", "en": "FY{fy_from}–{fy_to}"},
    "fig.change": {"ja": "前年度比 {delta}", "en": "{delta} on the year before"},
    "fig.no_previous": {"ja": "前年度の数値なし", "en": "no figure for the year before"},
    "fig.source": {"ja": "出典：{source}", "en": "Source: {source}"},
    "fig.where.all": {"ja": "全道", "en": "Hokkaido"},
    "chart.ranked": {
        "ja": "{metric}（{unit}）の振興局別順位 — {where}、{when}",
        "en": "{metric} ({unit}) by bureau, ranked — {where}, {when}",
    },
    "chart.ranked_region": {
        "ja": "{metric}（{unit}）の連携地域別順位 — {where}、{when}",
        "en": "{metric} ({unit}) by region, ranked — {where}, {when}",
    },
    "chart.by_municipality": {
        "ja": "{metric}（{unit}）の市町村別 — {where}、{when}",
        "en": "{metric} ({unit}) by municipality — {where}, {when}",
    },
    "chart.trend": {
        "ja": "{metric}（{unit}）の推移 — {where}、{when}",
        "en": "{metric} ({unit}) over time — {where}, {when}",
    },
    "chart.no_data": {"ja": "該当するデータがありません。", "en": "No matching data."},
    # overview page -----------------------------------------------------------
    "overview.headline": {"ja": "主な数値", "en": "Headline figures"},
    "overview.map_title": {
        "ja": "{metric}（{unit}）— {level}別、{when}",
        "en": "{metric} ({unit}) by {level}, {when}",
    },
    # bureau page -------------------------------------------------------------
    "bureau.pick": {
        "ja": "振興局または連携地域を選んでください",
        "en": "Pick a bureau or a region",
    },
    "bureau.pick_prompt": {
        "ja": "左の「地域・振興局」か地図で振興局・地域を選んでください。",
        "en": "Choose a bureau or region in the filter bar or on the map.",
    },
    "bureau.seat": {"ja": "所在地：{seat}", "en": "Seat: {seat}"},
    "bureau.municipalities": {"ja": "{n}市町村", "en": "{n} municipalities"},
    "bureau.region_of": {"ja": "連携地域：{region}", "en": "Region: {region}"},
    "bureau.bureaus_of": {"ja": "振興局：{bureaus}", "en": "Bureaus: {bureaus}"},
    "bureau.priority_projects": {"ja": "地域重点プロジェクト", "en": "Regional priority projects"},
    "bureau.proposals": {
        "ja": "振興局からの政策提案と各部の対応",
        "en": "Policy proposals and the departments' responses",
    },
    "bureau.bureau_projects": {"ja": "振興局独自事業", "en": "Bureau-specific projects"},
    "bureau.dispatches": {"ja": "職員派遣", "en": "Staff dispatch"},
    "bureau.sites": {"ja": "集落対策", "en": "Settlement support"},
    "bureau.evacuees": {"ja": "避難者", "en": "Evacuees"},
    "bureau.municipality": {"ja": "{name}の数値", "en": "Figures for {name}"},
    "bureau.municipality.none": {
        "ja": "地図の市町村をクリックすると、その市町村の数値を表示します。",
        "en": "Click a municipality on the map to see its figures.",
    },
    "bureau.rows": {"ja": "{n}件", "en": "{n} rows"},
}


def t(key: str, lang: str = "ja", /, **values: object) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    An unknown language falls back to Japanese. An unknown key raises
    ``KeyError`` (a missing text is a bug, caught by the tests).
    """
    entry = CATALOG[key]
    text = entry.get(lang) or entry["ja"]
    return text.format(**values) if values else text


def area_name(row: Mapping[str, object], lang: str) -> str:
    """Name of a region, bureau or municipality from its reference row.

    English uses ``name_en`` where the table has it, else the Japanese name.
    """
    if lang == "en" and row.get("name_en"):
        return str(row["name_en"])
    return str(row["name_ja"])
