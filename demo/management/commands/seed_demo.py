"""python manage.py seed_demo: a demo catalog and demo accounts for a local run."""

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from catalog import demo as catalog_demo
from demo import accounts as demo_accounts
from demo import audience as demo_audience


class Command(BaseCommand):
    help = (
        "Create a demo catalog (titles, series, people, generated artwork), demo "
        "editor and admin accounts, and four weeks of a simulated audience for the "
        "editors' analytics. Skips the catalog when it already exists, and days "
        "that already have figures."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo titles, people and genres, then create them again.",
        )
        parser.add_argument(
            "--videos",
            type=int,
            default=6,
            help="How many demo movies and episodes get a real video (default 6).",
        )
        parser.add_argument(
            "--no-audience",
            action="store_true",
            help="Do not simulate the audience of the last four weeks.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run with DEBUG off (the demo accounts have a published password).",
        )

    def handle(
        self, *args, reset: bool, force: bool, videos: int, no_audience: bool, **options
    ):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to seed demo data with DEBUG off: the demo accounts have a "
                "published password and must not reach production. Pass --force if "
                "this really is a throwaway demo deployment."
            )
        started = time.monotonic()
        try:
            with transaction.atomic():
                # Accounts first: cheap, and their failure leaves no artwork behind.
                demo_accounts.demo_accounts_ensure()
                if reset:
                    deleted = catalog_demo.demo_catalog_delete()
                    self.stdout.write(f"Deleted {deleted} demo titles.")
                if catalog_demo.demo_catalog_exists():
                    self.stdout.write(
                        "The demo catalog already exists; skipped it "
                        "(--reset recreates it)."
                    )
                else:
                    self._report(catalog_demo.demo_catalog_seed())
                queued = (
                    catalog_demo.demo_videos_ensure(limit=videos) if videos > 0 else 0
                )
                audience = None if no_audience else demo_audience.demo_audience_ensure()
        except demo_accounts.DemoAccountsError as exc:
            raise CommandError(str(exc)) from exc
        if audience is not None:
            self.stdout.write(
                f"Simulated audience: {audience.sessions} sessions on "
                f"{audience.days} new days, {audience.rows} title-day rows rolled up "
                f"(days with figures already are left as they are)."
            )
        if queued:
            self.stdout.write(
                f"Queued {queued} demo videos; the worker transcodes them in a minute "
                "or two, and they play as soon as their first segments are ready."
            )

        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Demo ready in {elapsed:.1f}s."))
        site = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        admin = f"{site}{reverse('admin:index')}"
        password = demo_accounts.DEMO_PASSWORD
        self.stdout.write(f"Site: {site}/")
        self.stdout.write(
            f"Editor login: {demo_accounts.EDITOR_EMAIL} / {password} at {admin}"
        )
        self.stdout.write(
            f"Admin login: {demo_accounts.ADMIN_EMAIL} / {password} at {admin}"
        )

    def _report(self, report: "catalog_demo.DemoCatalogReport") -> None:
        self.stdout.write(
            f"Created {report.titles} titles ({report.series} series with "
            f"{report.seasons} seasons and {report.episodes} episodes), "
            f"{report.people} people and {report.genres} genres; "
            f"{report.hidden} titles are hidden from viewers (a draft and a "
            "scheduled release)."
        )
