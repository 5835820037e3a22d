"""職員派遣 Staff dispatch: by municipality, kind and fiscal year; trend; choropleth."""

from regionmap.ui import frame
from regionmap.ui.views import dispatch

dispatch.page(frame.context())
