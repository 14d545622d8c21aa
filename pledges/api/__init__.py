"""The read-only JSON API at /api/v1/ (rooms: filters, serializers, views, urls).

Django REST Framework for the views, pagination and errors; drf-spectacular for the OpenAPI
description at /api/v1/schema/; the FilterSets of the public list and the exports for filters;
pledges.selectors for every row (published pledges and what editors confirmed, nothing else).
"""
