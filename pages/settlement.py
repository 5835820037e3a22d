"""集落対策 Settlement support: sites as points by kind; coverage by bureau."""

from regionmap.ui import frame, settlement

settlement.settlement_page(frame.context())
