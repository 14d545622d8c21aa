"""Pledge books: importing a whole book of pledges (CSV, JSON, YAML) in one checked step.

``parse`` reads the file (no Django), ``plan`` says what would be created or changed and what is
wrong, row by row, ``apply`` writes a plan without errors in one transaction. The command
``import_pledges`` and the admin's upload (``admin/books.py``) only call these.
"""
