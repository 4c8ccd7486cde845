"""Divan's Django project: settings, URLs, Celery and the WSGI/ASGI entry points."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
