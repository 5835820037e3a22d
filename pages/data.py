"""データ Data: import (upload, validate, dry run, commit), history and undo, templates, export."""

from regionmap.ui import dataview, frame

dataview.data_page(frame.context())
