/* Small extras when JavaScript is on; the form works fully without them. */
(function () {
  "use strict";
  // Move focus to the error summary (or notice) so screen readers announce it at once.
  var first = document.querySelector("[data-focus-first]");
  if (first && document.activeElement !== first) { first.focus(); }

  document.addEventListener("click", function (event) {
    // An error summary link: focus the input and show its question above it (GOV.UK's behaviour).
    var link = event.target.closest && event.target.closest(".error-list a");
    if (!link) { return; }
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) { return; }
    event.preventDefault();
    var fieldset = input.closest("fieldset");
    var legend = fieldset ? fieldset.querySelector("legend") : document.querySelector("label[for='" + input.id + "']");
    (legend || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });

  document.addEventListener("change", function (event) {
    // "None of these" cannot go with other answers: ticking one unticks the other kind.
    var box = event.target;
    if (box.type !== "checkbox" || !box.checked) { return; }
    var boxes = document.querySelectorAll("input[type=checkbox][name='" + box.name + "']");
    var exclusive = box.hasAttribute("data-exclusive");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i] !== box && (exclusive || boxes[i].hasAttribute("data-exclusive"))) { boxes[i].checked = false; }
    }
  });

  var form = document.querySelector("form[method=post]");
  if (form) {
    // A second press while the first is on its way does nothing (the server would store it once anyway).
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
      form.setAttribute("data-sending", "1");
      setTimeout(function () { form.removeAttribute("data-sending"); }, 3000);
    });
  }
})();

(function () {
  "use strict";
  // The confirmation: "Copy the code" and "Print this page" need a script, so they are shown only with one.
  var tools = document.querySelector(".tools");
  var code = document.getElementById("code");
  if (!tools || !code) { return; }
  tools.hidden = false;
  document.getElementById("print-page").addEventListener("click", function () { window.print(); });
  var copy = document.getElementById("copy-code");
  copy.addEventListener("click", function () {
    var said = document.getElementById("copied");
    var done = function () { said.textContent = copy.getAttribute("data-copied"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code.textContent).then(done, function () {});
    } else {
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      if (document.execCommand("copy")) { done(); }
    }
  });
})();
