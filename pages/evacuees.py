"""避難者 Evacuees: by municipality, monthly trend, prefecture of origin."""

from regionmap import overlays, ui

overlays.evacuees_page(ui.context())
