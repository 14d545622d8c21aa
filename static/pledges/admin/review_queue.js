/* The review queue by keyboard and without page reloads.
 *
 * Without JavaScript every row's buttons post the changelist form to the row's confirm or
 * reject address (formaction) and the page comes back with a message. With it, the same
 * requests go by fetch with the CSRF token of the form, the item is marked in place, and
 * j/k move between items, c confirms (or accepts), r goes to the reason (Enter rejects),
 * e opens "edit, then accept", Esc returns.
 *
 * An item is a row (the article's evidence) or one of the status, milestone or budget
 * suggestions listed under its sentence ([data-desk-item]); each has its own decision box.
 * A static file with no inline script, so a Content-Security-Policy without 'unsafe-inline'
 * holds.
 */
function startReviewQueue() {
  "use strict";

  const table = document.querySelector("body.review-queue #result_list");
  if (!table) {
    return;
  }
  const form = document.getElementById("changelist-form");
  const live = document.getElementById("desk-live");
  const pendingLine = document.querySelector(".desk-pending");
  const intro = document.querySelector(".desk-intro");
  const rows = [];
  table.querySelectorAll("tbody tr").forEach(function (row) {
    rows.push(row);
    row.querySelectorAll("[data-desk-item]").forEach(function (item) {
      rows.push(item);
    });
  });
  let current = -1;

  function csrfToken() {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function announce(text) {
    if (live) {
      live.textContent = text;
    }
  }

  // The item's own decision box: a row's is in its decision column, not in the items it holds.
  function boxOf(item) {
    if (item.tagName === "TR") {
      return item.querySelector("td.field-decision .desk-decision");
    }
    return item.querySelector(".desk-decision");
  }

  function pendingRows() {
    return rows.filter(function (row) {
      return boxOf(row) && !row.classList.contains("is-done");
    });
  }

  function closeItem(item, state) {
    item.classList.add("is-done", "is-" + state);
    const box = boxOf(item);
    if (box) {
      box.querySelectorAll("button, select, input[type=text]").forEach(function (field) {
        field.disabled = true;
      });
    }
  }

  // A decision on one item can decide others: accepting a signal or a figure confirms the
  // article's evidence; rejecting the evidence rejects its signals and withdraws its amounts.
  function followEvidence(item, evidenceState) {
    const row = item.tagName === "TR" ? item : item.closest("tr");
    if (!row || !evidenceState || evidenceState === "suggested") {
      return;
    }
    if (!row.classList.contains("is-done")) {
      closeItem(row, evidenceState);
    }
    if (evidenceState === "rejected") {
      row.querySelectorAll("[data-desk-item]").forEach(function (inner) {
        if (!inner.classList.contains("is-done")) {
          closeItem(inner, "rejected");
        }
      });
    }
  }

  function select(index) {
    if (!rows.length) {
      return;
    }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) {
      rows[current].classList.remove("is-current");
      rows[current].removeAttribute("aria-current");
    }
    current = index;
    const row = rows[current];
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function nextPending() {
    const waiting = pendingRows();
    const after = waiting.find(function (row) {
      return rows.indexOf(row) > current;
    });
    const target = after || waiting[0];
    if (target) {
      select(rows.indexOf(target));
    }
  }

  function decide(row, button) {
    const box = boxOf(row);
    if (!box || row.classList.contains("is-busy") || row.classList.contains("is-done")) {
      return;
    }
    const message = box.querySelector(".desk-message");
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrfToken());
    box.querySelectorAll("input, select").forEach(function (field) {
      if (field.name) {
        data.append(field.name, field.value);
      }
    });
    row.classList.add("is-busy");
    fetch(button.getAttribute("formaction"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { status: response.status, body: body };
        });
      })
      .then(function (answer) {
        row.classList.remove("is-busy");
        message.textContent = answer.body.message;
        announce(answer.body.message);
        if (answer.status === 200 || answer.status === 409) {
          // Done here, or done by another editor first: either way, not this editor's to do.
          closeItem(row, answer.body.state);
          followEvidence(row, answer.body.evidence_state);
          if (pendingLine && answer.body.pending_text) {
            pendingLine.textContent = answer.body.pending_text;
          }
          if (answer.status === 200) {
            nextPending();
          } else {
            row.classList.add("is-conflict");
          }
        } else {
          row.classList.add("is-error");
          const reason = box.querySelector("select");
          if (reason) {
            reason.focus();
          }
        }
      })
      .catch(function () {
        row.classList.remove("is-busy");
        message.textContent = intro ? intro.dataset.networkError : "";
        row.classList.add("is-error");
      });
  }

  rows.forEach(function (row, index) {
    row.tabIndex = -1;
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select")) {
        return;
      }
      // A click inside a suggestion selects it, not the row around it.
      if (row.tagName === "TR" && event.target.closest("[data-desk-item]")) {
        return;
      }
      event.stopPropagation();
      select(index);
    });
  });

  // The changelist's own script treats any change in the table as unsaved list_editable
  // input and warns before an action; the reason fields are not that.
  table.addEventListener(
    "change",
    function (event) {
      if (event.target.closest(".desk-decision")) {
        event.stopPropagation();
      }
    },
    true
  );

  table.addEventListener("click", function (event) {
    const button = event.target.closest(".desk-decision button");
    if (!button) {
      return;
    }
    event.preventDefault();
    const row = button.closest("[data-desk-item]") || button.closest("tr");
    select(rows.indexOf(row));
    decide(row, button);
  });

  table.addEventListener("keydown", function (event) {
    const field = event.target.closest(".desk-decision select, .desk-decision input[type=text]");
    if (!field) {
      return;
    }
    const row = field.closest("[data-desk-item]") || field.closest("tr");
    if (event.key === "Enter") {
      event.preventDefault();
      decide(row, boxOf(row).querySelector(".desk-reject"));
    } else if (event.key === "Escape") {
      event.preventDefault();
      select(rows.indexOf(row));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (event.target.closest("input, select, textarea, [contenteditable]")) {
      return;
    }
    const row = rows[current];
    const box = row ? boxOf(row) : null;
    switch (event.key) {
      case "j":
        select(current + 1);
        break;
      case "k":
        select(current - 1);
        break;
      case "c":
        if (box && box.querySelector(".desk-confirm")) {
          decide(row, box.querySelector(".desk-confirm"));
        }
        break;
      case "e":
        if (box && box.querySelector(".desk-edit") && !row.classList.contains("is-done")) {
          window.location.assign(box.querySelector(".desk-edit").href);
        }
        break;
      case "r":
        if (box && box.querySelector("select")) {
          const choice = box.querySelector("select");
          const typed = box.querySelector("input[type=text]");
          if (choice.value || typed.value) {
            decide(row, box.querySelector(".desk-reject"));
          } else {
            choice.focus();
          }
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  if (pendingRows().length) {
    select(rows.indexOf(pendingRows()[0]));
  }
}

// The admin loads form media in <head>: wait for the table.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", startReviewQueue);
} else {
  startReviewQueue();
}
