/* E-forms: reveal conditional questions as the answer changes, focus the error summary,
   and disable the submit button after the first click (the server is idempotent anyway). */
(function () {
  "use strict";
  var summary = document.getElementById("tom-tat-loi");
  if (summary) { summary.focus(); }
  var form = document.querySelector("form.eform");
  if (!form) { return; }
  function valueOf(name) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "checkbox") { return el.checked ? "true" : "false"; }
      if (el.type === "radio") { if (el.checked) { return el.value; } }
      else { return el.value; }
    }
    return "";
  }
  function update() {
    var blocks = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < blocks.length; i++) {
      var b = blocks[i];
      var same = valueOf(b.getAttribute("data-show-if")) === b.getAttribute("data-show-value");
      b.hidden = b.getAttribute("data-show-op") === "not_equals" ? same : !same;
    }
  }
  form.addEventListener("change", update);
  if (form.classList.contains("submit-once")) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  }
}());
