# Sphinx configuration of the book (book/build.py runs sphinx-build with -c book on the staged
# sources in build/book/src/). Nothing is executed: the notebooks' committed outputs are shown.
import logging
from pathlib import Path

try:  # Sphinx's Chinese search splits words with jieba; keep its start-up chatter out of the log
    import jieba
    jieba.setLogLevel(logging.WARNING)
except ImportError:
    pass

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
html_favicon = "_static/favicon.svg"  # or Chromium asks for /favicon.ico (a 404 in the browser test)
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_sidebars = {"**": ["sidebar/brand.html", "language.html", "sidebar/search.html",
                        "sidebar/scroll-start.html", "sidebar/navigation.html",
                        "sidebar/scroll-end.html"]}
# Copy only the command, never the prompt or the output.
copybutton_exclude = ".linenos, .gp, .go"


def setup(app):
    def chinese_title(app, config):
        if (config.language or "").startswith("zh"):
            config.html_title = "自托管大模型服务器 HTTP API 课程"
    app.connect("config-inited", chinese_title)
