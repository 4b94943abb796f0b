"""`litreview check`: fast checks of a review's Markdown, BibTeX and evidence data, without building the site."""
from __future__ import annotations

from .findings import FORMATTERS, Finding, format_github, format_json, format_text
from .project import Project, ProjectError, load_project
from .runner import check_project, run_checks

__all__ = ["FORMATTERS", "Finding", "Project", "ProjectError", "check_project", "format_github", "format_json",
           "format_text", "load_project", "run_checks"]
