/* The review queue by keyboard and without page reloads.
 *
 * Without JavaScript every row's buttons post the changelist form to the row's confirm or
 * reject address (formaction) and the page comes back with a message. With it, the same
 * requests go by fetch with the CSRF token of the form, the row is marked in place, and
 * j/k move between rows, c confirms, r goes to the reason (Enter rejects), Esc returns.
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
  const rows = Array.from(table.querySelectorAll("tbody tr"));
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

  function pendingRows() {
    return rows.filter(function (row) {
      return row.querySelector(".desk-decision") && !row.classList.contains("is-done");
    });
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
    const box = row.querySelector(".desk-decision");
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
          row.classList.add("is-done", "is-" + answer.body.state);
          box.querySelectorAll("button, select, input[type=text]").forEach(function (field) {
            field.disabled = true;
          });
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
      if (!event.target.closest("a, button, input, select")) {
        select(index);
      }
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
    const row = button.closest("tr");
    select(rows.indexOf(row));
    decide(row, button);
  });

  table.addEventListener("keydown", function (event) {
    const field = event.target.closest(".desk-decision select, .desk-decision input[type=text]");
    if (!field) {
      return;
    }
    const row = field.closest("tr");
    if (event.key === "Enter") {
      event.preventDefault();
      decide(row, row.querySelector(".desk-reject"));
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
    switch (event.key) {
      case "j":
        select(current + 1);
        break;
      case "k":
        select(current - 1);
        break;
      case "c":
        if (row && row.querySelector(".desk-confirm")) {
          decide(row, row.querySelector(".desk-confirm"));
        }
        break;
      case "r":
        if (row && row.querySelector(".desk-decision select")) {
          const choice = row.querySelector(".desk-decision select");
          const typed = row.querySelector(".desk-decision input[type=text]");
          if (choice.value || typed.value) {
            decide(row, row.querySelector(".desk-reject"));
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
