"""職員派遣 Staff dispatch: by municipality, kind and fiscal year; trend; choropleth."""

from regionmap.ui import dispatch, frame

dispatch.dispatch_page(frame.context())
