"""The local demo on top of every app: demo accounts and the catalog's demo content.

``python manage.py seed_demo`` composes them; nothing here runs in production.
"""
