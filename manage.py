#!/usr/bin/env python
"""Django's command-line utility; `dudao` (dudao.cli) is the same with a shorter name."""

from dudao.cli import main

if __name__ == "__main__":
    main()
