// The admin area: a form marked data-reset-when-done is emptied once its write went through,
// so the next center or account starts from a clean form.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt;
  if (form instanceof HTMLFormElement && form.hasAttribute("data-reset-when-done") &&
      event.detail.successful) {
    form.reset();
  }
});
