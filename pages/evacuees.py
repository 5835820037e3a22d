"""避難者 Evacuees: by municipality, monthly trend, prefecture of origin."""

from regionmap.ui import frame
from regionmap.ui.views import evacuees

evacuees.page(frame.context())
