"""Form widgets every app's page forms share: ISO dates for <input type="date"> and datetime-local (the
zh-hans input format would print "2026/12/06", which these inputs do not accept)."""

from django import forms

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
