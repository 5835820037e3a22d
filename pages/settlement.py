"""集落対策 Settlement support: sites as points by kind; coverage by bureau."""

from regionmap import overlays, ui

overlays.settlement_page(ui.context())
