"""`dudao load-reference`: load shipped reference data; idempotent (safe to run on every deploy).

Loads the registry's regions (GB/T 2260: 34 provinces, their cities and counties; data/README.md) and
OCC-1's sourced occupations,
then every other app that exposes `dudao.<app>.reference.load_reference() -> dict` (same contract).
"""

from __future__ import annotations

import importlib
import json

from django.apps import apps
from django.core.management.base import BaseCommand

from dudao.registry import services


class Command(BaseCommand):
    help = "载入参考数据(省、地市、区县行政区划,已核实的职业编码,以及其他应用提供的参考数据);可重复执行"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以 JSON 输出各项新增/更新/未变条数")

    def handle(self, *args, **options):
        results = {"registry": services.reference_load(actor=None)}
        for config in apps.get_app_configs():
            if not config.name.startswith("dudao.") or config.label == "registry":
                continue
            try:
                module = importlib.import_module(f"{config.name}.reference")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.reference":
                    raise
                continue
            loader = getattr(module, "load_reference", None)
            if callable(loader):
                results[config.label] = loader()
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, sort_keys=True))
            return
        for app, parts in results.items():
            for what, counts in (parts or {}).items():
                if isinstance(counts, dict):
                    text = ",".join(f"{k} {v}" for k, v in counts.items())
                else:
                    text = str(counts)
                self.stdout.write(f"{app}.{what}: {text}")
