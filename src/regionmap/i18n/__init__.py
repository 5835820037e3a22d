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

from collections.abc import Iterable, Mapping, Sequence

from regionmap import MLIT_CREDIT_EN, MLIT_CREDIT_JA

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
    "notice.theme_excludes": {
        "ja": "選んだ政策テーマには{metric}の数値がありません（テーマを外すとすべて表示します）",
        "en": "The selected policy themes have no {metric} figures (clear the themes to see all)",
    },
    "fig.not_in_theme": {"ja": "選んだテーマの対象外", "en": "not in the selected themes"},
    "filter.fy.play": {"ja": "▶ 年度を順に再生", "en": "▶ Play through the years"},
    "filter.fy.play.help": {
        "ja": "最初の年度から最新年度まで、2秒ごとに年度を進めます（最新年度で止まります）",
        "en": "Steps from the first to the latest fiscal year every 2 seconds (stops at the latest)",
    },
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
        "ja": "URLの指定 {name}='{value}' は使えないため、既定値を使います。",
        "en": "The URL parameter {name}='{value}' is not valid; the default is used.",
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
    "prep.progress": {"ja": "作成中… {pct}%{message}", "en": "{message} ({pct}%)"},
    "prep.layers.fallback": {
        "ja": "国土交通省からのダウンロードに失敗したため（ネットワークなし）、手元のコピー {path} "
        "（{vintage}時点）から境界データを作成しました。最新の境界にするには、ネットワークのある"
        "ところで `python -m regionmap geo build` を実行してください。",
        "en": "The MLIT download failed (no network), so the boundary layers were built from the "
        "local copy {path} (as of {vintage}). To get the latest boundaries, run "
        "`python -m regionmap geo build` where there is a network.",
    },
    "map.credit.vintage": {"ja": "（{vintage}時点）", "en": " (boundaries as of {vintage})"},
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
    "map.legend": {"ja": "凡例：{title}", "en": "Legend: {title}"},
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
    "bureau.municipality.value": {"ja": "数値", "en": "Value"},
    "bureau.municipality.per_bureau": {
        "ja": "{figures}は資料では振興局単位の数で、市町村別の数はありません。"
        "下のタブに{area}全体の数を示しています。",
        "en": "{figures}: the document counts these per bureau, not per municipality; "
        "the tabs below show {area} as a whole.",
    },
    "bureau.municipality.northern": {
        "ja": "北方領土の村：数値はありません",
        "en": "Northern Territories village: no figures",
    },
    "bureau.rows": {"ja": "{n}件", "en": "{n} rows"},
    # overlay pages and data page (app engineer 2) -----------------------------
    "page.projects": {"ja": "地域重点プロジェクト", "en": "Priority projects"},
    "page.dispatch": {"ja": "職員派遣", "en": "Staff dispatch"},
    "page.settlement": {"ja": "集落対策", "en": "Settlement support"},
    "page.evacuees": {"ja": "避難者", "en": "Evacuees"},
    "page.proposals": {"ja": "政策提案", "en": "Policy proposals"},
    "page.data": {"ja": "データ", "en": "Data"},
    "ov.theme_excludes": {
        "ja": "選んだ政策テーマには{metric}が含まれないため、{metric}の数値はありません"
        "（{metric}のテーマ：{themes}）。",
        "en": "The selected policy themes do not include {metric}, so no {metric} figures are "
        "shown ({metric} belongs to: {themes}).",
    },
    "ov.kind_ignored": {
        "ja": "URLの区分 kind={kind} はこのページでは使えないため、すべての区分を表示します。",
        "en": "The kind kind={kind} in the URL does not apply on this page; all kinds are shown.",
    },
    "ov.kind.all": {"ja": "すべて", "en": "All"},
    "ov.map.click_hint": {
        "ja": "地図の振興局・地域・市町村をクリックすると絞り込めます。",
        "en": "Click a bureau, region or municipality on the map to filter to it.",
    },
    "ov.total": {"ja": "計", "en": "Total"},
    "ov.yes": {"ja": "共同", "en": "joint"},
    "ov.rows": {
        "ja": "{n}件 · {when} · 出典：{source}",
        "en": "{n} rows · {when} · Source: {source}",
    },
    "ov.no_match": {
        "ja": "絞り込みの条件に合う{what}はありません。",
        "en": "No {what} match the filters.",
    },
    "ov.fy_not_available": {
        "ja": "{fy}年度の数値はないため、{shown}を表示しています。",
        "en": "There are no figures for FY{fy}; {shown} is shown.",
    },
    "ov.muni_filter": {
        "ja": "地図で選んだ{name}の数値に絞り込んでいます。",
        "en": "Showing {name} only (chosen on the map).",
    },
    "ov.muni_clear": {"ja": "市町村の絞り込みを解除", "en": "Show all municipalities"},
    "ov.as_of_fy": {"ja": "{fy}年度時点", "en": "as of FY{fy}"},
    "ov.as_of_month": {"ja": "{month}時点", "en": "as of {month}"},
    "ov.since_fy": {"ja": "{fy}年度から", "en": "since FY{fy}"},
    "ov.change_since": {"ja": "{month}から {delta}", "en": "{delta} since {month}"},
    "ov.by_kind": {"ja": "（区分別）", "en": " by kind"},
    "ov.of_six_regions": {"ja": "6連携地域のうち", "en": "of the 6 regions"},
    "ov.col.direction": {"ja": "政策展開の方向", "en": "Policy direction"},
    "ov.col.status": {"ja": "継続・新規", "en": "Continuing / new"},
    "ov.col.operator": {"ja": "運営主体", "en": "Operator"},
    "ov.col.proposal": {"ja": "政策提案", "en": "Proposal"},
    "ov.col.joint": {"ja": "共同提案", "en": "Joint"},
    "ov.col.pillar": {"ja": "総合計画の柱", "en": "Pillar"},
    "ov.col.policy_area": {"ja": "政策分野", "en": "Policy area"},
    "ov.col.measures": {"ja": "反映した施策（件）", "en": "Measures"},
    "ov.col.measure": {"ja": "施策", "en": "Measure"},
    "ov.projects.intro": {
        "ja": "連携地域ごとの地域重点プロジェクト（政策展開の方向別）。タイトルが振興局を"
        "名指すものはその振興局に、ほかは地域全体に属します。",
        "en": "The regional priority projects of each cooperation region, by policy direction. "
        "A project whose title names a bureau belongs to it; the others to the whole region.",
    },
    "ov.projects.named": {"ja": "振興局を名指すもの", "en": "Naming a bureau"},
    "ov.projects.regions": {"ja": "プロジェクトのある連携地域", "en": "Regions with projects"},
    "ov.projects.bureau_note": {
        "ja": "振興局別の数には、その振興局の地域全体のプロジェクトも数えています。",
        "en": "A bureau's count includes the region-wide projects of its region.",
    },
    "ov.projects.by_region_direction": {
        "ja": "連携地域×政策展開の方向（件）— {when}",
        "en": "Regions by policy direction (projects) — {when}",
    },
    "ov.projects.list": {"ja": "プロジェクト一覧", "en": "The projects"},
    "ov.projects.region_wide": {"ja": "（地域全体）", "en": "(whole region)"},
    "ov.dispatch.intro": {
        "ja": "道職員の市町村への派遣：市町村別・区分別・年度別の人数。",
        "en": "Hokkaido staff dispatched to municipalities: persons by municipality, kind and "
        "fiscal year.",
    },
    "ov.dispatch.kind": {"ja": "派遣区分", "en": "Dispatch kind"},
    "ov.dispatch.municipalities": {"ja": "派遣先の市町村", "en": "Municipalities receiving staff"},
    "ov.dispatch.continuing_new": {"ja": "継続・新規の派遣", "en": "Continuing / new"},
    "ov.dispatch.continuing_new.value": {
        "ja": "継続{cont}・新規{new}",
        "en": "{cont} continuing, {new} new",
    },
    "ov.dispatch.rows_unit": {
        "ja": "市町村・区分ごとの件数",
        "en": "dispatches counted per municipality and kind",
    },
    "ov.dispatch.table": {"ja": "派遣の一覧 — {when}", "en": "Dispatches — {when}"},
    "ov.settlement.intro": {
        "ja": "集落対策の取組箇所（買い物支援・安否確認・サロンなど）を区分別に地図に示し、"
        "振興局ごとに取組のある市町村の割合を示します。",
        "en": "Settlement-support sites (shopping support, safety checks, salons …) on the map by "
        "kind, and for each bureau the share of municipalities with at least one site.",
    },
    "ov.settlement.kind": {"ja": "取組の区分", "en": "Kind of support"},
    "ov.settlement.covered": {"ja": "取組のある市町村", "en": "Municipalities with a site"},
    "ov.settlement.of_total": {"ja": "全{n}のうち", "en": "of {n}"},
    "ov.settlement.coverage": {"ja": "取組のある市町村の割合", "en": "Share of municipalities"},
    "ov.settlement.map_title": {
        "ja": "集落対策の取組箇所（{n}）— {where}、{when}",
        "en": "Settlement-support sites ({n}) — {where}, {when}",
    },
    "ov.settlement.legend": {"ja": "凡例：取組の区分", "en": "Legend: kind of support"},
    "ov.settlement.placed_note": {
        "ja": "※ 位置のわからない取組は、その市町村の代表点に表示しています。",
        "en": "* Sites without coordinates are drawn at their municipality's label point.",
    },
    "ov.settlement.coverage_title": {
        "ja": "振興局別の取組状況 — {when}",
        "en": "Coverage by bureau — {when}",
    },
    "ov.settlement.coverage_chart": {
        "ja": "取組のある市町村の割合（%）の振興局別順位 — {where}、{when}",
        "en": "Share of municipalities with a site (%) by bureau, ranked — {where}, {when}",
    },
    "ov.settlement.covered_col": {
        "ja": "取組のある市町村／全市町村",
        "en": "Municipalities with a site / all",
    },
    "ov.settlement.coverage_col": {"ja": "割合（%）", "en": "Share (%)"},
    "ov.settlement.sites_col": {"ja": "取組箇所（箇所）", "en": "Sites"},
    "ov.settlement.coverage_caption": {
        "ja": "市町村は179（札幌市の区は札幌市として、北方領土の村は数えない）· {when} · 出典：{source}",
        "en": "179 municipalities (Sapporo's wards as Sapporo, the Northern Territories villages "
        "not counted) · {when} · Source: {source}",
    },
    "ov.settlement.table": {"ja": "取組の一覧 — {when}", "en": "The sites — {when}"},
    "ov.evacuees.intro": {
        "ja": "東日本大震災による道内への避難者：市町村別、月ごとの推移、避難元の都道府県。"
        "人数はその月の時点の数です（月をまたいで合計しません）。",
        "en": "Evacuees from the 2011 earthquake living in Hokkaido: by municipality, month by "
        "month, and by prefecture of origin. Figures are counts at a month (never summed over "
        "months).",
    },
    "ov.evacuees.months": {"ja": "期間（月）", "en": "Months"},
    "ov.evacuees.municipalities": {
        "ja": "避難者のいる市町村",
        "en": "Municipalities with evacuees",
    },
    "ov.evacuees.top_prefecture": {"ja": "最も多い避難元", "en": "Largest origin"},
    "ov.evacuees.by_prefecture": {
        "ja": "避難元の都道府県別（{unit}）— {where}、{when}",
        "en": "By prefecture of origin ({unit}) — {where}, {when}",
    },
    "ov.evacuees.table": {
        "ja": "市町村別の避難者 — {when}",
        "en": "Evacuees by municipality — {when}",
    },
    "ov.proposals.intro": {
        "ja": "振興局からの政策提案と、それを反映した各部の施策（共同提案はそれぞれの振興局に数えます）。",
        "en": "The bureaus' policy proposals and the departments' measures that reflect them "
        "(a joint proposal counts for each of its bureaus).",
    },
    "ov.proposals.reflected": {
        "ja": "施策に反映された提案（本ツールの対応付け）",
        "en": "Reflected in measures (this tool's matching)",
    },
    "ov.proposals.of": {"ja": "全{n}のうち", "en": "of {n}"},
    "ov.proposals.measures": {
        "ja": "反映した各部の施策（資料掲載分）",
        "en": "Departments' measures (listed in the document)",
    },
    "ov.proposals.departments": {"ja": "{n}部", "en": "{n} departments"},
    "ov.proposals.joint_note": {
        "ja": "共同提案は提案したそれぞれの振興局に数えています。",
        "en": "Joint proposals count for each bureau that made them.",
    },
    "ov.proposals.by_pillar": {
        "ja": "総合計画の柱別の提案と反映（件、柱と対応付けは資料の配置から推定）— {where}、{when}",
        "en": "Proposals and those reflected, by pillar (items; pillars and matching inferred from the layout) — {where}, {when}",
    },
    "ov.proposals.list": {"ja": "提案の一覧 — {when}", "en": "The proposals — {when}"},
    "ov.proposals.measures_title": {
        "ja": "提案を反映した各部の施策 — {when}",
        "en": "Departments' measures reflecting the proposals — {when}",
    },
    "ov.proposals.no_measure": {
        "ja": "この提案を反映した施策は資料にありません。",
        "en": "The document names no measure reflecting this proposal.",
    },
    "data.intro": {
        "ja": "実データの取り込み（CSV・Excel）、取り込みの履歴と取り消し、ひな形、データの書き出し。",
        "en": "Import real figures (CSV, Excel), the import history and undo, templates, export.",
    },
    "data.import": {"ja": "取り込み", "en": "Import"},
    "data.import.help": {
        "ja": "派遣・集落対策・避難者の表を取り込めます。CSV（UTF-8・Shift_JIS）または Excel（.xlsx）、"
        "{mb} MB・{rows}行まで。まず検査し、変更内容を確かめてから取り込みます。",
        "en": "Import dispatch, settlement-site or evacuee tables: CSV (UTF-8, Shift_JIS) or Excel "
        "(.xlsx), up to {mb} MB and {rows} rows. The file is checked first; you see what would "
        "change before anything is written.",
    },
    "data.table": {"ja": "取り込む表", "en": "Table"},
    "data.table.auto": {"ja": "見出しから判定", "en": "Detect from the headers"},
    "data.upload": {"ja": "ファイルを選ぶ", "en": "Choose a file"},
    "data.upload.help": {
        "ja": "CSV（UTF-8・Shift_JIS）、Excel（.xlsx）、Excel の「Unicode テキスト」（.txt）。"
        "{mb} MB まで。中身を確かめるので、拡張子だけ変えたファイルは受け付けません。",
        "en": 'CSV (UTF-8 or Shift_JIS), Excel (.xlsx) or Excel\'s "Unicode text" (.txt). '
        "Up to {mb} MB. The contents are checked, not only the extension.",
    },
    "data.upload.none": {
        "ja": "ファイルを選ぶと、検査の結果と取り込んだ場合の変更内容を表示します（まだ書き込みません）。",
        "en": "Choose a file to see the check and what importing it would change (nothing is "
        "written yet).",
    },
    "data.note": {"ja": "メモ：{note}", "en": "Note: {note}"},
    "data.col.file": {"ja": "ファイル", "en": "File"},
    "data.col.row": {"ja": "行", "en": "Row"},
    "data.col.column": {"ja": "列", "en": "Column"},
    "data.col.reason": {"ja": "理由", "en": "Reason"},
    "data.col.version": {"ja": "版", "en": "Version"},
    "data.col.action": {"ja": "操作", "en": "Action"},
    "data.col.table": {"ja": "表", "en": "Table"},
    "data.col.user": {"ja": "利用者", "en": "User"},
    "data.col.time": {"ja": "日時（UTC）", "en": "Time (UTC)"},
    "data.col.undone_by": {"ja": "取り消した版", "en": "Undone by"},
    "data.col.undoes": {"ja": "取り消し対象", "en": "Undoes"},
    "data.dry_run": {"ja": "検査結果（試行）：", "en": "Check (dry run):"},
    "data.count.added": {"ja": "追加（行）", "en": "Added (rows)"},
    "data.count.replaced": {"ja": "置換（行）", "en": "Replaced (rows)"},
    "data.count.unchanged": {"ja": "変更なし（行）", "en": "Unchanged (rows)"},
    "data.count.removed": {"ja": "削除するサンプル（行）", "en": "Sample rows removed"},
    "data.already": {
        "ja": "このファイルは以前に取り込まれています（版 {version}）。",
        "en": "This file was imported before (version {version}).",
    },
    "data.preview": {
        "ja": "プレビュー：{total}行のうち先頭{n}行（「変更」列が追加・置換・変更なし）",
        "en": "Preview: the first {n} of {total} rows (the Change column says add, replace or "
        "unchanged)",
    },
    "data.commit": {"ja": "取り込む", "en": "Import"},
    "data.commit.nothing": {
        "ja": "変更がないため取り込む必要はありません。",
        "en": "Nothing would change.",
    },
    "data.commit.failed": {
        "ja": "取り込みに失敗しました（データベースは元のままです）：{error}",
        "en": "The import failed (the database is unchanged): {error}",
    },
    "data.history": {"ja": "履歴と取り消し", "en": "History and undo"},
    "data.history.caption": {
        "ja": "データベースの版：{n}件（取り消し用に直近{keep}版を保存）",
        "en": "Database versions: {n} (the last {keep} are kept for undo)",
    },
    "data.undo": {"ja": "直近の取り込みを取り消す", "en": "Undo the latest import"},
    "data.undo.what": {
        "ja": "取り消すと版 {version}（{file}）の前の状態に戻ります。",
        "en": "Undo returns to the state before version {version} ({file}).",
    },
    "data.undo.none": {"ja": "取り消せる取り込みはありません。", "en": "There is nothing to undo."},
    "data.undo.nothing": {
        "ja": "取り消せるものがありません：{reason}",
        "en": "Nothing to undo: {reason}",
    },
    "data.undo.done": {
        "ja": "版 {undone}（{file}）を取り消しました。現在は版 {version} です。",
        "en": "Undid version {undone} ({file}); now at version {version}.",
    },
    "data.undo.failed": {
        "ja": "取り消しに失敗しました（データベースは元のままです）：{error}",
        "en": "The undo failed (the database is unchanged): {error}",
    },
    "data.templates": {"ja": "ひな形", "en": "Templates"},
    "data.templates.help": {
        "ja": "取り込み用のひな形（見出しだけの表）。Excel 版には書き方の説明のシートがあります。",
        "en": "Import templates (headers only). The Excel version has a sheet explaining the "
        "columns.",
    },
    "data.download.csv": {"ja": "CSV をダウンロード", "en": "Download CSV"},
    "data.download.xlsx": {"ja": "Excel をダウンロード", "en": "Download Excel"},
    "data.export": {"ja": "書き出し", "en": "Export"},
    "data.export.help": {
        "ja": "表全体、または左の絞り込み（{where}など）を適用した一覧を書き出します。"
        "数式として動く文字（= + - @）で始まるセルは無害化します。",
        "en": "Export a whole table, or a list with the filters on the left ({where} …). Cells "
        "starting with = + - @ are neutralised so no spreadsheet runs them as formulas.",
    },
    "data.export.source": {"ja": "書き出すもの", "en": "What to export"},
    "data.export.format": {"ja": "形式", "en": "Format"},
    "data.export.view": {"ja": "一覧（絞り込み適用）：{name}", "en": "List (filtered): {name}"},
    "data.export.table": {"ja": "表全体：{name}", "en": "Whole table: {name}"},
    "data.export.download": {
        "ja": "{file} をダウンロード（{n}行）",
        "en": "Download {file} ({n} rows)",
    },
    "data.export.failed": {
        "ja": "書き出しに失敗しました：{error}",
        "en": "The export failed: {error}",
    },
    "data.view.dispatches": {"ja": "職員派遣", "en": "Staff dispatch"},
    "data.view.sites": {"ja": "集落対策の取組", "en": "Settlement-support sites"},
    "data.view.evacuees": {"ja": "避難者", "en": "Evacuees"},
    "data.view.priority_projects": {"ja": "地域重点プロジェクト", "en": "Priority projects"},
    "data.view.proposals": {"ja": "政策提案", "en": "Policy proposals"},
    "data.view.bureau_projects": {"ja": "振興局独自事業", "en": "Bureau-specific projects"},
    "data.action.init": {"ja": "作成", "en": "created"},
    "data.action.import": {"ja": "取り込み", "en": "import"},
    "data.action.undo": {"ja": "取り消し", "en": "undo"},
    "data.change.add": {"ja": "追加", "en": "add"},
    "data.change.replace": {"ja": "置換", "en": "replace"},
    "data.change.unchanged": {"ja": "変更なし", "en": "unchanged"},
    "data.col.change": {"ja": "変更", "en": "Change"},
    # presentation mode (report engineer) ----------------------------------------
    "page.present": {"ja": "プレゼンテーション", "en": "Presentation"},
    "present.title": {
        "ja": "プレゼンテーション（会議用スライド）",
        "en": "Presentation (meeting slides)",
    },
    "present.pick": {
        "ja": "発表する振興局または連携地域を選んでください。",
        "en": "Choose the bureau or region to present.",
    },
    "present.no_database": {
        "ja": "データベースがないため、スライドを表示できません。",
        "en": "No database: the slides cannot be shown.",
    },
    "present.slide.overview": {"ja": "地域の概要", "en": "The area at a glance"},
    "present.slide.projects": {"ja": "地域重点プロジェクト", "en": "Regional priority projects"},
    "present.slide.dispatch": {
        "ja": "道職員の市町村派遣",
        "en": "Staff dispatched to municipalities",
    },
    "present.slide.settlement": {"ja": "集落対策", "en": "Settlement support"},
    "present.slide.evacuees": {
        "ja": "東日本大震災による避難者",
        "en": "Evacuees from the 2011 earthquake",
    },
    "present.slide.proposals": {
        "ja": "政策提案と各部の対応",
        "en": "Proposals and departments' responses",
    },
    "present.prev": {"ja": "前へ", "en": "Previous"},
    "present.next": {"ja": "次へ", "en": "Next"},
    "present.exit": {"ja": "終了", "en": "Exit"},
    "present.download.pdf": {"ja": "配布資料（PDF）", "en": "Handout (PDF)"},
    "present.download.png": {"ja": "この地図（PNG）", "en": "This map (PNG)"},
    "present.sample": {"ja": "サンプル", "en": "sample"},
    "present.more": {"ja": "ほか{n}件", "en": "and {n} more"},
    "present.seat": {"ja": "所在地：{seat}", "en": "Seat: {seat}"},
    "present.bureau_project": {"ja": "振興局独自事業", "en": "Bureau-specific project"},
    "present.no_response": {
        "ja": "各部の対応の記載なし",
        "en": "No departmental response recorded",
    },
    "present.source.document": {
        "ja": "北海道の地域政策に関する資料（平成27年度）",
        "en": "Hokkaido regional policy document (FY2015)",
    },
    "present.source.reference": {
        "ja": "市町村一覧（参照表）",
        "en": "Municipality reference table",
    },
    "present.fig.municipalities": {"ja": "市町村", "en": "Municipalities"},
    "present.fig.directions": {"ja": "施策の方向", "en": "Policy directions"},
    "present.fig.dispatch_munis": {"ja": "派遣先の市町村", "en": "Municipalities receiving staff"},
    "present.fig.dispatch_regional": {
        "ja": "うち地域振興派遣",
        "en": "Of which regional development",
    },
    "present.fig.site_munis": {"ja": "取組のある市町村", "en": "Municipalities with sites"},
    "present.fig.site_kinds": {"ja": "取組の種類", "en": "Kinds of support"},
    "present.fig.evacuees_year_before": {"ja": "1年前の避難者", "en": "Evacuees a year earlier"},
    "present.bureaus": {"ja": "振興局（所在地）", "en": "Bureaus (seat)"},
    "present.fig.evacuees_top": {
        "ja": "最多の市町村（{name}）",
        "en": "Largest municipality ({name})",
    },
    "present.fig.departments": {"ja": "対応した部", "en": "Departments responding"},
    "present.chart.dispatch": {
        "ja": "派遣職員の推移（年度別・区分別, 人）",
        "en": "Dispatched staff by FY and kind (persons)",
    },
    "present.chart.sites": {
        "ja": "集落対策の取組（種類別, 箇所）",
        "en": "Settlement-support sites by kind",
    },
    "present.chart.evacuees": {
        "ja": "避難者数の推移（月別, 人）",
        "en": "Evacuees by month (persons)",
    },
    # Data page: preview and history columns, values ------------------------------
    "data.col.fiscal_year": {"ja": "年度", "en": "Fiscal year"},
    "data.col.municipality_code": {"ja": "市町村コード", "en": "Municipality code"},
    "data.col.municipality": {"ja": "市町村", "en": "Municipality"},
    "data.col.kind": {"ja": "区分", "en": "Kind"},
    "data.col.persons": {"ja": "人数（人）", "en": "Persons"},
    "data.col.status": {"ja": "継続・新規", "en": "Continuing / new"},
    "data.col.source": {"ja": "出典", "en": "Source"},
    "data.col.site_id": {"ja": "取組ID", "en": "Site ID"},
    "data.col.name": {"ja": "名称", "en": "Name"},
    "data.col.lon": {"ja": "経度", "en": "Longitude"},
    "data.col.lat": {"ja": "緯度", "en": "Latitude"},
    "data.col.start_fy": {"ja": "開始年度", "en": "Start (FY)"},
    "data.col.operator": {"ja": "運営主体", "en": "Operator"},
    "data.col.month": {"ja": "年月", "en": "Month"},
    "data.col.prefecture": {"ja": "避難元", "en": "From (prefecture)"},
    "data.col.time_local": {"ja": "日時（日本時間）", "en": "Time (JST)"},
    "data.status.continuing": {"ja": "継続", "en": "continuing"},
    "data.status.new": {"ja": "新規", "en": "new"},
    # downloads (ui.downloads)
    "download.title": {"ja": "ダウンロード", "en": "Downloads"},
    "download.map_png": {"ja": "地図（PNG）", "en": "Map (PNG)"},
    "download.chart_png": {"ja": "{name}のグラフ（PNG）", "en": "{name} chart (PNG)"},
    "download.csv": {"ja": "{name}（CSV形式）", "en": "{name} (CSV)"},
    "download.xlsx": {"ja": "{name}（Excel形式）", "en": "{name} (Excel)"},
    "download.pdf": {"ja": "配布資料（PDF）", "en": "Handout (PDF)"},
    "download.map_html": {
        "ja": "地図（HTML・ネットワーク不要）",
        "en": "Map to keep (HTML, works offline)",
    },
    "download.map_html.help": {
        "ja": "この地図を 1 つの HTML ファイルで保存します。サーバーもネットワークも無しに、どのブラウザーでも"
        "開けます（拡大・縮小、数値の表示、凡例・出典つき）。",
        "en": "Saves this map as one HTML file that opens in any browser with no server and no "
        "network (zoom, figures on hover, legend and credits included).",
    },
    "maphtml.note": {
        "ja": "ネットワークなしで開ける地図です。ドラッグで移動、ホイールで拡大・縮小、区域にポインタを"
        "合わせると数値を表示します。",
        "en": "This map works without a network: drag to move, scroll to zoom, point at an area "
        "to see its figure.",
    },
    "maphtml.made": {
        "ja": "regionmap（北海道 地域政策マップ）で {date} に作成",
        "en": "Made with regionmap (Hokkaido regional-policy map) on {date}",
    },
    "maphtml.no_tiles": {
        "ja": "背景地図（国土地理院）はネットワークが必要なため、このファイルには含みません。",
        "en": "The background map (GSI tiles) needs a network and is not in this file.",
    },
    "download.chart.ranked": {"ja": "振興局別順位", "en": "Bureau ranking"},
    "download.chart.evacuees": {"ja": "避難者数の推移", "en": "Evacuees over time"},
    "download.table.priority_projects": {"ja": "重点プロジェクト", "en": "Priority projects"},
    "download.table.bureau_projects": {"ja": "振興局事業", "en": "Bureau projects"},
    "download.table.dispatches": {"ja": "職員派遣", "en": "Staff dispatch"},
    "download.table.sites": {"ja": "取組箇所", "en": "Sites"},
    "download.table.evacuees": {"ja": "避難者数（月別）", "en": "Evacuees by month"},
    "download.chart.dispatch_trend": {"ja": "職員派遣の推移", "en": "Staff dispatch over time"},
    "download.chart.coverage": {"ja": "取組の広がり", "en": "Coverage of sites"},
    "download.chart.evacuees_trend": {"ja": "避難者数の推移", "en": "Evacuees over time"},
    "download.chart.evacuees_pref": {"ja": "避難元の都道府県", "en": "Evacuees by prefecture"},
    "download.chart.proposals_pillar": {"ja": "施策の柱別提案", "en": "Proposals by pillar"},
    "download.table.projects": {"ja": "重点プロジェクト", "en": "Priority projects"},
    "download.table.dispatch": {"ja": "職員派遣", "en": "Staff dispatch"},
    "download.table.coverage": {"ja": "取組の広がり", "en": "Coverage of sites"},
    "download.table.proposals": {"ja": "政策提案", "en": "Proposals"},
    "download.table.measures": {"ja": "対応する施策", "en": "Measures"},
    # table column headers (shared) --------------------------------------------
    "col.project": {"ja": "プロジェクト", "en": "Project"},
    "col.region": {"ja": "連携地域", "en": "Region"},
    "col.direction": {"ja": "政策展開の方向", "en": "Direction"},
    "col.department": {"ja": "部", "en": "Department"},
    "col.measure": {"ja": "対応する施策", "en": "Measure"},
    "col.bureau": {"ja": "振興局", "en": "Bureau"},
    "col.bureau_project": {"ja": "事業", "en": "Project"},
    "col.fiscal_year": {"ja": "年度", "en": "FY"},
    "col.municipality": {"ja": "市町村", "en": "Municipality"},
    "col.kind": {"ja": "区分", "en": "Kind"},
    "col.persons": {"ja": "人数（人）", "en": "Persons"},
    "col.site": {"ja": "取組", "en": "Site"},
    "col.start_fy": {"ja": "開始年度", "en": "Since FY"},
    # import tables (regionmap.db.importer) -------------------------------------------
    "import.table.dispatch": {"ja": "道職員の派遣", "en": "staff dispatch"},
    "import.table.sites": {"ja": "集落対策の取組箇所", "en": "settlement-support sites"},
    "import.table.evacuees": {"ja": "避難者", "en": "evacuees"},
    # printed handout (regionmap.render.handout) ---------------------------------------
    "report.handout": {"ja": "地域資料", "en": "regional briefing"},
    "report.region_of": {"ja": "{name}連携地域", "en": "{name} region"},
    "report.municipalities": {"ja": "市町村数 {n}", "en": "{n} municipalities"},
    "report.seat": {"ja": "所在地 {seat}", "en": "seat: {seat}"},
    "report.bureaus_in": {"ja": "振興局: {names}", "en": "Bureaus: {names}"},
    "report.data_as_of": {"ja": "データ時点: {when}", "en": "Data as of: {when}"},
    "report.made_on": {"ja": "作成日: {day}", "en": "Made on: {day}"},
    "report.updated_on": {"ja": "データ更新日: {day}", "en": "Data updated: {day}"},
    "report.short.priority_projects": {"ja": "重点プロジェクト", "en": "priority projects"},
    "report.short.proposals": {"ja": "政策提案", "en": "proposals"},
    "report.short.dispatch": {"ja": "派遣", "en": "dispatch"},
    "report.short.sites": {"ja": "集落対策", "en": "settlement sites"},
    "report.short.evacuees": {"ja": "避難者", "en": "evacuees"},
    "report.sources_title": {"ja": "出典・注記", "en": "Sources and notes"},
    "report.themes": {"ja": "政策テーマ：{names}", "en": "Policy themes: {names}"},
    "report.boundaries": {
        "ja": "行政区域：国土数値情報（行政区域データ）N03、{vintage}時点",
        "en": "Boundaries: MLIT National Land Numerical Information N03, as of {vintage}",
    },
    "report.sample_notice": {
        "ja": "サンプル（架空の内訳）：「サンプル」と記した数値は、資料の合計に合わせて作成した架空の内訳です（市町村別の実数ではありません）。実データの取込で置き換わります。",
        "en": "Sample (invented breakdown): figures marked 'sample' are an invented breakdown made to agree with the document's totals, not actual municipal figures. Importing real figures replaces them.",
    },
    "report.sample": {"ja": "サンプル", "en": "sample"},
    "report.previous": {"ja": "前年度 {value}", "en": "previous year {value}"},
    "report.source": {"ja": "出典：{source}", "en": "Source: {source}"},
    "report.map_title": {
        "ja": "{metric}（{by}・{fy}・{unit}）",
        "en": "{metric} by {by}, {fy} ({unit})",
    },
    "report.by.municipality": {"ja": "市町村別", "en": "municipality"},
    "report.by.bureau": {"ja": "振興局別", "en": "bureau"},
    "report.by.region": {"ja": "連携地域別", "en": "region"},
    "report.northern": {"ja": "北方領土（数値なし）", "en": "Northern Territories (no figures)"},
    "report.credit": {"ja": MLIT_CREDIT_JA, "en": MLIT_CREDIT_EN},
    "report.data_source": {"ja": "データ: {sources}", "en": "Data: {sources}"},
    "report.none": {"ja": "該当なし", "en": "none"},
    "report.col_project": {"ja": "プロジェクト", "en": "Project"},
    "report.col_direction": {"ja": "施策の方向", "en": "Policy direction"},
    "report.col_region": {"ja": "地域", "en": "Area"},
    "report.col_proposal": {"ja": "政策提案", "en": "Proposal"},
    "report.col_bureau": {"ja": "振興局", "en": "Bureau"},
    "report.col_item": {"ja": "事業", "en": "Project"},
    "report.col_confidence": {"ja": "振興局の根拠", "en": "Basis of the bureau"},
    "report.col_direction_basis": {"ja": "方向の根拠", "en": "Basis of the direction"},
    "report.col_pillar_inferred": {
        "ja": "柱（資料の配置から推定）",
        "en": "Pillar (inferred from the layout)",
    },
    "report.col_response_matched": {
        "ja": "各部の施策への反映（本ツールの対応付け）",
        "en": "Reflected in departments' measures (this tool's matching)",
    },
    "report.document_figures": {
        "ja": "資料の数値（{fy}・全道）：{figures}　出典：{source}",
        "en": "The document's figures ({fy}, all Hokkaido): {figures}. Source: {source}",
    },
    "report.no_measures": {
        "ja": "（各部の対応の記載なし）",
        "en": "(no departmental response recorded)",
    },
    "report.chart_dispatch": {
        "ja": "道職員の市町村派遣（年度別・区分別, 人）",
        "en": "Staff dispatched to municipalities (by FY and kind, persons)",
    },
    "report.chart_evacuees": {
        "ja": "避難者数の推移（月別, 人）",
        "en": "Evacuees (monthly, persons)",
    },
    "report.chart_sites": {
        "ja": "集落対策の拠点（区分別, 箇所）",
        "en": "Settlement-support sites (by kind, sites)",
    },
    "report.continued": {"ja": "（続き）", "en": " (continued)"},
    "report.hokkaido": {"ja": "北海道", "en": "Hokkaido"},
    "report.metric.priority_projects": {
        "ja": "主な重点プロジェクト（資料掲載分）",
        "en": "Main priority projects (listed)",
    },
    "report.metric.proposals": {
        "ja": "主な政策提案（資料掲載分）",
        "en": "Main proposals (listed)",
    },
    "report.metric.dispatch": {"ja": "派遣職員", "en": "Dispatched staff"},
    "report.metric.sites": {"ja": "集落対策の拠点", "en": "Settlement sites"},
    "report.metric.evacuees": {"ja": "避難者", "en": "Evacuees"},
    # sign-in, roles, audit (regionmap.auth, regionmap.ui.access) ------------
    "auth.mode.personal": {
        "ja": "個人モード：このコンピューターだけで動いており、サインインなしですべての操作ができます。",
        "en": "Personal mode: this computer only; no sign-in, every right.",
    },
    "auth.mode.remote": {
        "ja": "個人モードのアプリに別のコンピューターから接続しているため、閲覧のみです。"
        "編集を許すには共有モード（REGIONMAP_MODE=shared と .streamlit/secrets.toml の [auth]）で動かしてください。",
        "en": "This personal-mode app is reached from another computer: read only. To let people "
        "edit, run it in shared mode (REGIONMAP_MODE=shared and [auth] in .streamlit/secrets.toml).",
    },
    "auth.mode.shared": {
        "ja": "サインイン中：{who}（{role}）",
        "en": "Signed in as {who} ({role})",
    },
    "auth.role.viewer": {"ja": "閲覧者", "en": "viewer"},
    "auth.role.editor": {"ja": "振興局の編集者：{bureaus}", "en": "bureau editor: {bureaus}"},
    "auth.role.admin": {"ja": "管理者", "en": "administrator"},
    "auth.sign_in": {"ja": "サインイン", "en": "Sign in"},
    "auth.sign_in.why": {
        "ja": "このダッシュボードを見るにはサインインしてください。",
        "en": "Sign in to see this dashboard.",
    },
    "auth.sign_out": {"ja": "サインアウト", "en": "Sign out"},
    "auth.refused": {
        "ja": "{who} はこのダッシュボードの利用者に登録されていません。管理者に登録を依頼してください。",
        "en": "{who} is not on this dashboard's list of users; ask an administrator to add you.",
    },
    "data.import.viewer": {
        "ja": "閲覧者は履歴の確認とダウンロードができます。取り込みと取り消しには編集者か管理者の権限が必要です"
        "（管理者が `python -m regionmap users add` で登録します）。",
        "en": "Viewers see the history and download; importing and undoing need an editor or "
        "administrator role (an administrator adds it with `python -m regionmap users add`).",
    },
    "data.import.scope": {
        "ja": "取り込めるのは {bureaus} の市町村の行だけです。他の振興局の行を含むファイルは全体を受け付けません。",
        "en": "You may import rows of {bureaus} only; a file holding rows of other bureaus is "
        "refused whole.",
    },
    "data.undo.refused": {
        "ja": "版 {version} は取り消せません：{reason}",
        "en": "You cannot undo version {version}: {reason}",
    },
    "data.audit.download": {
        "ja": "監査記録をダウンロード（CSV）",
        "en": "Download the audit trail (CSV)",
    },
    "data.users": {"ja": "利用者と権限", "en": "Users and roles"},
    "data.users.help": {
        "ja": "コマンドラインで管理します：`python -m regionmap users add|list|remove`",
        "en": "Managed from the command line: `python -m regionmap users add|list|remove`",
    },
    "data.action.role": {"ja": "権限変更", "en": "role change"},
    "data.col.changes": {"ja": "変更内容", "en": "Changes"},
    "data.col.from_version": {"ja": "元の版", "en": "From version"},
    # --- the document first (issue 11) ---------------------------------------------
    "doc.heading": {
        "ja": "資料の数値（{fy}・全道）",
        "en": "The document's figures ({fy}, all Hokkaido)",
    },
    "doc.source": {"ja": "出典：{source}　{ref}", "en": "Source: {source}, {ref}"},
    "doc.breakdown_sample": {
        "ja": "内訳はサンプル（架空の内訳）：資料は全道の合計のみ。地図・表の市町村別の数値は資料の合計に合わせて作成したもので、実データの取込で置き換わります。",
        "en": "The breakdown is a sample (invented breakdown): the document gives Hokkaido totals only. The per-municipality figures on the map and in the tables were made to agree with them and are replaced when real figures are imported.",
    },
    "doc.breakdown_short": {"ja": "内訳はサンプル", "en": "Breakdown is a sample"},
    "doc.breakdown_value": {
        "ja": "内訳はサンプル：{value}",
        "en": "Breakdown is a sample: {value}",
    },
    "fig.row_year": {
        "ja": "{fy}の数値（{why}）",
        "en": "Figures of {fy} ({why})",
    },
    "fig.row_year.default": {
        "ja": "既定：資料の年度。実データを取り込むとその最新年度",
        "en": "default: the document's year; after an import, the latest imported year",
    },
    "fig.row_year.real": {
        "ja": "既定：実データのある最新年度",
        "en": "default: the latest year with imported figures",
    },
    "fig.row_year.chosen": {"ja": "選択した年度", "en": "the year chosen"},
    "fig.row_year.latest": {
        "ja": "最新年度：サンプルを含む",
        "en": "latest year, sample figures included",
    },
    "fig.other_year": {
        "ja": "この数値は{fy}のもの",
        "en": "This figure is of {fy}",
    },
    "filter.fy.help": {
        "ja": "既定は実データ（取込済み）のある最新年度、無ければ資料の年度（平成27年度）。「最新年度」はサンプルを含む最新の年度です。",
        "en": "By default the latest year with imported figures, else the document's year (FY2015). 'Latest year' is the latest year with any figures, samples included.",
    },
    "basis.col": {"ja": "根拠", "en": "Basis"},
    "basis.help": {
        "ja": "明記：{stated}　資料の配置から推定：{inferred}",
        "en": "Stated in the document: {stated} Inferred from the document's layout: {inferred}",
    },
    "basis.footnote": {
        "ja": "根拠の「資料の配置から推定」は、資料に書かれておらず本ツールが資料の並び・見出し・地名・内容から判断したものです。",
        "en": "Basis 'Inferred from the document's layout': not written in the document; this tool's reading of its order, headings, place names and topics.",
    },
    "matching.all_reflected": {
        "ja": "掲載された提案はすべて各部の施策に反映（本ツールの対応付け）",
        "en": "Every listed proposal is reflected in a department's measure (this tool's matching)",
    },
    "names.credit": {
        "ja": "市町村名の英語表記：localgovjp（Code for FUKUI、CC0）の読みから作成",
        "en": "English municipality names: romanised from the readings in localgovjp (Code for FUKUI, CC0)",
    },
    "slide.doc_label": {"ja": "{label}（全道・資料）", "en": "{label} (all Hokkaido, document)"},
    "slide.breakdown_label": {
        "ja": "{label}（この地域・内訳）",
        "en": "{label} (this area, breakdown)",
    },
    "page.regional": {"ja": "移住・広域連携・推進体制", "en": "Migration, cooperation, governance"},
    "regional.caption": {
        "ja": "資料の該当節を本ツールが要約したもの（資料の文言そのものではありません）。各節に出典の節番号を示します。",
        "en": "Summaries of the document's sections in this tool's words (not the document's text), each with its section reference.",
    },
    "regional.flow": {
        "ja": "推進体制：地域の意見が施策になるまで",
        "en": "How local views become Hokkaido's measures",
    },
    "regional.anchor": {
        "ja": "資料の表現：「{anchor}」",
        "en": "The document's words: 「{anchor}」",
    },
    "regional.figures": {"ja": "取り込む数値", "en": "Figures to import"},
    "regional.nothing_imported": {
        "ja": "{label}：まだ取り込まれていません（資料に数値は無く、サンプルも作りません）。記入用のテンプレートを下に用意しています。記入したファイルは「データ」ページまたは db import で取り込めます。",
        "en": "{label}: nothing imported yet (the document gives no numbers, and no sample is made). The template to fill in is below; import the filled file on the Data page or with db import.",
    },
    "regional.template": {"ja": "テンプレート（{label}）", "en": "Template ({label})"},
    "regional.columns": {"ja": "列：{columns}", "en": "Columns: {columns}"},
    # issue #11: the import-only figures and wide-area groupings (regionmap.ui.regional) -----
    "import.table.kyoryokutai": {
        "ja": "地域おこし協力隊",
        "en": "regional revitalisation volunteers",
    },
    "import.table.migration_trials": {"ja": "移住体験事業", "en": "trial migration"},
    "import.table.wide_area_groups": {"ja": "広域連携の圏域", "en": "wide-area groupings"},
    "metric.kyoryokutai": {"ja": "地域おこし協力隊員", "en": "Regional revitalisation volunteers"},
    "metric.migration_trials": {
        "ja": "移住体験事業の参加者",
        "en": "Participants in trial migration",
    },
    "regional.template_csv": {"ja": "テンプレート CSV（{label}）", "en": "Template CSV ({label})"},
    "regional.template_xlsx": {
        "ja": "テンプレート Excel（{label}）",
        "en": "Template Excel ({label})",
    },
    "regional.imported": {
        "ja": "{label}：{rows}行を取り込み済み（{when}）。",
        "en": "{label}: {rows} rows imported ({when}).",
    },
    "regional.year": {"ja": "年度（{label}）", "en": "Fiscal year ({label})"},
    "regional.total": {
        "ja": "合計 {value}{unit}（{when}、{n}市町村）",
        "en": "Total {value} {unit} ({when}, {n} municipalities)",
    },
    "regional.col.municipality": {"ja": "市町村", "en": "Municipality"},
    "regional.col.bureau": {"ja": "振興局", "en": "Bureau"},
    "regional.col.value": {"ja": "{label}（{unit}）", "en": "{label} ({unit})"},
    "regional.col.group": {"ja": "圏域名", "en": "Grouping"},
    "regional.col.kind": {"ja": "区分", "en": "Kind"},
    "regional.col.members": {"ja": "構成市町村", "en": "Member municipalities"},
    "regional.col.count": {"ja": "市町村数", "en": "Municipalities"},
    "regional.source_imported": {"ja": "取り込みデータ（{file}）", "en": "Imported data ({file})"},
    "regional.groups_map": {
        "ja": "圏域は構成市町村を合わせた範囲を輪郭と名称で示しています（{n}圏域）。",
        "en": "Each grouping is drawn as the union of its member municipalities, outlined and named ({n} groupings).",
    },
    "regional.map": {
        "ja": "取り込んだ数値と圏域の地図",
        "en": "Map of the imported figures and groupings",
    },
    "regional.map_figure": {"ja": "地図に示す数値", "en": "Figure on the map"},
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


def col(base: str, lang: str) -> str:
    """The name of the ``base`` data column in ``lang``: ``{base}_en`` for English,
    ``{base}_ja`` otherwise (the reference and figure tables carry both).

    >>> col("name", "en"), col("name", "ja"), col("source", "xx")
    ('name_en', 'name_ja', 'source_ja')
    """
    return f"{base}_en" if lang == "en" else f"{base}_ja"


#: Punctuation between and around texts, per language. Kept out of
#: :data:`CATALOG` because its Japanese values are punctuation, not words
#: (``tests/test_i18n.py`` checks that every catalogue text in Japanese has
#: Japanese script). ``{placeholders}`` are filled by :func:`punct`.
PUNCTUATION: dict[str, dict[str, str]] = {
    "list": {"ja": "、", "en": ", "},  # items of a list: 空知、石狩 / Sorachi, Ishikari
    "dot": {"ja": " ・ ", "en": " · "},  # parts of a line on screen
    "report.dot": {"ja": "　・　", "en": "  ·  "},  # parts of a line in a handout
    "report.title": {"ja": "　", "en": " — "},  # handout title and its subtitle
    "report.gap": {"ja": "　", "en": "  "},  # a figure and its note in a handout
    "report.bullet": {"ja": "・{text}", "en": "• {text}"},
    "report.dept": {"ja": "【{dept}】{text}", "en": "[{dept}] {text}"},
    "report.when_what": {"ja": "{when}（{what}）", "en": "{when} ({what})"},
    "report.events": {"ja": "、", "en": "; "},  # dated events in a handout line
    "report.event_items": {"ja": "・", "en": ", "},  # items of one dated event
}


def pick(pair: Sequence[str], lang: str) -> str:
    """The Japanese or the English of a ``(ja, en)`` pair (a vocabulary such as dispatch kinds).

    >>> pick(("継続", "continuing"), "en")
    'continuing'
    """
    return pair[1] if lang == "en" else pair[0]


def short_name_col(lang: str) -> str:
    """The column of an area's short name: ``short_ja`` (空知) in Japanese, ``name_en``."""
    return "name_en" if lang == "en" else "short_ja"


def punct(key: str, lang: str, /, **values: object) -> str:
    """The punctuation ``key`` in ``lang`` (unknown language: Japanese), filled from ``values``.

    >>> punct("list", "ja"), punct("report.bullet", "en", text="x")
    ('、', '• x')
    """
    entry = PUNCTUATION[key]
    text = entry.get(lang) or entry["ja"]
    return text.format(**values) if values else text


def join(items: Iterable[object], lang: str, sep: str = "list") -> str:
    """``items`` as one text, separated by the :data:`PUNCTUATION` ``sep`` of ``lang``.

    >>> join(["空知", "石狩"], "ja"), join(["Sorachi", "Ishikari"], "en")
    ('空知、石狩', 'Sorachi, Ishikari')
    >>> join(["a", "b"], "en", sep="dot")
    'a · b'
    """
    return punct(sep, lang).join(str(i) for i in items)


# ---------------------------------------------------------------------------
# Numbers, years, months, pages: formats rather than words, so not in CATALOG
# ---------------------------------------------------------------------------


def page_number(page: int, lang: str) -> str:
    """A handout's page number; ``{nb}`` is left for fpdf to fill with the page count.

    >>> page_number(2, "ja"), page_number(2, "en")
    ('2 / {nb}', 'page 2 of {nb}')
    """
    return f"page {page} of {{nb}}" if lang == "en" else f"{page} / {{nb}}"


def fy_text(fy: object, lang: str) -> str:
    """A fiscal year: ``2015年度`` / ``FY2015``; ``""`` for no year (None, NaN, NA).

    >>> fy_text(2015, "ja"), fy_text(2015.0, "en"), fy_text(None, "en")
    ('2015年度', 'FY2015', '')
    """
    try:
        year = int(fy)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    return t("fig.fy", lang, fy=year)


def month_text(value: object, lang: str, *, numeric: bool = False) -> str:
    """A month: ``2015年3月``; in English ``Mar 2015``, or ``2015-03`` where ``numeric``
    (tables and figures, where months line up).

    ``value`` is a ``"2015-03"`` string, a date, a datetime or a timestamp.

    >>> month_text("2015-03", "ja"), month_text("2015-03", "en")
    ('2015年3月', 'Mar 2015')
    >>> import datetime
    >>> month_text(datetime.date(2015, 3, 1), "en", numeric=True)
    '2015-03'
    """
    import pandas as pd

    if isinstance(value, str) and len(value) == 7:
        value = value + "-01"
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    if lang != "en":
        return f"{ts.year}年{ts.month}月"
    return f"{ts.year:04d}-{ts.month:02d}" if numeric else ts.strftime("%b %Y")
