"""Pure rules of the evaluation operations (考务): no Django, no database (import-linter holds this)."""
