"""職員派遣 Staff dispatch: by municipality, kind and fiscal year; trend; choropleth."""

from regionmap import overlays, ui

overlays.dispatch_page(ui.context())
