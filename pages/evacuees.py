"""避難者 Evacuees: by municipality, monthly trend, prefecture of origin."""

from regionmap.ui import evacuees, frame

evacuees.evacuees_page(frame.context())
