"""政策提案 Proposals and how they were reflected in the departments' measures."""

from regionmap import overlays, ui

overlays.proposals_page(ui.context())
