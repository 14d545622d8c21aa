"""The public site: pledge list and pages, status definitions, Atom syndication (outgoing).

Reads only, and only through pledges.selectors, which decides what is public.
"""
