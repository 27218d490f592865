"""Figures as editors read them: shares as percentages, missing as a dash."""

from django import template

register = template.Library()


@register.filter
def percent(value, digits: int = 1) -> str:
    """``0.1234`` as ``12.3%``; None (nothing to divide) as a dash."""
    if value is None:
        return "—"
    return f"{value * 100:.{int(digits)}f}%"
