"""regionmap: the map dashboard of Hokkaido's regional policy.

The package holds every piece of logic (boundary build, database and queries,
importers, map layers, charts, text); the Streamlit page scripts only lay out
widgets and call it.
"""

__version__ = "0.1.0"

MLIT_CREDIT_JA = "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成"
MLIT_CREDIT_EN = (
    "Processed from MLIT National Land Numerical Information (Administrative Areas), "
    "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成"
)
