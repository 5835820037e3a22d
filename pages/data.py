"""データ Data: import (upload, validate, dry run, commit), history and undo, templates, export."""

from regionmap import dataui, ui

dataui.data_page(ui.context())
