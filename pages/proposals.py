"""政策提案 Proposals and how they were reflected in the departments' measures."""

from regionmap.ui import frame
from regionmap.ui.views import proposals

proposals.page(frame.context())
