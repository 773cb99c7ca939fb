"""Layers written outside this project, as tutorials and courses write them: the targets of
the drop-in check's tests and of the README's examples (``seed_article.py`` is the source
article's five pieces, verbatim)."""
