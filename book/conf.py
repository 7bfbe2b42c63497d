# Sphinx configuration of the book (book/build.py runs sphinx-build with -c book on the staged
# sources in build/book/src/). Nothing is executed: the notebooks' committed outputs are shown.
from pathlib import Path

project = "Calling a self-hosted LLM server over HTTP"
author = "the llm-api-lessons authors"
copyright = "the llm-api-lessons authors"
extensions = ["myst_nb", "sphinx_copybutton"]
nb_execution_mode = "off"
nb_output_stderr = "show"
nb_merge_streams = True
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["**/.ipynb_checkpoints", "**/__pycache__"]
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure"]

# Translations: one catalog per page, in book/locales/<lang>/LC_MESSAGES/<page>.po (gettext).
locale_dirs = [str(Path(__file__).resolve().parent / "locales")]
gettext_compact = False
gettext_location = False
gettext_uuid = False
gettext_allow_fuzzy_translations = False

html_theme = "furo"
html_title = "LLM server HTTP API lessons"
html_static_path = ["_static"]
templates_path = ["_templates"]
html_css_files = ["book.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_sidebars = {"**": ["sidebar/brand.html", "language.html", "sidebar/search.html",
                        "sidebar/scroll-start.html", "sidebar/navigation.html",
                        "sidebar/scroll-end.html"]}
# Copy only the command, never the prompt or the output.
copybutton_exclude = ".linenos, .gp, .go"
