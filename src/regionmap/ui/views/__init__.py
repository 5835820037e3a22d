"""One module per page, named as the page's script: ``pages/<name>.py`` calls
``regionmap.ui.views.<name>.page(frame.context())`` (the names are
:data:`regionmap.ui.session.PAGES`'). A view lays out its page from the components
(:mod:`regionmap.ui.components`); no view imports another.
"""
