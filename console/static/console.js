// The console's behaviour that no server round trip can give: the scan box that keeps focus
// and reads what a USB scanner types even with a Chinese input method on, and print buttons.
// No inline scripts: the pages' Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Full-width forms an input method may type (ｈｔｔｐ：／／…) back to ASCII; no spaces.
  function normalizeScan(value) {
    return value
      .replace(/[\uff01-\uff5e]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
      .replace(/\u3000/g, " ")
      .replace(/。/g, ".")
      .trim();
  }

  function scanBox() { return document.querySelector("input[data-scan]"); }

  function typingElsewhere() {
    var active = document.activeElement;
    if (!active || active === document.body) return false;
    if (active.hasAttribute("data-scan")) return false;
    return /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName) || active.isContentEditable;
  }

  // The scan box takes focus back after every action, unless a person is filling a field.
  function refocus() {
    var box = scanBox();
    if (box && !typingElsewhere() && !document.querySelector("dialog[open]")) {
      box.focus({ preventScroll: true });
    }
  }

  function submitScan(box) {
    box.value = normalizeScan(box.value);
    if (!box.value) return;
    var form = box.form;
    if (form) form.requestSubmit();
  }

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.hasAttribute || !box.hasAttribute("data-scan") || event.key !== "Enter") return;
    event.preventDefault();
    // With an input method composing, Enter commits the composition: read the field when
    // it ends rather than the half-typed value now.
    if (event.isComposing || event.keyCode === 229) {
      box.dataset.submitAfterComposition = "1";
      return;
    }
    submitScan(box);
  });

  document.addEventListener("compositionend", function (event) {
    var box = event.target;
    if (box.hasAttribute && box.hasAttribute("data-scan") && box.dataset.submitAfterComposition) {
      delete box.dataset.submitAfterComposition;
      setTimeout(function () { submitScan(box); }, 0);
    }
  });

  document.addEventListener("click", function (event) {
    var printer = event.target.closest && event.target.closest("[data-print]");
    if (printer) { event.preventDefault(); window.print(); return; }
    setTimeout(refocus, 0);
  });

  // The scan box empties once its code is on its way (htmx has read the form), so the next
  // code a fast scanner types goes into an empty box, whenever the answer comes.
  document.addEventListener("htmx:beforeSend", function (event) {
    var box = scanBox();
    if (box && box.hasAttribute("data-clear-after") && event.detail.elt === box.form) {
      box.value = "";
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    setTimeout(refocus, 0);
  });

  // A request that got no answer says so, until one gets through: a clerk on flaky Wi-Fi
  // presses again, and the key the button resends keeps it from being done twice.
  function connectionLost(lost) {
    var notice = document.querySelector("[data-testid=connection-lost]");
    if (notice) notice.hidden = !lost;
  }
  document.addEventListener("htmx:sendError", function () { connectionLost(true); });
  document.addEventListener("htmx:timeout", function () { connectionLost(true); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.xhr && event.detail.xhr.status) connectionLost(false);
  });

  document.addEventListener("DOMContentLoaded", refocus);
  window.addEventListener("focus", refocus);

  window.healthPoints = { normalizeScan: normalizeScan, refocus: refocus };
})();
