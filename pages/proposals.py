"""政策提案 Proposals and how they were reflected in the departments' measures."""

from regionmap.ui import frame, proposals

proposals.proposals_page(frame.context())
