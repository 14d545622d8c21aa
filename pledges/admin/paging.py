"""Pages of the review queue whose cost does not grow with the queue.

The matching rows are counted only as far as an editor can page from where they are, and
shown as "1,000+" past that: an exact count of a national queue reads every waiting row on
each page load (30 ms for 33,000 waiting, 130 ms with an outlet chosen; bench-scale); the
exact number waiting is at the top of the queue, from the desk's own counts
(``review_desk.pending_counts``).

A page is read as its ids first, in the queue's order (from its index; a sort by a column
sorts ids and keys, not whole rows with their texts), then only that page's rows, loaded as
the model admin says (``page_rows``).
"""

from __future__ import annotations

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts the rows up to the next multiple of ``count_step`` past the end of the page
    after ``page_number``: the page links reach every page that exists, one step at a time,
    and a count at the cap is shown as "at least" (``count_text``)."""

    count_step = 1000

    def __init__(
        self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page_number=1
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        reach = (max(page_number, 1) + 1) * int(per_page)
        self.count_cap = -(-reach // self.count_step) * self.count_step

    @cached_property
    def _counted(self) -> int:
        # Unordered: the count needs no sort, and stops after the cap plus one.
        return self.object_list.order_by()[: self.count_cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.count_cap)

    @property
    def count_is_capped(self) -> bool:
        return self._counted > self.count_cap

    @property
    def count_text(self) -> str:
        """The count as shown: "20", "1,000+" (at least that many)."""
        if self.count_is_capped:
            return f"{self.count:,}+"
        return f"{self.count:,}"


class PageByIdsChangeList(ChangeList):
    """A changelist whose page is its ids first, then the model admin's ``page_rows(ids)``
    in the same order."""

    def get_results(self, request):
        super().get_results(request)
        ids = list(self.result_list.prefetch_related(None).values_list("pk", flat=True))
        rows = {row.pk: row for row in self.model_admin.page_rows(ids)}
        # A row deleted between the two reads is left out, not an error.
        self.result_list = [rows[pk] for pk in ids if pk in rows]
