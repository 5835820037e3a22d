"""移住・広域連携・推進体制 Migration, wide-area cooperation and how the policy is made:
the document's sections in our words with their source references; import-only figures."""

from regionmap.ui import frame
from regionmap.ui.views import regional

regional.page(frame.context())
